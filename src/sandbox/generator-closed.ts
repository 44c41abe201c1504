/**
 * A closed deal with a realistic life before its close: created months earlier, moving through the
 * stages, with seller and customer activity, contact roles, customer-owned steps, close-date pushes
 * and reason-to-act inputs entered along the way (with OpportunityFieldHistory rows), so a backtest
 * that looks at the deal 30, 60 or 90 days before its close sees what the seller saw then.
 *
 * Two hidden traits drive it: the customer's commitment c (how often they say yes, how many people
 * they bring, whether they state a reason to act) and the deal's progress q (how far the stages go).
 * The outcome depends on both: logit P(won) = BASE + PROGRESS·(2q − 1) + effect·(2c − 1). The stage
 * table (10 % … 90 %) is over-confident for these outcomes, as stage tables in real orgs usually are.
 */
import { DAY_MS } from './clock';
import { email, meeting, task, type DealContext } from './generator-deal';
import { day, iso, sys } from './generator-history';
import { STAGES } from './schema';

// Chosen so the win rate sits near 25 % and the stage alone ranks deals with an AUC near 0.7.
const BASE_LOG_ODDS = -1.35;
const PROGRESS_LOG_ODDS = 1.5;
/** Activity is generated this far back from the close: enough for a 90-day horizon plus its windows. */
const ACTIVE_DAYS = 150;

const COMPELLING = 'Current contract with the incumbent ends at quarter end';
const INITIATIVE = 'Cost leadership programme';

export interface ClosedDealTraits {
  commitment: number;
  progress: number;
  won: boolean;
}

export function closedTraits(rng: DealContext['rng'], effect: number): ClosedDealTraits {
  const commitment = rng.next();
  const progress = rng.next();
  const logit = BASE_LOG_ODDS + PROGRESS_LOG_ODDS * (2 * progress - 1) + effect * (2 * commitment - 1);
  return { commitment, progress, won: rng.next() < 1 / (1 + Math.exp(-logit)) };
}

/** Emits the deal's records; `ctx.now` is the moment it closed. */
export function buildClosedDeal(t: ClosedDealTraits, ctx: DealContext, trackInputs: boolean): string {
  const { rng } = ctx;
  const closeAt = Math.floor(ctx.now / DAY_MS) * DAY_MS;
  const life = rng.int(130, 300);
  const created = closeAt - life * DAY_MS;
  const c = t.commitment;
  const id = ctx.newId('Opportunity');
  const engaged = ctx.contacts.slice(0, Math.min(ctx.contacts.length, 1 + Math.round(c * 3)));
  const inputs = reasonToAct(t, ctx, id, created, closeAt, trackInputs);
  const amount = rng.int(10, 140) * 1000;
  const closed = STAGES[t.won ? 8 : 9];
  ctx.emit('Opportunity', {
    Id: id,
    ...sys(ctx, created),
    LastModifiedDate: iso(closeAt),
    Name: ctx.name,
    AccountId: ctx.accountId,
    OwnerId: ctx.ownerId,
    StageName: closed.name,
    Probability: closed.probability,
    ForecastCategoryName: closed.forecast,
    Amount: amount,
    CloseDate: day(closeAt),
    Type: rng.pick(['New Customer', 'Existing Customer - Upgrade']),
    IsClosed: true,
    IsWon: t.won,
    NextStep: null,
    ...inputs,
    Discount_Percent__c: rng.chance(0.1) ? rng.int(5, 20) : null,
  });
  stagePath(t, ctx, id, created, closeAt, amount);
  contactRoles(t, ctx, id, created, engaged);
  activity(t, ctx, id, created, closeAt, engaged);
  customerSteps(t, ctx, id, created, closeAt, engaged);
  return id;
}

/** Each input is stated with a chance that grows with commitment, on creation or later (then tracked). */
function reasonToAct(
  t: ClosedDealTraits,
  ctx: DealContext,
  oppId: string,
  created: number,
  closeAt: number,
  trackInputs: boolean,
): Record<string, string | number | null> {
  const { rng } = ctx;
  const values: Record<string, string | number | null> = {
    Compelling_Event__c: COMPELLING,
    Cost_Of_Delay__c: rng.int(2, 60) * 1000,
    Customer_Decision_Date__c: day(closeAt),
    Strategic_Initiative__c: INITIATIVE,
  };
  const out: Record<string, string | number | null> = {};
  for (const [field, value] of Object.entries(values)) {
    if (!rng.chance(0.1 + 0.8 * t.commitment)) {
      out[field] = null;
      continue;
    }
    out[field] = value;
    // A third are filled in when the deal is created (no history row); the rest later, some only
    // in the last weeks: what a backtest must not see before the date they were entered.
    if (rng.chance(1 / 3) || !trackInputs) continue;
    const at = created + rng.next() * (closeAt - 5 * DAY_MS - created);
    // Salesforce records that a long text area changed, but not its old or new value.
    const longText = field === 'Compelling_Event__c';
    ctx.emit('OpportunityFieldHistory', {
      Id: ctx.newId('OpportunityFieldHistory'),
      ...sys(ctx, at),
      OpportunityId: oppId,
      Field: field,
      OldValue: null,
      NewValue: longText ? null : value,
      DataType: longText ? 'TextArea' : typeof value === 'number' ? 'Currency' : 'Text',
    });
  }
  return out;
}

/** Stages up to a depth set by progress, evenly over the deal's life, then the close; pushes between. */
function stagePath(
  t: ClosedDealTraits,
  ctx: DealContext,
  oppId: string,
  created: number,
  closeAt: number,
  amount: number,
): void {
  const { rng } = ctx;
  const top = Math.min(7, 1 + Math.floor(t.progress * 7) + rng.int(0, 1));
  const span = closeAt - 10 * DAY_MS - created;
  const rows: { at: number; idx: number; push: boolean }[] = [{ at: created, idx: 0, push: false }];
  for (let s = 1; s <= top; s++) {
    const at = created + span * ((s - 0.5 + rng.next() * 0.5) / top);
    rows.push({ at, idx: s, push: false });
  }
  const pushes = rng.chance(0.25 + 0.5 * (1 - t.commitment)) ? rng.int(1, 3) : 0;
  for (let i = 0; i < pushes; i++)
    rows.push({ at: created + rng.next() * (closeAt - 5 * DAY_MS - created), idx: -1, push: true });
  rows.sort((a, b) => a.at - b.at);
  rows.push({ at: closeAt + 17 * 3_600_000, idx: t.won ? 8 : 9, push: false });
  let close = closeAt - pushes * 30 * DAY_MS;
  let stage = 0;
  for (const r of rows) {
    const prev = close;
    if (r.push) close += 30 * DAY_MS;
    else stage = r.idx;
    const st = STAGES[stage];
    ctx.emit('OpportunityHistory', {
      Id: ctx.newId('OpportunityHistory'),
      ...sys(ctx, r.at),
      OpportunityId: oppId,
      StageName: st.name,
      Amount: amount,
      PrevAmount: amount,
      // The last row is the close itself, on the day it closed.
      CloseDate: day(stage >= 8 ? closeAt : close),
      PrevCloseDate: r.push ? day(prev) : null,
      Probability: st.probability,
      ForecastCategory: st.forecast,
    });
  }
}

function contactRoles(
  t: ClosedDealTraits,
  ctx: DealContext,
  oppId: string,
  created: number,
  engaged: DealContext['contacts'],
): void {
  const { rng } = ctx;
  const roles = [rng.chance(0.2 + 0.7 * t.commitment) ? 'Economic Buyer' : 'Technical Buyer'];
  if (rng.chance(0.6 * t.commitment)) roles.push('Executive Sponsor');
  if (engaged.length > 1) roles.push('Evaluator');
  roles.forEach((role, i) =>
    ctx.emit('OpportunityContactRole', {
      Id: ctx.newId('OpportunityContactRole'),
      ...sys(ctx, created + rng.int(1, 60) * DAY_MS),
      OpportunityId: oppId,
      ContactId: engaged[i % engaged.length].id,
      Role: role,
      IsPrimary: i === 0,
    }),
  );
}

/** Seller actions at a steady pace; customer yeses at a pace that follows commitment. */
function activity(
  t: ClosedDealTraits,
  ctx: DealContext,
  oppId: string,
  created: number,
  closeAt: number,
  engaged: DealContext['contacts'],
): void {
  const { rng } = ctx;
  const from = Math.max(created, closeAt - ACTIVE_DAYS * DAY_MS);
  const days = (closeAt - from) / DAY_MS;
  const sellerCount = Math.round((days / 30) * rng.int(3, 6));
  for (let i = 0; i < sellerCount; i++) {
    const at = from + rng.next() * (closeAt - from);
    const kind = rng.pick(['out', 'email', 'email', 'todo'] as const);
    const c = engaged[i % engaged.length];
    task(ctx, oppId, at, c.id, kind);
    if (kind === 'email' && i % 2 === 0) email(ctx, oppId, at, c, false);
  }
  // Yeses come in bursts with silences between; a committed customer says yes more often.
  const yesPer30 = 0.3 + 4.5 * t.commitment;
  const yesCount = Math.round((days / 30) * yesPer30 * (0.6 + 0.8 * rng.next()));
  for (let i = 0; i < yesCount; i++) {
    const at = from + rng.next() * (closeAt - from);
    const c = engaged[i % engaged.length];
    const kind = i % 3;
    if (kind === 0) meeting(ctx, oppId, at, c.id);
    else if (kind === 1) email(ctx, oppId, at, c, true);
    else task(ctx, oppId, at, c.id, 'in');
  }
}

function customerSteps(
  t: ClosedDealTraits,
  ctx: DealContext,
  oppId: string,
  created: number,
  closeAt: number,
  engaged: DealContext['contacts'],
): void {
  const { rng } = ctx;
  const n = Math.round(t.commitment * 4 * rng.next() + t.commitment);
  for (let i = 0; i < n; i++) {
    const agreedAt = created + rng.next() * (closeAt - 20 * DAY_MS - created);
    const due = agreedAt + rng.int(10, 30) * DAY_MS;
    const done = rng.chance(0.25 + 0.7 * t.commitment);
    const doneAt = done ? agreedAt + rng.next() * (due - agreedAt) : null;
    const type = rng.pick([
      'Information shared',
      'Trial/POC agreed',
      'Mutual plan agreed',
      'Budget confirmed',
    ]);
    ctx.emit('Buying_Commitment__c', {
      Id: ctx.newId('Buying_Commitment__c'),
      ...sys(ctx, agreedAt),
      Name: type,
      Opportunity__c: oppId,
      Contact__c: engaged[i % engaged.length].id,
      Type__c: type,
      Owner_Side__c: 'Customer',
      Status__c: done ? 'Done' : 'Requested',
      Due_Date__c: day(due),
      Completed_Date__c: doneAt === null ? null : day(doneAt),
    });
  }
}
