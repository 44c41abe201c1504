import type { Rulebook } from '../rules/load-rulebook';

/**
 * adjusted = clamp(sigmoid(logit(p0) + Σ flag weights + w_c·(score − 50)/50), floor, min(ceiling, caps))
 * in percent. A cap is an explicit ceiling set by a rule, so where a cap falls below the floor the cap wins.
 */

// A stage probability of 0 or 100 has infinite log-odds; nudge it inside so flags can still move it.
const EDGE = 0.005;

export interface ProbabilityInput {
  baseProbability: number;
  commitmentScore: number;
  flagWeights: readonly number[];
  caps: readonly number[];
}

export function adjustedProbability(input: ProbabilityInput, rulebook: Rulebook): number {
  const policy = rulebook.probability;
  const p0 = Math.min(1 - EDGE, Math.max(EDGE, input.baseProbability / 100));
  let z = Math.log(p0 / (1 - p0)) + (policy.commitmentWeight * (input.commitmentScore - 50)) / 50;
  for (const w of input.flagWeights) z += w;
  const p = 100 / (1 + Math.exp(-z));
  let upper = policy.ceiling;
  for (const cap of input.caps) if (cap < upper) upper = cap;
  const bounded = Math.min(Math.max(p, policy.floor), upper);
  return Math.round(bounded);
}
