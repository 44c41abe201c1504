/**
 * The sandbox org's metadata: which objects exist, their fields (enough for describe and for
 * rejecting unknown fields), parent lookups and child relationships.
 */

export type FieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'multipicklist'
  | 'boolean'
  | 'double'
  | 'currency'
  | 'percent'
  | 'int'
  | 'date'
  | 'datetime'
  | 'email';

export interface FieldDef {
  name: string;
  type: FieldType;
  length?: number;
  picklist?: string[];
  restricted?: boolean;
  /** Salesforce computes it; clients may read but never write it. */
  readOnly?: boolean;
  /** For references: the parent object and the relationship name used in SOQL (Owner.Name). */
  referenceTo?: string;
  relationshipName?: string;
}

export interface ChildRelDef {
  relationshipName: string;
  childObject: string;
  field: string;
}

export interface ObjectDef {
  name: string;
  keyPrefix: string;
  label: string;
  fields: FieldDef[];
  children: ChildRelDef[];
  /** Whether writes to it produce change events. */
  cdc: boolean;
}

// The restricted picklist as manifests/ deploys it; a test keeps it equal to the default rulebook's codes.
export const FLAG_CODES = [
  'ONE_SIDED_EFFORT',
  'NO_RECENT_CUSTOMER_YES',
  'NO_REASON_TO_ACT',
  'SELLER_DRIVEN_CLOSE_DATE',
  'CLOSE_DATE_SLIPPING',
  'SINGLE_THREADED',
  'NO_DECISION_MAKER',
  'NO_MUTUAL_PLAN',
  'CUSTOMER_STEPS_OVERDUE',
  'NOT_STRATEGICALLY_ALIGNED',
  'STAGE_AHEAD_OF_COMMITMENT',
  'DISCOUNT_TO_ACCELERATE',
] as const;

export const STAGES: { name: string; probability: number; forecast: string }[] = [
  { name: 'Prospecting', probability: 10, forecast: 'Pipeline' },
  { name: 'Qualification', probability: 10, forecast: 'Pipeline' },
  { name: 'Needs Analysis', probability: 20, forecast: 'Pipeline' },
  { name: 'Value Proposition', probability: 50, forecast: 'Pipeline' },
  { name: 'Id. Decision Makers', probability: 60, forecast: 'Pipeline' },
  { name: 'Perception Analysis', probability: 70, forecast: 'Best Case' },
  { name: 'Proposal/Price Quote', probability: 75, forecast: 'Best Case' },
  { name: 'Negotiation/Review', probability: 90, forecast: 'Commit' },
  { name: 'Closed Won', probability: 100, forecast: 'Closed' },
  { name: 'Closed Lost', probability: 0, forecast: 'Omitted' },
];

export const CONTACT_ROLES = [
  'Economic Buyer',
  'Decision Maker',
  'Technical Buyer',
  'Evaluator',
  'Executive Sponsor',
  'Influencer',
  'Business User',
  'Other',
];

const f = (name: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type,
  ...extra,
});
const ro = (name: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef =>
  f(name, type, { ...extra, readOnly: true });
const ref = (name: string, to: string, rel: string, readOnly = false): FieldDef =>
  f(name, 'reference', { referenceTo: to, relationshipName: rel, readOnly });

/** Fields every object carries; Salesforce maintains them. */
const SYSTEM: FieldDef[] = [
  ro('Id', 'id'),
  ro('CreatedDate', 'datetime'),
  ref('CreatedById', 'User', 'CreatedBy', true),
  ro('LastModifiedDate', 'datetime'),
  ref('LastModifiedById', 'User', 'LastModifiedBy', true),
  ro('SystemModstamp', 'datetime'),
  ro('IsDeleted', 'boolean'),
];

const OPPORTUNITY: FieldDef[] = [
  f('Name', 'string', { length: 120 }),
  ref('AccountId', 'Account', 'Account'),
  ref('OwnerId', 'User', 'Owner'),
  f('StageName', 'picklist', { picklist: STAGES.map((s) => s.name) }),
  f('Probability', 'percent'),
  f('Amount', 'currency'),
  f('CloseDate', 'date'),
  f('ForecastCategoryName', 'picklist', {
    picklist: ['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted'],
  }),
  f('NextStep', 'string', { length: 255 }),
  f('Type', 'picklist', { picklist: ['New Customer', 'Existing Customer - Upgrade'] }),
  ro('IsClosed', 'boolean'),
  ro('IsWon', 'boolean'),
  ro('LastActivityDate', 'date'),
  f('Compelling_Event__c', 'textarea', { length: 32768 }),
  f('Cost_Of_Delay__c', 'currency'),
  f('Customer_Decision_Date__c', 'date'),
  f('Strategic_Initiative__c', 'string', { length: 255 }),
  f('Discount_Percent__c', 'percent'),
  f('Commitment_Score__c', 'double'),
  f('Commitment_Adjusted_Probability__c', 'percent'),
  f('Commitment_Flags__c', 'multipicklist', { picklist: [...FLAG_CODES], restricted: true }),
  f('Commitment_Warnings__c', 'textarea', { length: 32768 }),
  f('Commitment_Balance__c', 'double'),
  f('Last_Customer_Yes_Date__c', 'date'),
  f('Commitment_Scored_At__c', 'datetime'),
  f('Commitment_Rules_Version__c', 'string', { length: 40 }),
  f('Commitment_Calibration__c', 'string', { length: 255 }),
];

const TASK: FieldDef[] = [
  ref('WhatId', 'Opportunity', 'What'),
  ref('WhoId', 'Contact', 'Who'),
  ref('OwnerId', 'User', 'Owner'),
  f('Subject', 'string', { length: 255 }),
  f('Status', 'picklist', { picklist: ['Not Started', 'In Progress', 'Completed'] }),
  ro('IsClosed', 'boolean'),
  f('ActivityDate', 'date'),
  f('CompletedDateTime', 'datetime'),
  f('TaskSubtype', 'picklist', { picklist: ['Task', 'Email', 'Call', 'ListEmail', 'Cadence', 'LinkedIn'] }),
  f('Type', 'picklist', { picklist: ['Call', 'Email', 'Meeting', 'Other'] }),
  f('CallType', 'picklist', { picklist: ['Inbound', 'Outbound', 'Internal'] }),
  f('CallDurationInSeconds', 'int'),
  f('Description', 'textarea', { length: 32000 }),
];

const EVENT: FieldDef[] = [
  ref('WhatId', 'Opportunity', 'What'),
  ref('WhoId', 'Contact', 'Who'),
  ref('OwnerId', 'User', 'Owner'),
  f('Subject', 'string', { length: 255 }),
  f('StartDateTime', 'datetime'),
  f('EndDateTime', 'datetime'),
  f('DurationInMinutes', 'int'),
  f('IsAllDayEvent', 'boolean'),
  f('EventSubtype', 'picklist', { picklist: ['Event'] }),
];

const EMAIL: FieldDef[] = [
  ref('RelatedToId', 'Opportunity', 'RelatedTo'),
  f('Incoming', 'boolean'),
  f('MessageDate', 'datetime'),
  f('FromAddress', 'email'),
  f('ToAddress', 'string', { length: 4000 }),
  f('Subject', 'string', { length: 3000 }),
  f('Status', 'picklist', { picklist: ['0', '1', '2', '3', '4', '5'] }),
];

const OCR: FieldDef[] = [
  ref('OpportunityId', 'Opportunity', 'Opportunity'),
  ref('ContactId', 'Contact', 'Contact'),
  f('Role', 'picklist', { picklist: CONTACT_ROLES }),
  f('IsPrimary', 'boolean'),
];

const HISTORY: FieldDef[] = [
  ro('OpportunityId', 'reference', { referenceTo: 'Opportunity', relationshipName: 'Opportunity' }),
  ro('StageName', 'picklist', { picklist: STAGES.map((s) => s.name) }),
  ro('Amount', 'currency'),
  ro('PrevAmount', 'currency'),
  ro('CloseDate', 'date'),
  ro('PrevCloseDate', 'date'),
  ro('Probability', 'percent'),
  ro('ForecastCategory', 'picklist'),
];

const FIELD_HISTORY: FieldDef[] = [
  ro('OpportunityId', 'reference', { referenceTo: 'Opportunity', relationshipName: 'Opportunity' }),
  ro('Field', 'picklist'),
  ro('OldValue', 'string'),
  ro('NewValue', 'string'),
  ro('DataType', 'string'),
];

const COMMITMENT: FieldDef[] = [
  f('Name', 'string', { length: 80 }),
  ref('Opportunity__c', 'Opportunity', 'Opportunity__r'),
  ref('Contact__c', 'Contact', 'Contact__r'),
  f('Type__c', 'picklist', {
    picklist: [
      'Meeting',
      'Information shared',
      'Access to decision maker',
      'Trial/POC agreed',
      'Mutual plan agreed',
      'Executive sponsor named',
      'Budget confirmed',
      'Procurement/legal engaged',
      'Proposal sent',
      'Demo delivered',
    ],
  }),
  f('Owner_Side__c', 'picklist', { picklist: ['Customer', 'Seller'], restricted: true }),
  f('Status__c', 'picklist', { picklist: ['Requested', 'Given', 'Declined', 'Done'], restricted: true }),
  f('Due_Date__c', 'date'),
  f('Completed_Date__c', 'date'),
];

const def = (
  name: string,
  keyPrefix: string,
  fields: FieldDef[],
  children: ChildRelDef[] = [],
  cdc = false,
): ObjectDef => ({
  name,
  keyPrefix,
  label: name.replace(/__c$/, '').replace(/_/g, ' '),
  fields: [...SYSTEM, ...fields],
  children,
  cdc,
});

export const OBJECTS: Record<string, ObjectDef> = Object.fromEntries(
  [
    def('User', '005', [
      f('Name', 'string', { length: 121 }),
      f('Email', 'email'),
      f('Username', 'string'),
      f('IsActive', 'boolean'),
    ]),
    def('Account', '001', [
      f('Name', 'string', { length: 255 }),
      f('Industry', 'picklist'),
      ref('OwnerId', 'User', 'Owner'),
    ]),
    def('Contact', '003', [
      ref('AccountId', 'Account', 'Account'),
      f('FirstName', 'string', { length: 40 }),
      f('LastName', 'string', { length: 80 }),
      f('Name', 'string', { readOnly: true }),
      f('Email', 'email'),
      f('Title', 'string', { length: 128 }),
    ]),
    def(
      'Opportunity',
      '006',
      OPPORTUNITY,
      [
        {
          relationshipName: 'OpportunityContactRoles',
          childObject: 'OpportunityContactRole',
          field: 'OpportunityId',
        },
        { relationshipName: 'Tasks', childObject: 'Task', field: 'WhatId' },
        { relationshipName: 'Events', childObject: 'Event', field: 'WhatId' },
        {
          relationshipName: 'OpportunityHistories',
          childObject: 'OpportunityHistory',
          field: 'OpportunityId',
        },
        { relationshipName: 'Histories', childObject: 'OpportunityFieldHistory', field: 'OpportunityId' },
        { relationshipName: 'EmailMessages', childObject: 'EmailMessage', field: 'RelatedToId' },
        {
          relationshipName: 'Buying_Commitments__r',
          childObject: 'Buying_Commitment__c',
          field: 'Opportunity__c',
        },
      ],
      true,
    ),
    def('Task', '00T', TASK, [], true),
    def('Event', '00U', EVENT, [], true),
    def('EmailMessage', '02s', EMAIL),
    def('OpportunityContactRole', '00K', OCR, [], true),
    def('OpportunityHistory', '008', HISTORY),
    def('OpportunityFieldHistory', '017', FIELD_HISTORY),
    def('Buying_Commitment__c', 'a0B', COMMITMENT, [], true),
  ].map((o) => [o.name, o]),
);

const fieldIndex = new Map<string, Map<string, FieldDef>>(
  Object.values(OBJECTS).map((o) => [o.name, new Map(o.fields.map((fd) => [fd.name.toLowerCase(), fd]))]),
);

/** Case-insensitive field lookup, as SOQL and REST are case-insensitive about names. */
export function findField(objectName: string, field: string): FieldDef | undefined {
  return fieldIndex.get(objectName)?.get(field.toLowerCase());
}

export function findObject(name: string): ObjectDef | undefined {
  const key = Object.keys(OBJECTS).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? OBJECTS[key] : undefined;
}

export function findChildRel(objectName: string, rel: string): ChildRelDef | undefined {
  return OBJECTS[objectName]?.children.find((c) => c.relationshipName.toLowerCase() === rel.toLowerCase());
}

/** Parent lookup by relationship name (Owner → OwnerId). */
export function findParentRel(objectName: string, rel: string): FieldDef | undefined {
  return OBJECTS[objectName]?.fields.find((fd) => fd.relationshipName?.toLowerCase() === rel.toLowerCase());
}

export function objectForId(id: string): string | undefined {
  return Object.values(OBJECTS).find((o) => id.startsWith(o.keyPrefix))?.name;
}
