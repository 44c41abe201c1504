/**
 * Forecast quality measures for probabilities against outcomes. Pure: arrays in, numbers out.
 * Probabilities are 0..1, outcomes 0 (lost) or 1 (won). Every function expects equal-length,
 * non-empty arrays; the callers (backtest, calibration) check that before measuring.
 */
export type Vec = ArrayLike<number>;

/** Log loss clips probabilities to [EPS, 1 − EPS]: one confident miss must not make it infinite. */
export const LOG_LOSS_EPS = 1e-3;

export function brier(p: Vec, y: Vec): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - y[i]) ** 2;
  return s / p.length;
}

export function logLoss(p: Vec, y: Vec): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, p[i]));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / p.length;
}

/**
 * Area under the ROC curve: the chance that a random won deal is ranked above a random lost one,
 * ties counting half (Mann-Whitney with mid-ranks). NaN when one class is missing.
 */
export function auc(p: Vec, y: Vec): number {
  const idx = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  let rankSumWon = 0;
  let won = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && p[idx[j + 1]] === p[idx[i]]) j++;
    const midRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) {
      if (y[idx[k]] === 1) {
        rankSumWon += midRank;
        won++;
      }
    }
    i = j + 1;
  }
  const lost = p.length - won;
  if (won === 0 || lost === 0) return NaN;
  return (rankSumWon - (won * (won + 1)) / 2) / (won * lost);
}

export interface ReliabilityBin {
  /** [from, to) in 0..1; the last bin includes 1. */
  from: number;
  to: number;
  count: number;
  /** null when the bin is empty. */
  meanPredicted: number | null;
  observed: number | null;
}

/** Ten equal-width bins of predicted probability, with counts, mean prediction and observed win rate. */
export function reliability(p: Vec, y: Vec, bins = 10): ReliabilityBin[] {
  const sums = Array.from({ length: bins }, () => ({ n: 0, p: 0, y: 0 }));
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i] * bins)));
    sums[b].n++;
    sums[b].p += p[i];
    sums[b].y += y[i];
  }
  return sums.map((s, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    count: s.n,
    meanPredicted: s.n === 0 ? null : s.p / s.n,
    observed: s.n === 0 ? null : s.y / s.n,
  }));
}

/** Expected calibration error: the count-weighted mean gap between prediction and outcome per bin. */
export function ece(p: Vec, y: Vec, bins = 10): number {
  let s = 0;
  for (const b of reliability(p, y, bins))
    if (b.count > 0) s += b.count * Math.abs((b.meanPredicted as number) - (b.observed as number));
  return s / p.length;
}

const logit = (q: number): number => {
  const c = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, q));
  return Math.log(c / (1 - c));
};

/**
 * Calibration slope: b in logit P(won) = a + b·logit(p), fitted by (unpenalised) logistic regression.
 * 1 is right; below 1 the forecast is too extreme (over-confident), above 1 too timid.
 */
export function calibrationSlope(p: Vec, y: Vec): number {
  return calibrationLine(p, y).slope;
}

/**
 * The two-parameter fit behind the slope, written out (Newton on a 2×2 system) rather than through
 * `fitLogistic`: the bootstrap calls it hundreds of times on 20,000 deals, and building row arrays
 * each time cost more than the fit.
 */
export function calibrationLine(p: Vec, y: Vec): { intercept: number; slope: number } {
  const n = p.length;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = logit(p[i]);
  let a = 0;
  let b = 1;
  for (let it = 0; it < 50; it++) {
    let g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0; // prettier-ignore
    for (let i = 0; i < n; i++) {
      const q = 1 / (1 + Math.exp(-(a + b * x[i])));
      const w = q * (1 - q);
      const r = y[i] - q;
      g0 += r;
      g1 += r * x[i];
      h00 += w;
      h01 += w * x[i];
      h11 += w * x[i] * x[i];
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 1e-12)) return { intercept: NaN, slope: NaN };
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    a += da;
    b += db;
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
  }
  return { intercept: a, slope: b };
}

/** Brier skill against a reference forecast: 1 − Brier(p) / Brier(reference); above 0 is better. */
export function brierSkill(p: Vec, reference: Vec, y: Vec): number {
  return 1 - brier(p, y) / brier(reference, y);
}

export function mean(values: Vec): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}
