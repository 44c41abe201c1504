/**
 * Seeded paired bootstrap: every forecast is measured on the same resampled deals, so the interval
 * of a difference (this forecast's Brier minus the stage probability's) reflects the pairing rather
 * than two independent noises. The same seed always gives the same intervals.
 */
import { Rng } from '../sandbox/prng';
import { auc, brier, brierSkill, calibrationSlope, ece, logLoss, mean } from './metrics';

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

type Stat = (p: ArrayLike<number>, y: ArrayLike<number>, ref: ArrayLike<number>) => number;

const STATS: Record<Exclude<keyof ForecastMetrics, 'meanPredicted'>, Stat> = {
  brier: (p, y) => brier(p, y),
  logLoss: (p, y) => logLoss(p, y),
  auc: (p, y) => auc(p, y),
  ece: (p, y) => ece(p, y),
  slope: (p, y) => calibrationSlope(p, y),
  brierSkill: (p, y, r) => brierSkill(p, r, y),
  brierDelta: (p, y, r) => brier(p, y) - brier(r, y),
};

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
  const ref = forecasts[reference];
  const n = y.length;
  const draws: Record<string, Record<string, number[]>> = {};
  for (const name of names) draws[name] = Object.fromEntries(Object.keys(STATS).map((s) => [s, []]));
  const rng = new Rng(options.seed);
  const yb = new Float64Array(n);
  const rb = new Float64Array(n);
  const pb = new Float64Array(n);
  const idx = new Uint32Array(n);
  for (let b = 0; b < options.samples; b++) {
    let won = 0;
    for (let attempt = 0; attempt < 100 && (won === 0 || won === n); attempt++) {
      won = 0;
      for (let i = 0; i < n; i++) {
        idx[i] = Math.floor(rng.next() * n);
        won += y[idx[i]];
      }
    }
    for (let i = 0; i < n; i++) {
      yb[i] = y[idx[i]];
      rb[i] = ref[idx[i]];
    }
    for (const name of names) {
      const p = forecasts[name];
      for (let i = 0; i < n; i++) pb[i] = p[idx[i]];
      for (const [stat, fn] of Object.entries(STATS)) draws[name][stat].push(fn(pb, yb, rb));
    }
  }
  const out: Record<string, ForecastMetrics> = {};
  for (const name of names) {
    const p = forecasts[name];
    const est = (stat: keyof typeof STATS): Estimate => ({
      value: STATS[stat](p, y, ref),
      ...percentiles(draws[name][stat]),
    });
    out[name] = {
      brier: est('brier'),
      logLoss: est('logLoss'),
      auc: est('auc'),
      ece: est('ece'),
      slope: est('slope'),
      meanPredicted: mean(p),
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
