import type { Rulebook } from '../rules/load-rulebook';
import type { Signals } from '../rules/signal-catalogue';

/**
 * The commitment score (0-100): a weighted mean of six parts, each 0..1, all rising with the customer's
 * commitment, so a further customer yes can never lower it.
 */
export interface ScoreParts {
  yeses: number;
  balance: number;
  recency: number;
  reasonToAct: number;
  access: number;
  plan: number;
}

export function scoreParts(s: Signals, lastYesAgeDays: number | null, rulebook: Rulebook): ScoreParts {
  const t = rulebook.commitmentScore.targets;
  return {
    yeses: Math.min(s.customerYeses / t.yeses, 1),
    // No seller action at all: the customer is carrying the deal if they gave anything.
    balance: s.balance === null ? (s.customerYeses > 0 ? 1 : 0) : Math.min(s.balance / t.balance, 1),
    // Whole or nothing, not a daily decay: a part that slides by the day moves the adjusted
    // probability of every deal overnight, and each move is a write nobody asked for. How long ago
    // the last yes was is stated by NO_RECENT_CUSTOMER_YES instead, with its date.
    recency: lastYesAgeDays !== null && lastYesAgeDays < t.recencyDays ? 1 : 0,
    reasonToAct: s.reasonToActParts / 4,
    access: (Math.min(s.contactsEngaged / t.contacts, 1) + (s.decisionMakers > 0 ? 1 : 0)) / 2,
    plan: Math.min(s.customerStepsDone / t.planSteps, 1),
  };
}

export function commitmentScore(parts: ScoreParts, rulebook: Rulebook): number {
  const w = rulebook.commitmentScore.weights;
  const total = w.yeses + w.balance + w.recency + w.reasonToAct + w.access + w.plan;
  const sum =
    w.yeses * parts.yeses +
    w.balance * parts.balance +
    w.recency * parts.recency +
    w.reasonToAct * parts.reasonToAct +
    w.access * parts.access +
    w.plan * parts.plan;
  return Math.round((100 * sum) / total);
}
