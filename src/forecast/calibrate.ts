/**
 * Calibration: fit α, β, the flag weights and the commitment weight of
 *   logit(adjusted) = α + β·logit(p0) + Σ wᶠ·flag + w_c·(score − 50)/50
 * on the org's older closed deals by penalised logistic regression (each weight pulled toward the
 * base rulebook's value, so with few deals it stays near the defaults), then judge the result on the
 * newest 25 % against the active rulebook and against the stage probability recalibrated on the same
 * deals. Caps are dropped: a cap is a hard ceiling the fit cannot see, and it would undo calibration.
 */
import { ScorerError } from '../lib/errors';
import { parseRulebook, type Rulebook } from '../rules/load-rulebook';
import type { CalibrationSource } from '../rules/schema';
import { stageLogOdds, adjustedProbability } from '../scoring/probability';
import { evaluateForecasts, type BootstrapOptions, type Estimate, type ForecastMetrics } from './bootstrap';
import type { HorizonSample, HorizonView } from './horizon-view';
import { fitLogistic } from './logistic';
import { reliability, type ReliabilityBin } from './metrics';
import { applyFit, type Fit } from './proposed-rulebook';

export const MIN_PER_CLASS = 30;
export const HELD_OUT_SHARE = 0.25;
/** Penalty λ per coefficient (a Gaussian prior of sd 1/√(2λ)): stage terms looser than rule weights. */
const STAGE_PENALTY = 0.5;
const WEIGHT_PENALTY = 2;

export interface FittedWeight {
  code: string;
  before: number;
  after: number;
}

export interface CalibrationResult {
  horizonDays: number;
  deals: number;
  won: number;
  lost: number;
  train: number;
  heldOut: number;
  from: string;
  to: string;
  /** The newest close date of the training deals: held-out deals closed after it. */
  trainedUntil: string;
  alpha: { before: number; after: number };
  beta: { before: number; after: number };
  commitmentWeight: { before: number; after: number };
  flags: FittedWeight[];
  capsDropped: { code: string; cap: number }[];
  /** Held-out metrics: stage probability, recalibrated stage, active rulebook, proposed rulebook. */
  metrics: Record<string, ForecastMetrics>;
  /** The proposed rulebook's reliability table on the held-out deals. */
  reliability: ReliabilityBin[];
  /** Brier(proposed) − Brier(other) on held-out deals, with 95 % intervals. */
  versusBase: Estimate;
  versusRecalibratedStage: Estimate;
  verdict: 'adopt' | 'keep';
  reason: string;
  /** The proposed rulebook: the base file with the fitted numbers, no caps, and a calibration block. */
  yaml: string;
}

export const NAMES = {
  stage: 'stage probability',
  recalibrated: 'recalibrated stage',
  base: 'active rulebook',
  proposed: 'proposed rulebook',
} as const;

export function checkEnoughDeals(view: HorizonView): { won: number; lost: number } {
  const won = view.samples.filter((s) => s.won === 1).length;
  const lost = view.samples.length - won;
  if (won < MIN_PER_CLASS || lost < MIN_PER_CLASS)
    throw new ScorerError(
      'HISTORY_TOO_SMALL',
      `Calibration needs at least ${MIN_PER_CLASS} won and ${MIN_PER_CLASS} lost deals ${view.horizonDays} days before their close; there are ${won} won and ${lost} lost`,
      { context: { won, lost, horizonDays: view.horizonDays } },
    );
  return { won, lost };
}

/** Oldest first by close date (then id), the newest quarter held out. */
export function timeOrderedSplit(samples: readonly HorizonSample[]): {
  train: HorizonSample[];
  test: HorizonSample[];
} {
  const sorted = [...samples].sort((a, b) => a.closeAt - b.closeAt || a.id.localeCompare(b.id));
  const cut = Math.floor(sorted.length * (1 - HELD_OUT_SHARE));
  return { train: sorted.slice(0, cut), test: sorted.slice(cut) };
}

function designRow(s: HorizonSample, codes: readonly string[]): number[] {
  const fired = new Set(s.flags);
  return [1, stageLogOdds(s.stage * 100), ...codes.map((c) => (fired.has(c) ? 1 : 0)), (s.score - 50) / 50];
}

export function fitWeights(train: readonly HorizonSample[], base: Rulebook): Fit {
  const codes = base.source.flags.map((f) => f.code);
  const rows = train.map((s) => designRow(s, codes));
  const y = train.map((s) => s.won);
  const p = base.probability;
  const prior = [p.alpha, p.beta, ...base.source.flags.map((f) => f.weight), p.commitmentWeight];
  const penalty = [STAGE_PENALTY, STAGE_PENALTY, ...codes.map(() => WEIGHT_PENALTY), WEIGHT_PENALTY];
  let theta = fitLogistic(rows, y, { prior, penalty }).coefficients;
  const last = theta.length - 1;
  if (theta[last] < 0 || theta[1] < 0) {
    // The rulebook's schema keeps β and the commitment weight ≥ 0 (more commitment never lowers the
    // probability): a negative fit is noise, so refit with that coefficient held at 0.
    if (theta[last] < 0) [prior[last], penalty[last]] = [0, 1e9];
    if (theta[1] < 0) [prior[1], penalty[1]] = [0, 1e9];
    theta = fitLogistic(rows, y, { prior, penalty }).coefficients;
  }
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  return {
    alpha: clamp(theta[0], -10, 10),
    beta: clamp(theta[1], 0, 5),
    commitmentWeight: clamp(theta[last], 0, 10),
    weights: new Map(codes.map((c, i) => [c, clamp(theta[2 + i], -10, 10)])),
  };
}

/** The stage probability refitted on the same training deals: the baseline any rulebook must beat. */
export function recalibrateStage(train: readonly HorizonSample[]): (stage: number) => number {
  const fit = fitLogistic(
    train.map((s) => [1, stageLogOdds(s.stage * 100)]),
    train.map((s) => s.won),
    // A whisper of a penalty on the slope: where every deal sat at one stage the slope is not
    // identified, and the fit should fall back to the win rate rather than fail.
    { penalty: [0, 1e-6] },
  );
  const [a, b] = fit.coefficients;
  return (stage) => 1 / (1 + Math.exp(-(a + b * stageLogOdds(stage * 100))));
}

/** What the proposed rulebook says for a sample, through the same function live scoring uses. */
export function predictWith(rulebook: Rulebook, s: HorizonSample): number {
  const byCode = new Map(rulebook.flags.map((f) => [f.code, f]));
  const flags = s.flags.map((c) => byCode.get(c)).filter((f) => f !== undefined);
  const input = {
    baseProbability: s.stage * 100,
    commitmentScore: s.score,
    flagWeights: flags.map((f) => f.weight),
    caps: flags.flatMap((f) => (f.cap === undefined ? [] : [f.cap])),
  };
  return adjustedProbability(input, rulebook) / 100;
}

export function judge(
  versusBase: Estimate,
  versusRecalibrated: Estimate,
): { verdict: 'adopt' | 'keep'; reason: string } {
  const fmt = (e: Estimate): string => `${signed(e.value)} (95 % ${signed(e.low)} to ${signed(e.high)})`;
  const beatsBase = versusBase.high < 0;
  const beatsStage = versusRecalibrated.high < 0;
  if (beatsBase && beatsStage)
    return {
      verdict: 'adopt',
      reason: `On the newest deals the proposed rulebook's Brier is lower than the active rulebook's by ${fmt(versusBase)} and lower than the recalibrated stage probability's by ${fmt(versusRecalibrated)}: both intervals exclude no change.`,
    };
  const why = !beatsStage
    ? `it does not beat the stage probability recalibrated on the same deals beyond noise (Brier ${fmt(versusRecalibrated)}): the commitment signals add nothing measurable here yet`
    : `it does not beat the active rulebook beyond noise (Brier ${fmt(versusBase)})`;
  return { verdict: 'keep', reason: `Keep the active rulebook: ${why}.` };
}

function signed(v: number): string {
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(3)}`;
}

/** Fits on the older deals, judges on the newest, and returns the figures and the proposed rulebook. */
export function calibrate(
  view: HorizonView,
  base: Rulebook,
  baseText: string,
  bootstrap: BootstrapOptions,
): CalibrationResult {
  const { won, lost } = checkEnoughDeals(view);
  const { train, test } = timeOrderedSplit(view.samples);
  const fit = fitWeights(train, base);
  const proposed = parseRulebook(applyFit(baseText, fit, undefined), 'the proposed rulebook');
  const recal = recalibrateStage(train);
  const y = test.map((s) => s.won);
  const forecasts = {
    [NAMES.stage]: test.map((s) => s.stage),
    [NAMES.recalibrated]: test.map((s) => recal(s.stage)),
    [NAMES.base]: test.map((s) => s.adjusted[0]),
    [NAMES.proposed]: test.map((s) => predictWith(proposed, s)),
  };
  const metrics = evaluateForecasts(forecasts, y, NAMES.recalibrated, bootstrap);
  const versusBase = evaluateForecasts(
    { [NAMES.base]: forecasts[NAMES.base], [NAMES.proposed]: forecasts[NAMES.proposed] },
    y,
    NAMES.base,
    bootstrap,
  )[NAMES.proposed].brierDelta;
  const versusRecalibratedStage = metrics[NAMES.proposed].brierDelta;
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  const all = [...train, ...test];
  const result: Omit<CalibrationResult, 'yaml'> = {
    horizonDays: view.horizonDays,
    deals: view.samples.length,
    won,
    lost,
    train: train.length,
    heldOut: test.length,
    from: day(all[0].closeAt),
    to: day(all[all.length - 1].closeAt),
    trainedUntil: day(train[train.length - 1].closeAt),
    alpha: { before: base.probability.alpha, after: fit.alpha },
    beta: { before: base.probability.beta, after: fit.beta },
    commitmentWeight: { before: base.probability.commitmentWeight, after: fit.commitmentWeight },
    flags: base.source.flags.map((f) => ({
      code: f.code,
      before: f.weight,
      after: fit.weights.get(f.code) ?? f.weight,
    })),
    capsDropped: base.source.flags.flatMap((f) =>
      f.cap === undefined ? [] : [{ code: f.code, cap: f.cap }],
    ),
    metrics,
    reliability: reliability(forecasts[NAMES.proposed], y),
    versusBase,
    versusRecalibratedStage,
    ...judge(versusBase, versusRecalibratedStage),
  };
  return { ...result, yaml: applyFit(baseText, fit, calibrationBlock(result, base)) };
}

function calibrationBlock(r: Omit<CalibrationResult, 'yaml'>, base: Rulebook): CalibrationSource {
  const m = r.metrics;
  const round = (v: number): number => Math.round(v * 10_000) / 10_000;
  return {
    deals: r.deals,
    won: r.won,
    lost: r.lost,
    from: r.from,
    to: r.to,
    horizonDays: r.horizonDays,
    base: base.version,
    heldOut: {
      deals: r.heldOut,
      brier: round(m[NAMES.proposed].brier.value),
      brierStage: round(m[NAMES.stage].brier.value),
      brierRecalibratedStage: round(m[NAMES.recalibrated].brier.value),
      brierBase: round(m[NAMES.base].brier.value),
      auc: round(m[NAMES.proposed].auc.value),
      ece: round(m[NAMES.proposed].ece.value),
      slope: round(m[NAMES.proposed].slope.value),
      reliability: r.reliability.map((b) => ({
        count: b.count,
        meanPredicted: b.meanPredicted === null ? null : round(b.meanPredicted),
        observed: b.observed === null ? null : round(b.observed),
      })),
    },
    caps: r.capsDropped.length > 0 ? 'dropped' : 'kept',
    verdict: r.verdict,
  };
}
