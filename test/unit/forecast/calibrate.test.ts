import { judge, recalibrateStage, timeOrderedSplit } from '../../../src/forecast/calibrate';
import type { HorizonSample } from '../../../src/forecast/horizon-view';

const sample = (i: number, over: Partial<HorizonSample> = {}): HorizonSample => ({
  id: `d${String(i).padStart(3, '0')}`,
  closeAt: Date.parse('2026-01-01') + ((i * 37) % 100) * 86_400_000,
  won: i % 4 === 0 ? 1 : 0,
  stage: 0.5,
  adjusted: [0.3],
  flags: [],
  score: 50,
  ...over,
});

describe('the calibration steps', () => {
  it('trains on the older deals and holds out the newest quarter by close date', () => {
    const samples = Array.from({ length: 100 }, (_, i) => sample(i));
    const { train, test } = timeOrderedSplit(samples);
    expect([train.length, test.length]).toEqual([75, 25]);
    const newestTrain = Math.max(...train.map((s) => s.closeAt));
    expect(test.every((s) => s.closeAt >= newestTrain)).toBe(true);
  });

  it('recalibrates a stage probability that never varies to the win rate', () => {
    const samples = Array.from({ length: 80 }, (_, i) => sample(i));
    expect(recalibrateStage(samples)(0.5)).toBeCloseTo(0.25, 4);
  });

  it('recalibrates an over-confident stage table toward what was won', () => {
    // Deals at 90 % won half the time, deals at 10 % one in ten.
    const samples = [
      ...Array.from({ length: 40 }, (_, i) => sample(i, { stage: 0.9, won: i % 2 === 0 ? 1 : 0 })),
      ...Array.from({ length: 40 }, (_, i) => sample(100 + i, { stage: 0.1, won: i % 10 === 0 ? 1 : 0 })),
    ];
    const recal = recalibrateStage(samples);
    expect(recal(0.9)).toBeCloseTo(0.5, 4);
    expect(recal(0.1)).toBeCloseTo(0.1, 4);
  });

  it('adopts only when both Brier differences are below zero with their whole intervals', () => {
    const better = { value: -0.02, low: -0.03, high: -0.01 };
    const noise = { value: -0.01, low: -0.02, high: 0.002 };
    expect(judge(better, better).verdict).toBe('adopt');
    expect(judge(better, noise)).toMatchObject({
      verdict: 'keep',
      reason: expect.stringMatching('recalibrated'),
    });
    expect(judge(noise, better)).toMatchObject({
      verdict: 'keep',
      reason: expect.stringMatching('active rulebook'),
    });
    expect(judge(better, better).reason).toMatch('−0.020 (95 % −0.030 to −0.010)');
  });
});
