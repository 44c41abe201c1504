import { loadRulebookFile, parseRulebook, type Rulebook } from '../../../src/rules/load-rulebook';
import { adjustedProbability } from '../../../src/scoring/probability';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const rulebook = loadRulebookFile();
const withPolicy = (
  floor: number,
  ceiling: number,
  commitmentWeight: number,
  alpha = 0,
  beta = 1,
): Rulebook => ({
  ...rulebook,
  probability: { floor, ceiling, commitmentWeight, alpha, beta },
});
const adjust = (rb: Rulebook, base: number, score: number, weights: number[] = [], caps: number[] = []) =>
  adjustedProbability({ baseProbability: base, commitmentScore: score, flagWeights: weights, caps }, rb);

describe('the adjusted probability', () => {
  it('keeps the stage probability when no flag fires and the commitment score is neutral (50)', () => {
    for (const base of [10, 20, 50, 70, 90]) expect(adjust(withPolicy(0, 100, 1.2), base, 50)).toBe(base);
  });

  it.each([
    [10, 50, -1, 4],
    [70, 50, -1, 46],
    [70, 50, -2.5, 16],
    [50, 100, 0, 77],
    [50, 0, 0, 23],
  ])('from %i %% at score %i with flag weight %d gives %i %%', (base, score, weight, expected) => {
    expect(adjust(withPolicy(0, 100, 1.2), base, score, [weight])).toBe(expected);
  });

  it('applies α + β·logit(p0): β = 0.5 halves the stage log-odds, α shifts them', () => {
    // logit(0.9) = ln 9; halved: ln 3 → 75 %; then α = −ln 3 → 50 %.
    expect(adjust(withPolicy(0, 100, 1.2, 0, 0.5), 90, 50)).toBe(75);
    expect(adjust(withPolicy(0, 100, 1.2, -Math.log(3), 0.5), 90, 50)).toBe(50);
    // α = ln(1/9) on an even stage: 10 %.
    expect(adjust(withPolicy(0, 100, 1.2, Math.log(1 / 9), 1), 50, 50)).toBe(10);
  });

  it('reads a rulebook without α and β as α = 0, β = 1 (the formula before calibration)', () => {
    const text = readFileSync(path.join(__dirname, '../../fixtures/rulebooks/valid-minimal.yaml'), 'utf8');
    expect(parseRulebook(text).probability).toMatchObject({ alpha: 0, beta: 1 });
  });

  it('rises with every flag weight (a less negative weight never lowers it)', () => {
    const rb = withPolicy(0, 100, 1.2);
    let previous = -1;
    for (let w = -5; w <= 2; w += 0.25) {
      const p = adjust(rb, 60, 40, [w, -0.5]);
      expect(p).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
    expect(adjust(rb, 60, 40, [-3])).toBeLessThan(adjust(rb, 60, 40, [-1]));
  });

  it('rises with the commitment score, and the commitment weight widens the spread', () => {
    const narrow = withPolicy(0, 100, 0.5);
    const wide = withPolicy(0, 100, 2);
    let previous = -1;
    for (let score = 0; score <= 100; score += 5) {
      const p = adjust(wide, 50, score);
      expect(p).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
    expect(adjust(wide, 50, 100)).toBeGreaterThan(adjust(narrow, 50, 100));
    expect(adjust(wide, 50, 0)).toBeLessThan(adjust(narrow, 50, 0));
  });

  it('never goes above the lowest cap of the flags that fired, nor above the ceiling', () => {
    const rb = withPolicy(1, 95, 1.2);
    expect(adjust(rb, 90, 100, [], [40, 60])).toBe(40);
    expect(adjust(rb, 99, 100)).toBe(95);
  });

  it('never goes below the floor, except where a cap is lower still', () => {
    const rb = withPolicy(5, 99, 1.2);
    expect(adjust(rb, 10, 0, [-5, -5])).toBe(5);
    expect(adjust(rb, 10, 0, [-5], [3])).toBe(3);
  });

  it('moves deals whose stage says 0 % or 100 % instead of sticking at the edge', () => {
    const rb = withPolicy(0, 100, 1.2);
    expect(adjust(rb, 100, 20, [-2])).toBeLessThan(100);
    expect(adjust(rb, 0, 100, [1])).toBeGreaterThan(0);
  });

  it('reads floor, ceiling and commitment weight from the rulebook', () => {
    const text = readFileSync(path.join(__dirname, '../../fixtures/rulebooks/valid-minimal.yaml'), 'utf8');
    const rb = parseRulebook(text.replace('floor: 2, ceiling: 95', 'floor: 30, ceiling: 35'));
    expect(adjust(rb, 90, 100)).toBe(35);
    expect(adjust(rb, 10, 0)).toBe(30);
  });
});
