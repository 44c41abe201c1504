/**
 * Logistic regression by iteratively reweighted least squares (Newton's method), with an optional L2
 * penalty that pulls each coefficient toward its own prior value instead of toward 0:
 *
 *   maximise  Σ [yᵢ·ηᵢ − log(1 + e^ηᵢ)] − Σⱼ λⱼ·(θⱼ − mⱼ)²,   ηᵢ = xᵢ·θ
 *
 * With λ = 0 it is the ordinary maximum-likelihood fit. The systems are tiny (one row per flag plus
 * three), so a hand-written Cholesky solve is enough; no matrix library is needed. With the penalty
 * the objective is strictly concave, so Newton converges in a handful of steps; without it, perfectly
 * separated data would diverge, which the step limit and step halving stop.
 */

export interface LogisticOptions {
  /** Penalty per coefficient (λⱼ); 0 or absent = unpenalised. */
  penalty?: readonly number[];
  /** Value each coefficient is pulled toward (mⱼ); also the starting point. Default 0. */
  prior?: readonly number[];
  maxIterations?: number;
  /** Stop when no coefficient moves more than this. */
  tolerance?: number;
}

export interface LogisticFit {
  coefficients: number[];
  iterations: number;
  converged: boolean;
}

export function fitLogistic(
  rows: readonly (readonly number[])[],
  y: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticFit {
  const k = rows[0]?.length ?? 0;
  const prior = options.prior ? [...options.prior] : new Array<number>(k).fill(0);
  const lambda = options.penalty ? [...options.penalty] : new Array<number>(k).fill(0);
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-9;
  let theta = [...prior];
  let current = objective(rows, y, theta, lambda, prior);
  for (let it = 1; it <= maxIterations; it++) {
    const { gradient, hessian } = derivatives(rows, y, theta, lambda, prior);
    const step = solveSpd(hessian, gradient);
    if (step === undefined) return { coefficients: theta, iterations: it, converged: false };
    // Step halving: Newton may overshoot far from the optimum; never accept a worse objective.
    let scale = 1;
    let next = theta;
    let value = current;
    for (let h = 0; h < 30; h++) {
      next = theta.map((t, j) => t + scale * step[j]);
      value = objective(rows, y, next, lambda, prior);
      if (value >= current - 1e-12) break;
      scale /= 2;
    }
    const moved = Math.max(...next.map((t, j) => Math.abs(t - theta[j])));
    theta = next;
    current = value;
    if (moved < tolerance) return { coefficients: theta, iterations: it, converged: true };
  }
  return { coefficients: theta, iterations: maxIterations, converged: false };
}

function linear(row: readonly number[], theta: readonly number[]): number {
  let eta = 0;
  for (let j = 0; j < theta.length; j++) eta += row[j] * theta[j];
  return eta;
}

/** log(1 + e^η) without overflow for large |η|. */
function softplus(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

function objective(
  rows: readonly (readonly number[])[],
  y: ArrayLike<number>,
  theta: readonly number[],
  lambda: readonly number[],
  prior: readonly number[],
): number {
  let ll = 0;
  for (let i = 0; i < rows.length; i++) {
    const eta = linear(rows[i], theta);
    ll += y[i] * eta - softplus(eta);
  }
  for (let j = 0; j < theta.length; j++) ll -= lambda[j] * (theta[j] - prior[j]) ** 2;
  return ll;
}

/** Gradient of the objective and the negated Hessian (positive definite when λ > 0 or X has full rank). */
function derivatives(
  rows: readonly (readonly number[])[],
  y: ArrayLike<number>,
  theta: readonly number[],
  lambda: readonly number[],
  prior: readonly number[],
): { gradient: number[]; hessian: number[][] } {
  const k = theta.length;
  const gradient = theta.map((t, j) => -2 * lambda[j] * (t - prior[j]));
  const hessian = Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => (a === b ? 2 * lambda[a] : 0)),
  );
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const p = 1 / (1 + Math.exp(-linear(row, theta)));
    const w = p * (1 - p);
    const r = y[i] - p;
    for (let a = 0; a < k; a++) {
      if (row[a] === 0) continue;
      gradient[a] += row[a] * r;
      const wa = w * row[a];
      for (let b = 0; b <= a; b++) hessian[a][b] += wa * row[b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hessian[b][a] = hessian[a][b];
  return { gradient, hessian };
}

/** Solves A·x = b for symmetric positive definite A by Cholesky; undefined when A is singular. */
export function solveSpd(a: readonly (readonly number[])[], b: readonly number[]): number[] | undefined {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) {
        // A column the data never touches (a flag that never fired, unpenalised) makes A singular.
        if (s <= 1e-12 * Math.max(1, Math.abs(a[i][i]))) return undefined;
        l[i][i] = Math.sqrt(s);
      } else l[i][j] = s / l[j][j];
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * z[k];
    z[i] = s / l[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}
