/**
 * One deal's records from a profile: the opportunity, its contact roles, tasks, events, emails,
 * stage history and buying commitments, dated relative to a reference moment.
 */
import { DAY_MS } from './clock';
import type { Rng } from './prng';
import { STAGES } from './schema';
import type { SObjectRecord } from './store';
import { day, history, iso, sys } from './generator-history';

export interface DealProfile {
  stageIdx: number;
  amount: number;
  closeDate: string;
  createdDaysAgo: number;
  sellerActions30: number;
  yeses30: number;
  /** null = the customer never said yes */
  lastYesDaysAgo: number | null;
  engagedContacts: number;
  roles: string[];
  compelling: boolean;
  costOfDelay: boolean;
  decisionDate: boolean;
  strategic: boolean;
  pushes: number;
  stageAdvancedDaysAgo: number;
  prevStageDaysAgo: number;
  customerSteps: number;
  overdueSteps: number;
  discount: number;
}

export interface DealContext {
  rng: Rng;
  now: number;
  newId: (obj: string) => string;
  emit: (obj: string, rec: SObjectRecord) => void;
  ownerId: string;
  accountId: string;
  accountName: string;
  contacts: { id: string; email: string }[];
  name: string;
}

export function buildDeal(p: DealProfile, ctx: DealContext): string {
  const { rng, now } = ctx;
  const id = ctx.newId('Opportunity');
  const stage = STAGES[p.stageIdx];
  const created = now - p.createdDaysAgo * DAY_MS;
  ctx.emit('Opportunity', {
    Id: id,
    ...sys(ctx, created),
    LastModifiedDate: iso(now - Math.min(p.stageAdvancedDaysAgo, 3) * DAY_MS),
    Name: ctx.name,
    AccountId: ctx.accountId,
    OwnerId: ctx.ownerId,
    StageName: stage.name,
    Probability: stage.probability,
    ForecastCategoryName: stage.forecast,
    Amount: p.amount,
    CloseDate: p.closeDate,
    Type: rng.pick(['New Customer', 'Existing Customer - Upgrade']),
    IsClosed: p.stageIdx >= 8,
    IsWon: p.stageIdx === 8,
    NextStep: rng.chance(0.5) ? 'Follow up on proposal' : null,
    Compelling_Event__c: p.compelling ? rng.pick(COMPELLING) : null,
    Cost_Of_Delay__c: p.costOfDelay ? rng.int(2, 60) * 1000 : null,
    Customer_Decision_Date__c: p.decisionDate ? p.closeDate : null,
    Strategic_Initiative__c: p.strategic ? rng.pick(INITIATIVES) : null,
    Discount_Percent__c: p.discount > 0 ? p.discount : null,
  });
  const engaged = ctx.contacts.slice(0, Math.max(1, p.engagedContacts));
  roles(p, ctx, id, engaged);
  history(p, ctx, id, created);
  sellerActivity(p, ctx, id, engaged);
  customerYeses(p, ctx, id, engaged);
  steps(p, ctx, id, engaged);
  return id;
}

const COMPELLING = [
  'Current contract with the incumbent ends at quarter end',
  'Regulatory audit in March requires the new process',
  'New plant opens in spring and needs the system live',
  'Board mandate to cut support costs this fiscal year',
];
const INITIATIVES = [
  'Customer experience 2027',
  'Cost leadership programme',
  'Digital operations',
  'Growth in EMEA',
];

function roles(p: DealProfile, ctx: DealContext, oppId: string, engaged: DealContext['contacts']): void {
  p.roles.forEach((role, i) => {
    // Decision makers sit on engaged contacts so "engaged decision maker" holds on healthy deals.
    const c = engaged[i % engaged.length];
    ctx.emit('OpportunityContactRole', {
      Id: ctx.newId('OpportunityContactRole'),
      ...sys(ctx, ctx.now - p.createdDaysAgo * DAY_MS + i * DAY_MS),
      OpportunityId: oppId,
      ContactId: c.id,
      Role: role,
      IsPrimary: i === 0,
    });
  });
}

export function task(
  ctx: DealContext,
  oppId: string,
  at: number,
  whoId: string,
  kind: 'out' | 'in' | 'email' | 'todo',
) {
  const subtype = kind === 'email' ? 'Email' : kind === 'todo' ? 'Task' : 'Call';
  const subject = {
    out: 'Call: follow-up',
    in: 'Inbound call from customer',
    email: 'Email: proposal follow-up',
    todo: 'Prepare quote',
  }[kind];
  ctx.emit('Task', {
    Id: ctx.newId('Task'),
    ...sys(ctx, at),
    WhatId: oppId,
    WhoId: whoId,
    OwnerId: ctx.ownerId,
    Subject: subject,
    Status: 'Completed',
    IsClosed: true,
    ActivityDate: day(at),
    CompletedDateTime: iso(at),
    TaskSubtype: subtype,
    Type: kind === 'email' ? 'Email' : kind === 'todo' ? 'Other' : 'Call',
    CallType: kind === 'out' ? 'Outbound' : kind === 'in' ? 'Inbound' : null,
    CallDurationInSeconds: kind === 'out' || kind === 'in' ? 300 + (at % 900) : null,
  });
}

export function email(
  ctx: DealContext,
  oppId: string,
  at: number,
  c: { email: string },
  incoming: boolean,
): void {
  const seller = 'rep@sandbox-seller.example';
  ctx.emit('EmailMessage', {
    Id: ctx.newId('EmailMessage'),
    ...sys(ctx, at),
    RelatedToId: oppId,
    Incoming: incoming,
    MessageDate: iso(at),
    FromAddress: incoming ? c.email : seller,
    ToAddress: incoming ? seller : c.email,
    Subject: incoming ? 'Re: next steps' : 'Next steps and proposal',
    Status: incoming ? '0' : '3',
  });
}

function sellerActivity(
  p: DealProfile,
  ctx: DealContext,
  oppId: string,
  engaged: DealContext['contacts'],
): void {
  const { rng, now } = ctx;
  const older = rng.int(0, 2);
  for (let i = 0; i < p.sellerActions30 + older; i++) {
    const daysAgo = i < p.sellerActions30 ? rng.int(0, 29) + rng.next() * 0.9 : rng.int(31, 90);
    const at = now - daysAgo * DAY_MS;
    const c = engaged[i % engaged.length];
    const kind = rng.pick(['out', 'email', 'email', 'todo'] as const);
    task(ctx, oppId, at, c.id, kind);
    // Only some seller emails are logged as EmailMessage too (Enhanced Email is not always on).
    if (kind === 'email' && i % 2 === 0) email(ctx, oppId, at, c, false);
  }
}

function customerYeses(
  p: DealProfile,
  ctx: DealContext,
  oppId: string,
  engaged: DealContext['contacts'],
): void {
  if (p.lastYesDaysAgo === null) return;
  const { rng, now } = ctx;
  const dates = [p.lastYesDaysAgo];
  for (let i = 1; i < p.yeses30; i++) dates.push(rng.int(Math.ceil(p.lastYesDaysAgo), 29) + 0.5);
  dates.push(Math.max(p.lastYesDaysAgo, 30) + rng.int(1, 60));
  dates.forEach((daysAgo, i) => {
    const at = now - daysAgo * DAY_MS;
    const c = engaged[i % engaged.length];
    const kind = i % 3;
    if (kind === 0) meeting(ctx, oppId, at, c.id);
    else if (kind === 1) email(ctx, oppId, at, c, true);
    else task(ctx, oppId, at, c.id, 'in');
  });
  // Every engaged contact takes part at least once inside the engagement window.
  engaged.slice(1).forEach((c, i) => {
    const at = now - Math.max(p.lastYesDaysAgo ?? 0, Math.min(40, 5 + i * 7)) * DAY_MS;
    if (p.lastYesDaysAgo !== null && p.lastYesDaysAgo <= 44) meeting(ctx, oppId, at, c.id);
  });
}

export function meeting(ctx: DealContext, oppId: string, at: number, whoId: string): void {
  ctx.emit('Event', {
    Id: ctx.newId('Event'),
    ...sys(ctx, at - 3 * DAY_MS),
    WhatId: oppId,
    WhoId: whoId,
    OwnerId: ctx.ownerId,
    Subject: 'Meeting with customer',
    StartDateTime: iso(at),
    EndDateTime: iso(at + 3_600_000),
    DurationInMinutes: 60,
    IsAllDayEvent: false,
    EventSubtype: 'Event',
  });
}

function steps(p: DealProfile, ctx: DealContext, oppId: string, engaged: DealContext['contacts']): void {
  const { rng, now } = ctx;
  const add = (
    side: string,
    status: string,
    due: number,
    done: number | null,
    type: string,
    contactId: string | null,
  ) =>
    ctx.emit('Buying_Commitment__c', {
      Id: ctx.newId('Buying_Commitment__c'),
      ...sys(ctx, due - 20 * DAY_MS),
      Name: type,
      Opportunity__c: oppId,
      Contact__c: contactId,
      Type__c: type,
      Owner_Side__c: side,
      Status__c: status,
      Due_Date__c: day(due),
      Completed_Date__c: done === null ? null : day(done),
    });
  for (let i = 0; i < p.customerSteps; i++) {
    const c = engaged[i % engaged.length];
    const type = rng.pick([
      'Information shared',
      'Access to decision maker',
      'Trial/POC agreed',
      'Mutual plan agreed',
      'Budget confirmed',
    ]);
    if (i < p.overdueSteps) add('Customer', 'Requested', now - rng.int(9, 30) * DAY_MS, null, type, c.id);
    else if (p.lastYesDaysAgo !== null && i % 2 === 0) {
      const doneAt = now - (Math.max(p.lastYesDaysAgo, 31) + rng.int(1, 20)) * DAY_MS;
      add('Customer', 'Done', doneAt + DAY_MS, doneAt, type, c.id);
    } else add('Customer', 'Requested', now + rng.int(5, 30) * DAY_MS, null, type, c.id);
  }
  add(
    'Seller',
    'Done',
    now - rng.int(31, 60) * DAY_MS,
    now - rng.int(31, 60) * DAY_MS,
    'Proposal sent',
    null,
  );
}
