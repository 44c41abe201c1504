import type { Rulebook } from '../rules/load-rulebook';
import { scoreDeal, parseSnapshot } from '../scoring';
import { completedAt, sortActivity } from '../scoring/activity';
import { DAY_MS, toDateString } from '../scoring/dates';
import { whatWouldMove, type MoveOption, type SnapshotJson } from '../scoring/what-would-move';

/**
 * The customer-centric deal review: what the customer has committed, whether they have a reason to
 * act, what their own plan says, set against what the seller did, week by week. Pure: built from
 * one snapshot, the rulebook and `asOf`, with the same core that scores the deal.
 */

export interface WeekRow {
  /** First day of the week, `YYYY-MM-DD`. */
  from: string;
  customerYeses: number;
  sellerActions: number;
}

export interface PlanStep {
  type: string | null;
  contact: string | null;
  status: string | null;
  due: string | null;
  completed: string | null;
  state: 'done' | 'overdue' | 'open' | 'declined';
}

export interface DealReview {
  id: string;
  name: string | null;
  stage: string;
  amount: number | null;
  closeDate: string | null;
  ownerId: string | null;
  asOf: string;
  rulesVersion: string;
  stageProbability: number;
  adjustedProbability: number;
  commitmentScore: number;
  balance: number | null;
  lastCustomerYesDate: string | null;
  weeks: WeekRow[];
  reasonToAct: {
    compellingEvent: { met: boolean; text: string | null };
    costOfDelay: {
      met: boolean;
      perMonth: number | null;
      firstCloseDate: string | null;
      accrued: number | null;
    };
    decisionDate: { met: boolean; date: string | null; closeDate: string | null; agrees: boolean };
    strategicInitiative: { met: boolean; text: string | null };
  };
  plan: PlanStep[];
  flags: { code: string; severity: string; message: string }[];
  moves: MoveOption[];
}

export const REVIEW_WEEKS = 12;
const MONTH_DAYS = 365.25 / 12;

export function reviewDeal(snapshot: SnapshotJson, rulebook: Rulebook, asOf: number): DealReview {
  const deal = parseSnapshot(snapshot, rulebook.fields);
  const result = scoreDeal(deal, rulebook, asOf);
  const opp = deal.opportunity;
  const inputs = deal.inputs;
  const closeDate = opp.CloseDate;
  const decisionAgrees =
    inputs.customerDecisionDate !== null &&
    closeDate !== null &&
    Math.abs(inputs.customerDecisionDate - closeDate) <= rulebook.windows.decisionDateToleranceDays * DAY_MS;
  const firstClose = firstCloseDate(deal.history, closeDate);
  const accrued =
    inputs.costOfDelay === null || firstClose === null
      ? null
      : Math.round((inputs.costOfDelay * Math.max(0, asOf - firstClose)) / DAY_MS / MONTH_DAYS);
  return {
    id: opp.Id ?? '',
    name: opp.Name,
    stage: opp.StageName,
    amount: opp.Amount,
    closeDate: closeDate === null ? null : toDateString(closeDate),
    ownerId: opp.OwnerId,
    asOf: result.asOf,
    rulesVersion: result.rulesVersion,
    stageProbability: result.baseProbability,
    adjustedProbability: result.adjustedProbability,
    commitmentScore: result.commitmentScore,
    balance: result.balance,
    lastCustomerYesDate: result.lastCustomerYesDate,
    weeks: weekRows(deal, asOf),
    reasonToAct: {
      compellingEvent: { met: inputs.compellingEvent !== null, text: inputs.compellingEvent },
      costOfDelay: {
        met: inputs.costOfDelay !== null && inputs.costOfDelay > 0,
        perMonth: inputs.costOfDelay,
        firstCloseDate: firstClose === null ? null : toDateString(firstClose),
        accrued,
      },
      decisionDate: {
        met: inputs.customerDecisionDate !== null,
        date: inputs.customerDecisionDate === null ? null : toDateString(inputs.customerDecisionDate),
        closeDate: closeDate === null ? null : toDateString(closeDate),
        agrees: decisionAgrees,
      },
      strategicInitiative: { met: inputs.strategicInitiative !== null, text: inputs.strategicInitiative },
    },
    plan: planSteps(deal, rulebook, asOf),
    flags: result.flags.map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
    moves: whatWouldMove(snapshot, rulebook, asOf),
  };
}

/** The close date first promised: the earliest the history shows, else today's close date. */
function firstCloseDate(history: ReturnType<typeof parseSnapshot>['history'], closeDate: number | null) {
  const rows = history
    .filter((h) => h.CreatedDate !== null)
    .sort((a, b) => (a.CreatedDate as number) - (b.CreatedDate as number));
  for (const row of rows) {
    const first = row.PrevCloseDate ?? row.CloseDate;
    if (first !== null) return first;
  }
  return closeDate;
}

function weekRows(deal: ReturnType<typeof parseSnapshot>, asOf: number): WeekRow[] {
  const activity = sortActivity(deal, asOf);
  const start = asOf - REVIEW_WEEKS * 7 * DAY_MS;
  const weeks: WeekRow[] = Array.from({ length: REVIEW_WEEKS }, (_, i) => ({
    from: toDateString(start + i * 7 * DAY_MS),
    customerYeses: 0,
    sellerActions: 0,
  }));
  const slot = (at: number): WeekRow | undefined =>
    at <= start || at > asOf
      ? undefined
      : weeks[Math.min(REVIEW_WEEKS - 1, Math.floor((at - start) / (7 * DAY_MS)))];
  for (const y of activity.yeses) {
    const w = slot(y.at);
    if (w) w.customerYeses++;
  }
  for (const a of activity.actions) {
    const w = slot(a.at);
    if (w) w.sellerActions++;
  }
  return weeks;
}

function planSteps(deal: ReturnType<typeof parseSnapshot>, rulebook: Rulebook, asOf: number): PlanStep[] {
  const graceMs = rulebook.windows.overdueGraceDays * DAY_MS;
  return deal.commitments
    .filter((c) => c.Owner_Side__c === 'Customer' && (c.CreatedDate === null || c.CreatedDate <= asOf))
    .map((c): PlanStep => {
      const done = completedAt(c, asOf);
      const state =
        c.Status__c === 'Declined'
          ? 'declined'
          : done !== null
            ? 'done'
            : c.Due_Date__c !== null && c.Due_Date__c + graceMs < asOf
              ? 'overdue'
              : 'open';
      return {
        type: c.Type__c,
        contact: c.Contact__c,
        status: c.Status__c,
        due: c.Due_Date__c === null ? null : toDateString(c.Due_Date__c),
        completed: done === null ? null : toDateString(done),
        state,
      };
    })
    .sort((a, b) => (a.due ?? '9999').localeCompare(b.due ?? '9999'));
}
