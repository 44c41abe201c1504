/**
 * Seeded paired bootstrap: every forecast is measured on the same resampled deals, so the interval
 * of a difference (this forecast's Brier minus the stage probability's) reflects the pairing rather
 * than two independent noises. The same seed always gives the same intervals.
 */
import { Rng } from '../sandbox/prng';
import { LOG_LOSS_EPS, mean } from './metrics';

export interface Estimate {
  value: number;
  /** 2.5 % and 97.5 % percentiles of the bootstrap distribution. */
  low: number;
  high: number;
}

export interface ForecastMetrics {
  brier: Estimate;
  logLoss: Estimate;
  auc: Estimate;
  ece: Estimate;
  slope: Estimate;
  meanPredicted: number;
  /** Against the reference forecast (the stage probability): 1 − Brier/Brier(reference). */
  brierSkill: Estimate;
  /** Brier(this) − Brier(reference): below 0 is better; the interval says whether it is noise. */
  brierDelta: Estimate;
}

export interface BootstrapOptions {
  samples: number;
  seed: number;
}

type StatName = Exclude<keyof ForecastMetrics, 'meanPredicted'>;
const STAT_NAMES: StatName[] = ['brier', 'logLoss', 'auc', 'ece', 'slope', 'brierSkill', 'brierDelta'];

/**
 * One forecast prepared once: its values sorted (for AUC) and its log-odds (for the slope), so that
 * each resample is a weighted pass over the original deals, `w[i]` being how often deal i was drawn,
 * instead of a copy and a sort of 20,000 values.
 */
interface Prepared {
  p: readonly number[];
  order: Uint32Array;
  logit: Float64Array;
}

function prepare(p: readonly number[]): Prepared {
  const order = Uint32Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  const logit = Float64Array.from(p, (q) => {
    const c = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, q));
    return Math.log(c / (1 - c));
  });
  return { p, order, logit };
}

function stats(
  f: Prepared,
  ref: Prepared,
  y: readonly number[],
  w: ArrayLike<number>,
): Record<StatName, number> {
  const b = weightedBrier(f.p, y, w);
  const bRef = f === ref ? b : weightedBrier(ref.p, y, w);
  return {
    brier: b,
    logLoss: weightedLogLoss(f.p, y, w),
    auc: weightedAuc(f, y, w),
    ece: weightedEce(f.p, y, w),
    slope: weightedSlope(f.logit, y, w),
    brierSkill: 1 - b / bRef,
    brierDelta: b - bRef,
  };
}

function weightedBrier(p: readonly number[], y: readonly number[], w: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    s += w[i] * (p[i] - y[i]) ** 2;
    n += w[i];
  }
  return s / n;
}

function weightedLogLoss(p: readonly number[], y: readonly number[], w: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    if (w[i] === 0) continue;
    const q = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, p[i]));
    s -= w[i] * (y[i] === 1 ? Math.log(q) : Math.log(1 - q));
    n += w[i];
  }
  return s / n;
}

/** Won-above-lost pairs over the sorted values, ties counting half, each deal weighted. */
function weightedAuc(f: Prepared, y: readonly number[], w: ArrayLike<number>): number {
  const { p, order } = f;
  let lostBelow = 0;
  let pairs = 0;
  let won = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    let tieWon = 0;
    let tieLost = 0;
    while (j < order.length && p[order[j]] === p[order[i]]) {
      const k = order[j];
      if (y[k] === 1) tieWon += w[k];
      else tieLost += w[k];
      j++;
    }
    pairs += tieWon * (lostBelow + tieLost / 2);
    won += tieWon;
    lostBelow += tieLost;
    i = j;
  }
  return won === 0 || lostBelow === 0 ? NaN : pairs / (won * lostBelow);
}

function weightedEce(p: readonly number[], y: readonly number[], w: ArrayLike<number>, bins = 10): number {
  const n = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i] * bins)));
    n[b] += w[i];
    sp[b] += w[i] * p[i];
    sy[b] += w[i] * y[i];
    total += w[i];
  }
  let s = 0;
  for (let b = 0; b < bins; b++) if (n[b] > 0) s += Math.abs(sp[b] - sy[b]);
  return s / total;
}

/** The calibration slope (see metrics.ts) with weights: Newton on the 2×2 system. */
function weightedSlope(x: Float64Array, y: readonly number[], w: ArrayLike<number>): number {
  let a = 0;
  let b = 1;
  for (let it = 0; it < 50; it++) {
    let g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0; // prettier-ignore
    for (let i = 0; i < x.length; i++) {
      if (w[i] === 0) continue;
      const q = 1 / (1 + Math.exp(-(a + b * x[i])));
      const wq = w[i] * q * (1 - q);
      const r = w[i] * (y[i] - q);
      g0 += r;
      g1 += r * x[i];
      h00 += wq;
      h01 += wq * x[i];
      h11 += wq * x[i] * x[i];
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 1e-12)) return NaN;
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    a += da;
    b += db;
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
  }
  return b;
}

/**
 * Metrics with 95 % intervals for each named forecast against outcomes `y`, paired with `reference`
 * (one of the names). Resamples where a class is missing are drawn again, since AUC and the slope need both.
 */
export function evaluateForecasts(
  forecasts: Record<string, readonly number[]>,
  y: readonly number[],
  reference: string,
  options: BootstrapOptions,
): Record<string, ForecastMetrics> {
  const names = Object.keys(forecasts);
  const prepared = Object.fromEntries(names.map((name) => [name, prepare(forecasts[name])]));
  const ref = prepared[reference];
  const n = y.length;
  const draws: Record<string, Record<StatName, number[]>> = {};
  for (const name of names)
    draws[name] = Object.fromEntries(STAT_NAMES.map((s) => [s, [] as number[]])) as Record<
      StatName,
      number[]
    >;
  const rng = new Rng(options.seed);
  const w = new Float64Array(n);
  for (let b = 0; b < options.samples; b++) {
    let won = 0;
    for (let attempt = 0; attempt < 100 && (won === 0 || won === n); attempt++) {
      w.fill(0);
      won = 0;
      for (let i = 0; i < n; i++) {
        const k = Math.floor(rng.next() * n);
        w[k]++;
        won += y[k];
      }
    }
    for (const name of names) {
      const s = stats(prepared[name], ref, y, w);
      for (const stat of STAT_NAMES) draws[name][stat].push(s[stat]);
    }
  }
  const ones = new Float64Array(n).fill(1);
  const out: Record<string, ForecastMetrics> = {};
  for (const name of names) {
    const value = stats(prepared[name], ref, y, ones);
    const est = (stat: StatName): Estimate => ({ value: value[stat], ...percentiles(draws[name][stat]) });
    out[name] = {
      brier: est('brier'),
      logLoss: est('logLoss'),
      auc: est('auc'),
      ece: est('ece'),
      slope: est('slope'),
      meanPredicted: mean(forecasts[name]),
      brierSkill: est('brierSkill'),
      brierDelta: est('brierDelta'),
    };
  }
  return out;
}

/** 2.5 % and 97.5 % percentiles (linear interpolation); NaN draws (a one-class resample) are left out. */
export function percentiles(values: readonly number[]): { low: number; high: number } {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { low: NaN, high: NaN };
  const at = (q: number): number => {
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  };
  return { low: at(0.025), high: at(0.975) };
}

/** The statistics of one resample given as draw counts per deal (exported for its test). */
export function weightedStats(
  p: readonly number[],
  reference: readonly number[],
  y: readonly number[],
  w: ArrayLike<number>,
): Record<StatName, number> {
  return stats(prepare(p), prepare(reference), y, w);
}
