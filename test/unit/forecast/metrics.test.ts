import {
  auc,
  brier,
  brierSkill,
  calibrationSlope,
  ece,
  logLoss,
  reliability,
} from '../../../src/forecast/metrics';
import { evaluateForecasts, percentiles, weightedStats } from '../../../src/forecast/bootstrap';

// Four deals worked through by hand: predictions 10 %, 40 %, 35 %, 80 %; the last two were won.
const p = [0.1, 0.4, 0.35, 0.8];
const y = [0, 0, 1, 1];

describe('the forecast metrics', () => {
  it('Brier is the mean squared gap: (0.01 + 0.16 + 0.4225 + 0.04) / 4', () => {
    expect(brier(p, y)).toBeCloseTo(0.158125, 12);
  });

  it('log loss is the mean of −ln(probability given to what happened)', () => {
    const byHand = -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4;
    expect(logLoss(p, y)).toBeCloseTo(byHand, 12);
    expect(logLoss(p, y)).toBeCloseTo(0.472288, 6);
  });

  it('log loss clips certainty to 0.1 %, so a confident miss costs ln(1000), not infinity', () => {
    expect(logLoss([0, 1], [1, 0])).toBeCloseTo(Math.log(1000), 9);
  });

  it('AUC counts won-above-lost pairs: 3 of the 4 pairs here', () => {
    expect(auc(p, y)).toBe(0.75);
  });

  it('AUC counts a tie as half a pair, and is undefined with one class only', () => {
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(auc([0.3, 0.5, 0.5, 0.9], [0, 0, 1, 1])).toBe(0.875);
    expect(auc([0.3, 0.6], [1, 1])).toBeNaN();
  });

  it('the reliability table has ten bins with counts, mean prediction and observed rate', () => {
    const table = reliability([0.12, 0.18, 0.15, 0.92, 1], [0, 1, 0, 1, 1]);
    expect(table).toHaveLength(10);
    expect(table[1]).toEqual({
      from: 0.1,
      to: 0.2,
      count: 3,
      meanPredicted: expect.any(Number),
      observed: 1 / 3,
    });
    expect(table[1].meanPredicted).toBeCloseTo(0.15, 12);
    // 1.0 belongs to the last bin, not to an eleventh.
    expect(table[9].count).toBe(2);
    expect(table[0]).toEqual({ from: 0, to: 0.1, count: 0, meanPredicted: null, observed: null });
  });

  it('ECE weighs each bin gap by its count: (3 × |0.15 − 1/3| + |0.92 − 1|) / 4', () => {
    expect(ece([0.12, 0.18, 0.15, 0.92], [0, 1, 0, 1])).toBeCloseTo((3 * (1 / 3 - 0.15) + 0.08) / 4, 12);
  });

  it('the calibration slope of a forecast saying 20 %/80 % where 25 %/75 % win is ln 3 / ln 4', () => {
    const pp = [0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8, 0.8];
    const yy = [1, 0, 0, 0, 1, 1, 1, 0];
    expect(calibrationSlope(pp, yy)).toBeCloseTo(Math.log(3) / Math.log(4), 8);
  });

  it('a forecast that is too timid has a slope above 1', () => {
    const pp = [0.4, 0.4, 0.4, 0.4, 0.6, 0.6, 0.6, 0.6];
    const yy = [1, 0, 0, 0, 1, 1, 1, 0];
    expect(calibrationSlope(pp, yy)).toBeCloseTo(Math.log(3) / Math.log(1.5), 8);
  });

  it('Brier skill against a coin flip (Brier 0.25) is 1 − 0.158125 / 0.25', () => {
    expect(brierSkill(p, [0.5, 0.5, 0.5, 0.5], y)).toBeCloseTo(0.3675, 12);
  });
});

describe('the paired bootstrap', () => {
  const n = 400;
  const outcome = Array.from({ length: n }, (_, i) => ((i * 7919) % 100 < 30 ? 1 : 0));
  const good = outcome.map((o, i) => (o === 1 ? 0.6 : 0.2) + ((i % 5) - 2) * 0.02);
  const flat = outcome.map(() => 0.3);

  it('gives the same intervals for the same seed and different ones for another', () => {
    const a = evaluateForecasts({ flat, good }, outcome, 'flat', { samples: 100, seed: 7 });
    const b = evaluateForecasts({ flat, good }, outcome, 'flat', { samples: 100, seed: 7 });
    const c = evaluateForecasts({ flat, good }, outcome, 'flat', { samples: 100, seed: 8 });
    expect(b).toEqual(a);
    expect(c.good.brier.low).not.toBe(a.good.brier.low);
  });

  it('brackets each value and pairs the difference against the reference', () => {
    const m = evaluateForecasts({ flat, good }, outcome, 'flat', { samples: 200, seed: 1 });
    for (const key of ['brier', 'logLoss', 'auc', 'ece', 'brierDelta'] as const) {
      expect(m.good[key].low).toBeLessThanOrEqual(m.good[key].value);
      expect(m.good[key].high).toBeGreaterThanOrEqual(m.good[key].value);
    }
    expect(m.good.brierDelta.value).toBeCloseTo(brier(good, outcome) - brier(flat, outcome), 12);
    // A clearly better forecast: the whole interval of the difference lies below 0.
    expect(m.good.brierDelta.high).toBeLessThan(0);
    // Against itself the difference is exactly 0 in every resample.
    expect(m.flat.brierDelta).toEqual({ value: 0, low: 0, high: 0 });
  });

  it('measures a resample by draw counts exactly as on the copied deals', () => {
    const pp = [0.1, 0.4, 0.35, 0.8, 0.62, 0.2];
    const ref = [0.3, 0.3, 0.5, 0.5, 0.5, 0.3];
    const yy = [0, 0, 1, 1, 0, 1];
    const counts = [2, 0, 1, 3, 1, 1];
    const copy = (xs: number[]) => xs.flatMap((x, i) => Array<number>(counts[i]).fill(x));
    const [cp, cr, cy] = [copy(pp), copy(ref), copy(yy)];
    const s = weightedStats(pp, ref, yy, counts);
    expect(s.brier).toBeCloseTo(brier(cp, cy), 12);
    expect(s.logLoss).toBeCloseTo(logLoss(cp, cy), 12);
    expect(s.auc).toBeCloseTo(auc(cp, cy), 12);
    expect(s.ece).toBeCloseTo(ece(cp, cy), 12);
    expect(s.slope).toBeCloseTo(calibrationSlope(cp, cy), 8);
    expect(s.brierSkill).toBeCloseTo(brierSkill(cp, cr, cy), 12);
    expect(s.brierDelta).toBeCloseTo(brier(cp, cy) - brier(cr, cy), 12);
  });

  it('takes the 2.5 % and 97.5 % percentiles with interpolation', () => {
    const values = Array.from({ length: 201 }, (_, i) => i);
    expect(percentiles(values)).toEqual({ low: 5, high: 195 });
  });
});
