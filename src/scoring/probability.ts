import type { Rulebook } from '../rules/load-rulebook';

/**
 * adjusted = clamp(sigmoid(α + β·logit(p0) + Σ flag weights + w_c·(score − 50)/50), floor, min(ceiling, caps))
 * in percent, with α = 0 and β = 1 unless the rulebook was calibrated (then β < 1 tempers an
 * over-confident stage table and α < 0 lowers it). A cap is an explicit ceiling set by a rule, so where
 * a cap falls below the floor the cap wins.
 */

// A stage probability of 0 or 100 has infinite log-odds; nudge it inside so flags can still move it.
const EDGE = 0.005;

export interface ProbabilityInput {
  baseProbability: number;
  commitmentScore: number;
  flagWeights: readonly number[];
  caps: readonly number[];
}

/** The stage probability (percent) as log-odds, nudged off 0 and 100. Calibration fits on the same. */
export function stageLogOdds(baseProbability: number): number {
  const p0 = Math.min(1 - EDGE, Math.max(EDGE, baseProbability / 100));
  return Math.log(p0 / (1 - p0));
}

export function adjustedProbability(input: ProbabilityInput, rulebook: Rulebook): number {
  const policy = rulebook.probability;
  let z =
    policy.alpha +
    policy.beta * stageLogOdds(input.baseProbability) +
    (policy.commitmentWeight * (input.commitmentScore - 50)) / 50;
  for (const w of input.flagWeights) z += w;
  const p = 100 / (1 + Math.exp(-z));
  let upper = policy.ceiling;
  for (const cap of input.caps) if (cap < upper) upper = cap;
  const bounded = Math.min(Math.max(p, policy.floor), upper);
  return Math.round(bounded);
}
