import { readFileSync } from 'node:fs';
import {
  DEFAULT_RULEBOOK_FILE,
  loadRulebookFile,
  parseRulebook,
  type Rulebook,
} from '../../src/rules/load-rulebook';
import type { Signals } from '../../src/rules/signal-catalogue';
import { scoreSnapshot, type ScoreResult } from '../../src/scoring';
import { computeSignals } from '../../src/scoring/signals';
import { parseSnapshot } from '../../src/scoring/snapshot';
import { AS_OF, dateInDays, dateDaysAgo, isoDaysAgo } from './clock';

/**
 * Builders for deal snapshots in the JSON shape of the deal snapshot (src/scoring/snapshot.schema.json), placed in time
 * relative to the fixed clock AS_OF. Each builder returns a fresh plain object, so a test may change it.
 *
 *   const deal = aDeal({ stage: 'Proposal/Price Quote', emails: [anInboundEmail(3)], tasks: [anOutboundCall(2)] });
 *   expect(signalsOf(deal).balance).toBe(1);
 */

export { AS_OF, DAY_MS, dateDaysAgo, dateInDays, isoDaysAgo } from './clock';

export type JsonRecord = Record<string, unknown>;

export interface SnapshotJson {
  opportunity: JsonRecord;
  contactRoles?: JsonRecord[];
  tasks?: JsonRecord[];
  events?: JsonRecord[];
  emails?: JsonRecord[];
  history?: JsonRecord[];
  commitments?: JsonRecord[];
}

export const LIST_NAMES = ['contactRoles', 'tasks', 'events', 'emails', 'history', 'commitments'] as const;
export type ListName = (typeof LIST_NAMES)[number];

export const STAGES = {
  prospecting: 'Prospecting',
  qualification: 'Qualification',
  needsAnalysis: 'Needs Analysis',
  valueProposition: 'Value Proposition',
  decisionMakers: 'Id. Decision Makers',
  perceptionAnalysis: 'Perception Analysis',
  proposal: 'Proposal/Price Quote',
  negotiation: 'Negotiation/Review',
  won: 'Closed Won',
  lost: 'Closed Lost',
} as const;

export const SELLER_ID = '005000000000001AAA';
export const SELLER_EMAIL = 'ae@vendor.example';
export const BUYER_EMAIL = 'buyer@customer.example';

/** A customer contact Id (Salesforce contact Ids start with 003): contactId(1) → 003000000000001AAA. */
export function contactId(n: number): string {
  return `003${String(n).padStart(12, '0')}AAA`;
}

let sequence = 0;
function nextId(prefix: string): string {
  sequence += 1;
  return `${prefix}${String(sequence).padStart(12, '0')}AAA`;
}

// ---------------------------------------------------------------------------------------------------
// The deal

export interface DealOverrides extends Partial<Record<ListName, JsonRecord[]>> {
  stage?: string;
  probability?: number | null;
  amount?: number | null;
  /** `YYYY-MM-DD`; default 25 days after AS_OF (2026-12-15: mid-quarter, 16 days before the quarter end). */
  closeDate?: string | null;
  createdDaysAgo?: number;
  /** Any other Opportunity fields (reason-to-act inputs, IsClosed, …); they win over the shortcuts above. */
  opportunity?: JsonRecord;
}

/**
 * An open deal with no activity and no reason-to-act inputs, created 60 days ago, by default at
 * Proposal/Price Quote (70 %) for 50,000, closing 2026-12-15. Lists are present only when given, so
 * a snapshot without lists is the default.
 */
export function aDeal(overrides: DealOverrides = {}): SnapshotJson {
  const { stage, probability, amount, closeDate, createdDaysAgo, opportunity, ...lists } = overrides;
  const snapshot: SnapshotJson = {
    opportunity: {
      Id: '006000000000001AAA',
      Name: 'Acme - platform rollout',
      StageName: stage ?? STAGES.proposal,
      Probability: probability === undefined ? 70 : probability,
      Amount: amount === undefined ? 50_000 : amount,
      CloseDate: closeDate === undefined ? '2026-12-15' : closeDate,
      IsClosed: false,
      IsWon: false,
      ForecastCategoryName: 'Pipeline',
      CreatedDate: isoDaysAgo(createdDaysAgo ?? 60),
      OwnerId: SELLER_ID,
      Compelling_Event__c: null,
      Cost_Of_Delay__c: null,
      Customer_Decision_Date__c: null,
      Strategic_Initiative__c: null,
      ...opportunity,
    },
  };
  for (const name of LIST_NAMES) {
    const items = lists[name];
    if (items !== undefined) snapshot[name] = items.map((item) => ({ ...item }));
  }
  return snapshot;
}

/** A closed deal: won at Closed Won (100 %) or lost at Closed Lost (0 %). */
export function aClosedDeal(won: boolean, overrides: DealOverrides = {}): SnapshotJson {
  return aDeal({
    stage: won ? STAGES.won : STAGES.lost,
    probability: won ? 100 : 0,
    ...overrides,
    opportunity: { IsClosed: true, IsWon: won, ...overrides.opportunity },
  });
}

/**
 * A deal on which no default flag fires: Proposal/Price Quote with two engaged contacts (one an Economic
 * Buyer), customer yeses outweighing seller actions, every reason-to-act input, a customer plan step done,
 * the last stage advance 20 days ago and the close date 16 days before the quarter end. Flag tests
 * change one thing at a time from here.
 */
export function aHealthyDeal(overrides: DealOverrides = {}): SnapshotJson {
  const { opportunity, ...rest } = overrides;
  // The history carries the close date too (it wins over the Opportunity's), so a given one goes in both.
  const closeDate = overrides.closeDate === undefined ? '2026-12-15' : overrides.closeDate;
  return aDeal({
    stage: STAGES.proposal,
    probability: 70,
    amount: 50_000,
    closeDate,
    createdDaysAgo: 60,
    contactRoles: [
      aContactRole('Economic Buyer', contactId(1), 40),
      aContactRole('Technical Buyer', contactId(2), 40),
    ],
    events: [aMeeting(3, contactId(1)), aMeeting(10, contactId(2))],
    emails: [anInboundEmail(5), anOutboundEmail(6), anOutboundEmail(2)],
    commitments: [
      aCommitment({ side: 'Customer', status: 'Done', completedDaysAgo: 12, contactId: contactId(1) }),
    ],
    history: [
      aStageMove(STAGES.qualification, 20, 60, closeDate),
      aStageMove(STAGES.proposal, 70, 20, closeDate, closeDate),
    ],
    ...rest,
    opportunity: {
      Compelling_Event__c: 'Current contract ends 2026-12-31',
      Cost_Of_Delay__c: 20_000,
      Customer_Decision_Date__c: '2026-12-15',
      Strategic_Initiative__c: 'Cloud first',
      ...opportunity,
    },
  });
}

/** A copy of `snapshot` with records appended to its lists and Opportunity fields set. */
export function adding(
  snapshot: SnapshotJson,
  extra: Partial<Record<ListName, JsonRecord[]>> & { opportunity?: JsonRecord },
): SnapshotJson {
  const out: SnapshotJson = { ...snapshot, opportunity: { ...snapshot.opportunity, ...extra.opportunity } };
  for (const name of LIST_NAMES) {
    const more = extra[name];
    if (more !== undefined) out[name] = [...(snapshot[name] ?? []), ...more.map((item) => ({ ...item }))];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Emails (EmailMessage)

export function anOutboundEmail(daysAgo: number, to: string = BUYER_EMAIL): JsonRecord {
  return {
    Id: nextId('02s'),
    Incoming: false,
    MessageDate: isoDaysAgo(daysAgo),
    FromAddress: SELLER_EMAIL,
    ToAddress: to,
  };
}

export function anInboundEmail(daysAgo: number, from: string = BUYER_EMAIL): JsonRecord {
  return {
    Id: nextId('02s'),
    Incoming: true,
    MessageDate: isoDaysAgo(daysAgo),
    FromAddress: from,
    ToAddress: SELLER_EMAIL,
  };
}

// ---------------------------------------------------------------------------------------------------
// Tasks

interface TaskOptions {
  /** Default: completed, with CompletedDateTime at `daysAgo`. */
  completed?: boolean;
  /** Default: an hour before the task happened (or completed). */
  createdDaysAgo?: number;
  whoId?: string | null;
}

function aTask(daysAgo: number, fields: JsonRecord, options: TaskOptions = {}): JsonRecord {
  const completed = options.completed ?? true;
  return {
    Id: nextId('00T'),
    Subject: 'Follow-up',
    TaskSubtype: 'Task',
    Type: 'Other',
    CallType: null,
    Status: completed ? 'Completed' : 'Not Started',
    ActivityDate: dateDaysAgo(daysAgo),
    CompletedDateTime: completed ? isoDaysAgo(daysAgo) : null,
    CreatedDate: isoDaysAgo(options.createdDaysAgo ?? daysAgo + 1 / 24),
    WhoId: options.whoId === undefined ? null : options.whoId,
    OwnerId: SELLER_ID,
    ...fields,
  };
}

export function anOutboundCall(daysAgo: number, options: TaskOptions = {}): JsonRecord {
  return aTask(
    daysAgo,
    { Subject: 'Call', TaskSubtype: 'Call', Type: 'Call', CallType: 'Outbound' },
    options,
  );
}

export function anInboundCall(
  daysAgo: number,
  contact: string | null,
  options: TaskOptions = {},
): JsonRecord {
  return aTask(
    daysAgo,
    { Subject: 'Call from customer', TaskSubtype: 'Call', Type: 'Call', CallType: 'Inbound', WhoId: contact },
    options,
  );
}

export function anInternalCall(daysAgo: number, options: TaskOptions = {}): JsonRecord {
  return aTask(
    daysAgo,
    { Subject: 'Deal review', TaskSubtype: 'Call', Type: 'Call', CallType: 'Internal' },
    options,
  );
}

/** A completed seller to-do (not a call, not an email). */
export function aSellerTask(daysAgo: number, options: TaskOptions = {}): JsonRecord {
  return aTask(daysAgo, { Subject: 'Send proposal' }, options);
}

/** A seller to-do that is still open (due `daysAgo` days ago). */
export function anOpenTask(daysAgo: number, options: TaskOptions = {}): JsonRecord {
  return aTask(daysAgo, { Subject: 'Chase reply' }, { ...options, completed: false });
}

/** An email logged as a task (TaskSubtype Email), as orgs without Enhanced Email record them. */
export function anEmailTask(daysAgo: number, options: TaskOptions = {}): JsonRecord {
  return aTask(daysAgo, { Subject: 'Email: proposal', TaskSubtype: 'Email', Type: 'Email' }, options);
}

// ---------------------------------------------------------------------------------------------------
// Meetings (Event)

/**
 * A meeting starting `daysAgo` days ago (negative: scheduled in the future) with the given customer
 * contact, or with no customer contact (null: a seller-side meeting). Booked a week before it starts
 * unless `createdDaysAgo` says otherwise.
 */
export function aMeeting(
  daysAgo: number,
  contact: string | null,
  options: { createdDaysAgo?: number } = {},
): JsonRecord {
  return {
    Id: nextId('00U'),
    Subject: contact === null ? 'Demo' : 'Meeting with the customer',
    StartDateTime: isoDaysAgo(daysAgo),
    EndDateTime: isoDaysAgo(daysAgo - 1 / 24),
    WhoId: contact,
    OwnerId: SELLER_ID,
    CreatedDate: isoDaysAgo(options.createdDaysAgo ?? daysAgo + 7),
  };
}

// ---------------------------------------------------------------------------------------------------
// Contact roles

export function aContactRole(role: string, contact: string, daysAgo: number, isPrimary = false): JsonRecord {
  return { ContactId: contact, Role: role, IsPrimary: isPrimary, CreatedDate: isoDaysAgo(daysAgo) };
}

// ---------------------------------------------------------------------------------------------------
// Commitments (the yes ledger / mutual plan)

export interface CommitmentSpec {
  side?: 'Customer' | 'Seller' | null;
  status?: 'Requested' | 'Given' | 'Declined' | 'Done' | null;
  /** Due date as days after AS_OF's day (negative: in the past); null or absent: no due date. */
  dueInDays?: number | null;
  /** Completed date as days before AS_OF's day; null or absent: no completed date. */
  completedDaysAgo?: number | null;
  type?: string | null;
  contactId?: string | null;
  /** Default: 10 days ago, or the completed day if that is earlier. */
  createdDaysAgo?: number;
}

/** Default: a customer-owned "Information shared" commitment, Given, created 10 days ago, no dates. */
export function aCommitment(spec: CommitmentSpec = {}): JsonRecord {
  const completed = spec.completedDaysAgo ?? null;
  const due = spec.dueInDays ?? null;
  return {
    Type__c: spec.type === undefined ? 'Information shared' : spec.type,
    Owner_Side__c: spec.side === undefined ? 'Customer' : spec.side,
    Status__c: spec.status === undefined ? 'Given' : spec.status,
    Due_Date__c: due === null ? null : dateInDays(due),
    Completed_Date__c: completed === null ? null : dateDaysAgo(completed),
    Contact__c: spec.contactId ?? null,
    CreatedDate: isoDaysAgo(spec.createdDaysAgo ?? Math.max(10, (completed ?? 0) + 1)),
  };
}

// ---------------------------------------------------------------------------------------------------
// OpportunityHistory

/**
 * An OpportunityHistory row written `daysAgo` days ago: the stage, probability and close date from
 * then on. `prevCloseDate` is Salesforce's PrevCloseDate (the close date before this change).
 */
export function aStageMove(
  stage: string,
  probability: number,
  daysAgo: number,
  closeDate: string | null = null,
  prevCloseDate: string | null = null,
  amount: number | null = null,
): JsonRecord {
  return {
    StageName: stage,
    CloseDate: closeDate,
    PrevCloseDate: prevCloseDate,
    Probability: probability,
    Amount: amount,
    CreatedDate: isoDaysAgo(daysAgo),
  };
}

// ---------------------------------------------------------------------------------------------------
// Running the scorer

let defaultRulebook: Rulebook | undefined;

/** The shipped rulebook, loaded once. */
export function theDefaultRulebook(): Rulebook {
  defaultRulebook ??= loadRulebookFile();
  return defaultRulebook;
}

/** The text of the shipped rulebook, to derive variants from. */
export function defaultRulebookText(): string {
  return readFileSync(DEFAULT_RULEBOOK_FILE, 'utf8');
}

/**
 * A rulebook from the shipped YAML with text replacements applied, e.g.
 * `aRulebookWith(['fiscalYearStartMonth: 1', 'fiscalYearStartMonth: 2'])`. Each `from` must occur.
 */
export function aRulebookWith(...replacements: [from: string, to: string][]): Rulebook {
  let text = defaultRulebookText();
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`the default rulebook has no "${from}"`);
    text = text.replace(from, to);
  }
  return parseRulebook(text, 'test-rulebook');
}

/** Scores a snapshot at AS_OF, as `score --file` would. */
export function score(snapshot: unknown, rulebook: Rulebook = theDefaultRulebook()): ScoreResult {
  return scoreSnapshot(snapshot, rulebook, AS_OF);
}

/** Every signal of the catalogue for a snapshot at AS_OF. */
export function signalsOf(snapshot: unknown, rulebook: Rulebook = theDefaultRulebook()): Signals {
  return computeSignals(parseSnapshot(snapshot, rulebook.fields), rulebook, AS_OF).signals;
}

/** The codes of the flags that fire, most important first. */
export function flagCodes(snapshot: unknown, rulebook: Rulebook = theDefaultRulebook()): string[] {
  return score(snapshot, rulebook).flags.map((f) => f.code);
}
