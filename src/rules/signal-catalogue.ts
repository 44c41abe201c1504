/**
 * Every signal a rule may name, with its type and the range its values can take. The range lets the
 * loader refuse thresholds that can never (or always) be met, e.g. `balance < 0`.
 */

export type SignalType = 'number' | 'boolean' | 'stage';

export interface SignalSpec {
  type: SignalType;
  /** Smallest and largest value the signal can take (numbers only). */
  min?: number;
  max?: number;
  /** True when the signal can be null (then every comparison is false). */
  nullable?: boolean;
  description: string;
}

const count = (description: string) => ({ type: 'number' as const, min: 0, description });
const days = (description: string) => ({
  type: 'number' as const,
  min: 0,
  nullable: true as const,
  description,
});
const flag = (description: string) => ({ type: 'boolean' as const, description });

export const SIGNALS = {
  stage: {
    type: 'stage',
    description: 'Stage as of the scoring moment, compared by the rulebook stage order',
  },
  probability: {
    type: 'number',
    min: 0,
    max: 100,
    description: "The stage's probability (the seller's view), 0-100",
  },
  amount: { type: 'number', min: 0, nullable: true, description: 'Amount as of the scoring moment' },
  dealAgeDays: days('Days since the deal was created'),
  daysToClose: {
    type: 'number',
    nullable: true,
    description: 'Days from the scoring moment to the close date (negative when past)',
  },
  sellerActions: count('Seller actions in the effort window'),
  customerYeses: count('Customer yeses in the effort window'),
  balance: {
    type: 'number',
    min: 0,
    nullable: true,
    description: 'Customer yeses ÷ seller actions in the effort window (null with no seller action)',
  },
  daysSinceLastYes: days('Days since the last customer yes, or since the deal was created if that is later'),
  contactsEngaged: count('Distinct customer contacts who took part in the engagement window'),
  buyingGroupSize: count('Contact roles on the deal'),
  decisionMakers: count('Contact roles with a decision-maker role'),
  decisionMakerEngaged: flag('A decision maker took part in the engagement window'),
  hasExecutiveSponsor: flag('An executive sponsor is named (contact role or commitment)'),
  customerSteps: count('Customer-owned mutual-plan steps (not declined)'),
  customerStepsDone: count('Customer-owned steps completed'),
  customerStepsOverdue: count('Customer-owned steps overdue by more than the grace period'),
  customerDeclines: count('Requests the customer declined'),
  hasCompellingEvent: flag('A compelling event is stated'),
  hasCostOfDelay: flag('A cost of delay is quantified'),
  costOfDelay: { type: 'number', min: 0, nullable: true, description: 'Cost of delay per month' },
  hasCustomerDecisionDate: flag('The customer owns a decision date'),
  closeDateMatchesDecisionDate: flag("The close date agrees with the customer's decision date"),
  hasStrategicInitiative: flag('The deal is linked to a strategic initiative'),
  hasReasonToAct: flag('A compelling event or a cost of delay is stated'),
  reasonToActParts: {
    type: 'number',
    min: 0,
    max: 4,
    description: 'How many of the four reason-to-act parts are present',
  },
  closeDatePushes: count('Times the close date was pushed out'),
  stageAgeDays: days('Days in the current stage'),
  daysSinceStageAdvance: days(
    'Days since the stage last moved forward (null if it never did, or moved back since)',
  ),
  yesesSincePreviousStage: {
    type: 'number',
    min: 0,
    nullable: true,
    description: 'Customer yeses since the deal entered the stage before the current one',
  },
  closeDateDaysBeforeQuarterEnd: days(
    "Days between the close date and the end of the seller's fiscal quarter it falls in",
  ),
  discountPercent: {
    type: 'number',
    min: 0,
    max: 100,
    description: 'Discount on the deal, 0 when none or no such field',
  },
} as const satisfies Record<string, SignalSpec>;

export type SignalName = keyof typeof SIGNALS;
export const SIGNAL_NAMES = Object.keys(SIGNALS) as SignalName[];

export type SignalValue = number | boolean | string | null;
type ValueOf<S> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'stage' }
    ? string
    : S extends { nullable: true }
      ? number | null
      : number;
export type Signals = { -readonly [K in SignalName]: ValueOf<(typeof SIGNALS)[K]> };

/** Window lengths a message template may also name. */
export const WINDOW_NAMES = [
  'effortDays',
  'engagementDays',
  'overdueGraceDays',
  'decisionDateToleranceDays',
] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

/**
 * Dates a message template may name. A sentence states the date ("nothing from the customer since
 * 24 Oct 2026"), not a count of days: a count changes every night, and every change is a write that
 * bumps LastModifiedDate, fires the org's flows and adds field history, with nothing new to see.
 */
export const DATE_NAMES = [
  'lastYesDate', // the last customer yes, or the deal's creation when there was none (what daysSinceLastYes counts from)
  'stageAdvanceDate', // when the stage last moved forward
  'closeDate', // the close date as of the scoring moment
] as const;
export type DateName = (typeof DATE_NAMES)[number];

export function isSignalName(name: string): name is SignalName {
  return Object.prototype.hasOwnProperty.call(SIGNALS, name);
}

/** Closest known name, for "did you mean" hints. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
