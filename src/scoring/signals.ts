import type { Rulebook } from '../rules/load-rulebook';
import type { Signals } from '../rules/signal-catalogue';
import type { TemplateDates } from '../rules/template';
import { sortActivity, completedAt, type Activity } from './activity';
import { DAY_MS, daysBeforeQuarterEnd, daysBetween } from './dates';
import { dealStateAsOf, type DealState } from './deal-state';
import type { Deal } from './snapshot';

/** Every signal of the catalogue for one deal as of `asOf`, plus what the result needs besides. */
export interface SignalsResult {
  signals: Signals;
  state: DealState;
  lastCustomerYesAt: number | null;
  /** The dates behind the day counts, for sentences that must not change overnight. */
  dates: TemplateDates;
}

export function computeSignals(deal: Deal, rulebook: Rulebook, asOf: number): SignalsResult {
  const state = dealStateAsOf(deal, rulebook, asOf);
  const activity = sortActivity(deal, asOf);
  const w = rulebook.windows;
  const effortFrom = asOf - w.effortDays * DAY_MS;
  const engagementFrom = asOf - w.engagementDays * DAY_MS;

  let sellerActions = 0;
  for (const a of activity.actions) if (a.at > effortFrom) sellerActions++;
  let customerYeses = 0;
  let lastYes: number | null = null;
  const engaged = new Set<string>();
  for (const y of activity.yeses) {
    if (y.at > effortFrom) customerYeses++;
    if (lastYes === null || y.at > lastYes) lastYes = y.at;
    if (y.who !== null && y.at > engagementFrom) engaged.add(y.who);
  }

  const people = contactSignals(deal, rulebook, asOf, engaged);
  const plan = planSignals(deal, rulebook, asOf);
  const created = deal.opportunity.CreatedDate;
  // A deal younger than the yes window has not had the chance to wither: count from creation.
  const yesReference = lastYes === null ? created : created === null ? lastYes : Math.max(lastYes, created);
  const inputs = deal.inputs;
  const hasCompellingEvent = inputs.compellingEvent !== null;
  const hasCostOfDelay = inputs.costOfDelay !== null && inputs.costOfDelay > 0;
  const hasCustomerDecisionDate = inputs.customerDecisionDate !== null;
  const closeDateMatchesDecisionDate =
    hasCustomerDecisionDate &&
    state.closeDate !== null &&
    Math.abs((inputs.customerDecisionDate as number) - state.closeDate) <=
      w.decisionDateToleranceDays * DAY_MS;
  const hasStrategicInitiative = inputs.strategicInitiative !== null;
  const reasonToActParts =
    Number(hasCompellingEvent) +
    Number(hasCostOfDelay) +
    Number(closeDateMatchesDecisionDate) +
    Number(hasStrategicInitiative || people.hasExecutiveSponsor);

  const signals: Signals = {
    stage: state.stage,
    probability: state.probability,
    amount: state.amount,
    dealAgeDays: created === null ? null : Math.max(0, daysBetween(created, asOf)),
    // The close date is a whole day: count from asOf's own day, so a deal closing today is 0, not -1.
    daysToClose:
      state.closeDate === null ? null : daysBetween(Math.floor(asOf / DAY_MS) * DAY_MS, state.closeDate),
    sellerActions,
    customerYeses,
    balance: sellerActions === 0 ? null : customerYeses / sellerActions,
    daysSinceLastYes: yesReference === null ? null : Math.max(0, daysBetween(yesReference, asOf)),
    contactsEngaged: engaged.size,
    buyingGroupSize: people.buyingGroupSize,
    decisionMakers: people.decisionMakers,
    decisionMakerEngaged: people.decisionMakerEngaged,
    hasExecutiveSponsor: people.hasExecutiveSponsor,
    customerSteps: plan.customerSteps,
    customerStepsDone: plan.customerStepsDone,
    customerStepsOverdue: plan.customerStepsOverdue,
    customerDeclines: plan.customerDeclines,
    hasCompellingEvent,
    hasCostOfDelay,
    costOfDelay: inputs.costOfDelay,
    hasCustomerDecisionDate,
    closeDateMatchesDecisionDate,
    hasStrategicInitiative,
    hasReasonToAct: hasCompellingEvent || hasCostOfDelay,
    reasonToActParts,
    closeDatePushes: state.closeDatePushes,
    stageAgeDays: state.stageEnteredAt === null ? null : Math.max(0, daysBetween(state.stageEnteredAt, asOf)),
    daysSinceStageAdvance:
      state.lastAdvanceAt === null ? null : Math.max(0, daysBetween(state.lastAdvanceAt, asOf)),
    yesesSincePreviousStage: yesesSince(
      activity,
      state.lastAdvanceAt === null ? null : state.previousStageEnteredAt,
    ),
    closeDateDaysBeforeQuarterEnd:
      state.closeDate === null ? null : daysBeforeQuarterEnd(state.closeDate, rulebook.fiscalYearStartMonth),
    discountPercent: Math.min(100, Math.max(0, inputs.discountPercent ?? 0)),
  };
  const dates = {
    lastYesDate: yesReference,
    stageAdvanceDate: state.lastAdvanceAt,
    closeDate: state.closeDate,
  };
  return { signals, state, lastCustomerYesAt: lastYes, dates };
}

function yesesSince(activity: Activity, from: number | null): number | null {
  if (from === null) return null;
  let n = 0;
  for (const y of activity.yeses) if (y.at >= from) n++;
  return n;
}

function contactSignals(deal: Deal, rulebook: Rulebook, asOf: number, engaged: ReadonlySet<string>) {
  const roles = new Set<string>();
  let decisionMakers = 0;
  let decisionMakerEngaged = false;
  let hasExecutiveSponsor = false;
  for (const role of deal.contactRoles) {
    if (role.CreatedDate !== null && role.CreatedDate > asOf) continue;
    roles.add(role.ContactId ?? `role:${roles.size}`);
    if (role.Role !== null && rulebook.decisionMakerRoles.has(role.Role)) {
      decisionMakers++;
      if (role.ContactId !== null && engaged.has(role.ContactId)) decisionMakerEngaged = true;
    }
    if (role.Role !== null && rulebook.sponsorRoles.has(role.Role)) hasExecutiveSponsor = true;
  }
  for (const c of deal.commitments) {
    if (
      c.Owner_Side__c === 'Customer' &&
      c.Type__c !== null &&
      rulebook.sponsorCommitmentTypes.has(c.Type__c)
    ) {
      if (completedAt(c, asOf) !== null) hasExecutiveSponsor = true;
    }
  }
  return { buyingGroupSize: roles.size, decisionMakers, decisionMakerEngaged, hasExecutiveSponsor };
}

function planSignals(deal: Deal, rulebook: Rulebook, asOf: number) {
  const graceMs = rulebook.windows.overdueGraceDays * DAY_MS;
  let customerSteps = 0;
  let customerStepsDone = 0;
  let customerStepsOverdue = 0;
  let customerDeclines = 0;
  for (const c of deal.commitments) {
    if (c.Owner_Side__c !== 'Customer' || (c.CreatedDate !== null && c.CreatedDate > asOf)) continue;
    if (c.Status__c === 'Declined') {
      customerDeclines++;
      continue;
    }
    customerSteps++;
    if (completedAt(c, asOf) !== null) customerStepsDone++;
    else if (c.Due_Date__c !== null && c.Due_Date__c + graceMs < asOf) customerStepsOverdue++;
  }
  return { customerSteps, customerStepsDone, customerStepsOverdue, customerDeclines };
}
