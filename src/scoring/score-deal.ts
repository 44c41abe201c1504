import type { Rulebook, Severity } from '../rules/load-rulebook';
import { commitmentScore, scoreParts } from './commitment-score';
import { daysBetween, toDateString } from './dates';
import { buildFields, type OutputFields } from './fields';
import { adjustedProbability } from './probability';
import { computeSignals } from './signals';
import type { Deal } from './snapshot';

/** The score result (README, Contract: score result). */
export interface FlagResult {
  code: string;
  severity: Severity;
  message: string;
  evidence: Record<string, unknown>;
}

export interface ScoreResult {
  opportunityId: string | null;
  asOf: string;
  rulesVersion: string;
  baseProbability: number;
  adjustedProbability: number;
  commitmentScore: number;
  balance: number | null;
  lastCustomerYesDate: string | null;
  flags: FlagResult[];
  fields: OutputFields;
}

/** Pure: the same deal, rulebook and moment give the same result. No clock, no I/O. */
export function scoreDeal(deal: Deal, rulebook: Rulebook, asOf: number): ScoreResult {
  const { signals, state, lastCustomerYesAt, dates } = computeSignals(deal, rulebook, asOf);
  const lastYesAge = lastCustomerYesAt === null ? null : Math.max(0, daysBetween(lastCustomerYesAt, asOf));
  const score = commitmentScore(scoreParts(signals, lastYesAge, rulebook), rulebook);

  const flags: FlagResult[] = [];
  const weights: number[] = [];
  const caps: number[] = [];
  if (!state.isClosed) {
    // rulebook.flags is already ordered most important first.
    for (const flag of rulebook.flags) {
      if (!flag.test(signals)) continue;
      const evidence: Record<string, unknown> = {};
      for (const name of flag.evidenceSignals) evidence[name] = roundEvidence(signals[name]);
      evidence.thresholds = flag.thresholds;
      flags.push({
        code: flag.code,
        severity: flag.severity,
        message: flag.message.render(signals, rulebook.windows, dates),
        evidence,
      });
      weights.push(flag.weight);
      if (flag.cap !== undefined) caps.push(flag.cap);
    }
  }
  const adjusted = state.isClosed
    ? state.isWon
      ? 100
      : 0
    : adjustedProbability(
        { baseProbability: state.probability, commitmentScore: score, flagWeights: weights, caps },
        rulebook,
      );

  const result: Omit<ScoreResult, 'fields'> = {
    opportunityId: deal.opportunity.Id,
    asOf: new Date(asOf).toISOString(),
    rulesVersion: rulebook.version,
    baseProbability: state.probability,
    adjustedProbability: adjusted,
    commitmentScore: score,
    balance: signals.balance === null ? null : Math.round(signals.balance * 100) / 100,
    lastCustomerYesDate: lastCustomerYesAt === null ? null : toDateString(lastCustomerYesAt),
    flags,
  };
  return { ...result, fields: buildFields(result, rulebook) };
}

function roundEvidence(value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 100) / 100 : value;
}
