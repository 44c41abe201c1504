import { fitLogistic, solveSpd } from '../../../src/forecast/logistic';

/** 40 rows with an intercept, a continuous and a binary column; 19 won. */
function fixedData(): { rows: number[][]; y: number[] } {
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 40; i++) {
    const x1 = (i % 7) / 3 - 1;
    const x2 = i % 2;
    rows.push([1, x1, x2]);
    y.push((i * 37) % 11 < 3 + x2 * 3 + (x1 > 0 ? 1 : 0) ? 1 : 0);
  }
  return { rows, y };
}

describe('the logistic regression', () => {
  it('matches the closed form for one binary predictor: the logits of the two groups', () => {
    // Group x=0: 2 won of 8 (logit −ln 3); group x=1: 6 of 8 (logit ln 3).
    const rows = [...Array(8).fill([1, 0]), ...Array(8).fill([1, 1])] as number[][];
    const y = [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0];
    const fit = fitLogistic(rows, y);
    expect(fit.converged).toBe(true);
    expect(fit.coefficients[0]).toBeCloseTo(-Math.log(3), 8);
    expect(fit.coefficients[1]).toBeCloseTo(2 * Math.log(3), 8);
  });

  it('matches a reference maximum-likelihood fit on a fixed data set', () => {
    // Reference: scipy.optimize.minimize (Nelder-Mead, xatol 1e-12) on the same 40 rows.
    const { rows, y } = fixedData();
    const fit = fitLogistic(rows, y);
    expect(fit.converged).toBe(true);
    const expected = [-0.65793799, -0.55284042, 1.04818966];
    fit.coefficients.forEach((c, j) => expect(c).toBeCloseTo(expected[j], 6));
  });

  it('matches a reference penalised fit that pulls each weight toward its own prior value', () => {
    // Penalty 2·(θ − m)² on the last two columns toward m = (1, −0.5); the intercept is free.
    const { rows, y } = fixedData();
    const fit = fitLogistic(rows, y, { penalty: [0, 2, 2], prior: [0, 1, -0.5] });
    expect(fit.converged).toBe(true);
    const expected = [-0.13083351, 0.21719514, 0.07854241];
    fit.coefficients.forEach((c, j) => expect(c).toBeCloseTo(expected[j], 6));
  });

  it('stays at the prior with a huge penalty and follows the data with none', () => {
    const { rows, y } = fixedData();
    const stiff = fitLogistic(rows, y, { penalty: [1e6, 1e6, 1e6], prior: [0.1, 1, -0.5] });
    stiff.coefficients.forEach((c, j) => expect(c).toBeCloseTo([0.1, 1, -0.5][j], 3));
  });

  it('stops on perfectly separated data instead of running away', () => {
    const fit = fitLogistic(
      [
        [1, -1],
        [1, -2],
        [1, 1],
        [1, 2],
      ],
      [0, 0, 1, 1],
      { maxIterations: 25 },
    );
    expect(fit.converged).toBe(false);
    expect(fit.coefficients.every(Number.isFinite)).toBe(true);
  });

  it('solves a symmetric positive definite system and refuses a singular one', () => {
    expect(
      solveSpd(
        [
          [4, 2],
          [2, 3],
        ],
        [2, 1],
      ),
    ).toEqual([0.5, 0]);
    expect(
      solveSpd(
        [
          [1, 1],
          [1, 1],
        ],
        [1, 1],
      ),
    ).toBeUndefined();
  });
});
