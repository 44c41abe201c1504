import { runBacktest } from '../../../src/forecast/backtest';
import { lastTwelveMonths, parseDiffBacktest, sideBySide } from '../../../src/forecast/diff-backtest';
import { rulesDiffTable } from '../../../src/forecast/format';
import type { History } from '../../../src/forecast/history';
import type { HorizonSample } from '../../../src/forecast/horizon-view';
import { RulesDiffAccumulator } from '../../../src/forecast/rules-diff';
import type { Rulebook } from '../../../src/rules/load-rulebook';
import { Rng } from '../../../src/sandbox/prng';
import { theDefaultRulebook } from '../../support/builders';

/**
 * The backtest half of `rules diff` on hand-built horizon views: figures that can be checked by hand,
 * the same figures the backtest module gives on the same view, and the words when too few deals closed.
 */
const before = theDefaultRulebook();
const after: Rulebook = { ...before, version: 'proposed' };
const range = { from: '2025-12-01', to: '2026-11-30' };
const DAY = 86_400_000;

function sample(i: number, won: 0 | 1, stage: number, old: number, neu: number): HorizonSample {
  return { id: `d${i}`, closeAt: i * DAY, won, stage, adjusted: [old, neu], flags: [], score: 0 };
}

function historyOf(samples: HorizonSample[], over: Partial<History> = {}): History {
  return {
    deals: samples.length,
    leaking: 0,
    tracked: [],
    untracked: [],
    views: [{ horizonDays: 30, samples, notYetCreated: 0, noOpenStage: 0 }],
    from: range.from,
    to: range.to,
    ...over,
  };
}

/** 30 won and 30 lost; the stage says 50 % for all, the old rulebook 60/40 %, the new one 80/20 %. */
const plain = historyOf(
  Array.from({ length: 60 }, (_, i) => {
    const won = i < 30 ? 1 : 0;
    return sample(i, won, 0.5, won ? 0.6 : 0.4, won ? 0.8 : 0.2);
  }),
);

describe('rules diff: backtest side by side', () => {
  it('gives figures that can be checked by hand, and Brier new − old with its interval', () => {
    const r = sideBySide(plain, { before, after }, range);
    if (r.status !== 'run') throw new Error(`expected figures, got: ${r.reason}`);
    expect(r).toMatchObject({ horizonDays: 30, deals: 60, won: 30, lost: 30, ...range });
    expect(r.stage.name).toBe('stage probability');
    expect(r.before.name).toBe(`adjusted ${before.version}`);
    expect(r.after.name).toBe('adjusted proposed');
    // Every deal misses by 0.5, 0.4 or 0.2 under each forecast: any resample gives the same Brier.
    expect(r.stage.brier).toEqual({ value: 0.25, low: 0.25, high: 0.25 });
    expect(r.before.brier.value).toBeCloseTo(0.16, 12);
    expect(r.after.brier.value).toBeCloseTo(0.04, 12);
    expect(r.brierDelta.value).toBeCloseTo(-0.12, 12);
    expect(r.brierDelta.low).toBeCloseTo(-0.12, 12);
    expect(r.brierDelta.high).toBeCloseTo(-0.12, 12);
    expect(r.before.logLoss.value).toBeCloseTo(-Math.log(0.6), 12);
    expect(r.after.logLoss.value).toBeCloseTo(-Math.log(0.8), 12);
    expect(r.stage.auc.value).toBe(0.5);
    expect(r.before.auc.value).toBe(1);
    expect(r.after.auc.value).toBe(1);
    // One bin per class, each off by 0.4 (old) or 0.2 (new); the stage's single bin is right on.
    expect(r.stage.ece.value).toBeCloseTo(0, 12);
    expect(r.before.ece.value).toBeCloseTo(0.4, 12);
    expect(r.after.ece.value).toBeCloseTo(0.2, 12);
  });

  it('gives the figures the backtest module gives on the same view, and 0 for a rulebook against itself', () => {
    const rng = new Rng(3);
    const noisy = historyOf(
      Array.from({ length: 150 }, (_, i) => {
        const stage = [0.1, 0.25, 0.5, 0.75][i % 4];
        const old = Math.min(0.99, Math.max(0.01, stage + (rng.next() - 0.5) * 0.4));
        const neu = Math.min(0.99, Math.max(0.01, old + (rng.next() - 0.5) * 0.2));
        return sample(i, rng.next() < old ? 1 : 0, stage, old, neu);
      }),
    );
    const r = sideBySide(noisy, { before, after }, range);
    if (r.status !== 'run') throw new Error(`expected figures, got: ${r.reason}`);
    const direct = runBacktest(noisy, [before, after]).horizons[0].forecasts;
    for (const [mine, theirs] of [
      [r.stage, direct[0]],
      [r.before, direct[1]],
      [r.after, direct[2]],
    ] as const) {
      expect(mine.name).toBe(theirs.name);
      const { brier, logLoss, auc, slope, ece } = theirs.metrics;
      expect(mine).toEqual({ name: theirs.name, brier, logLoss, auc, slope, ece });
    }
    expect(r.brierDelta.value).toBeCloseTo(r.after.brier.value - r.before.brier.value, 12);
    expect(r.brierDelta.low).toBeLessThanOrEqual(r.brierDelta.value);
    expect(r.brierDelta.high).toBeGreaterThanOrEqual(r.brierDelta.value);

    const same = historyOf(
      noisy.views[0].samples.map((s) => ({ ...s, adjusted: [s.adjusted[0], s.adjusted[0]] })),
    );
    const self = sideBySide(same, { before, after: before }, range);
    if (self.status !== 'run') throw new Error(`expected figures, got: ${self.reason}`);
    expect(self.before.name).not.toBe(self.after.name);
    expect(self.brierDelta).toEqual({ value: 0, low: 0, high: 0 });
  });

  it('says in words when too few deals closed, or none in the range', () => {
    const few = historyOf(Array.from({ length: 52 }, (_, i) => sample(i, i < 12 ? 1 : 0, 0.5, 0.5, 0.5)));
    const r = sideBySide(few, { before, after }, range);
    expect(r).toEqual({
      horizonDays: 30,
      ...range,
      deals: 52,
      won: 12,
      lost: 40,
      status: 'not run',
      reason: 'not run: 12 won and 40 lost closed deals in 2025-12-01..2026-11-30; needs 30 of each',
    });
    const none = sideBySide(historyOf([], { from: null, to: null }), { before, after }, range);
    expect(none).toMatchObject({
      status: 'not run',
      reason: 'not run: no closed deals in 2025-12-01..2026-11-30; needs 30 won and 30 lost',
    });
    const acc = new RulesDiffAccumulator({ before: before.version, after: after.version });
    expect(rulesDiffTable(acc.report(r))).toContain(
      'Backtest side by side: not run: 12 won and 40 lost closed deals in 2025-12-01..2026-11-30; needs 30 of each.',
    );
  });

  it('prints the three forecasts and the difference in the table', () => {
    const acc = new RulesDiffAccumulator({ before: before.version, after: after.version });
    const text = rulesDiffTable(acc.report(sideBySide(plain, { before, after }, range)));
    expect(text).toContain(
      'Backtest side by side: 60 closed deals from 2025-12-01 to 2026-11-30 (30 won, 30 lost), as they were 30 days before their close',
    );
    expect(text).toMatch(/^stage probability\s+0\.250 \(0\.250–0\.250\)/m);
    expect(text).toMatch(new RegExp(`^adjusted ${before.version} \\(old\\)\\s+0\\.160 `, 'm'));
    expect(text).toMatch(/^adjusted proposed \(new\)\s+0\.040 /m);
    expect(text).toContain(
      'new − old, Brier: -0.120 (-0.120–-0.120); below 0 the new rulebook forecasts better',
    );
  });
});

describe('rules diff: backtest range and horizon', () => {
  it('defaults to the last 12 months of CloseDate up to --as-of, at 30 days', () => {
    expect(parseDiffBacktest({}, Date.parse('2026-11-30T15:00:00Z'))).toEqual({
      range: { from: '2025-12-01', to: '2026-11-30' },
      horizonDays: 30,
    });
    expect(lastTwelveMonths(Date.parse('2028-02-29T00:00:00Z'))).toEqual({
      from: '2027-03-01',
      to: '2028-02-29',
    });
    expect(lastTwelveMonths(Date.parse('2026-03-31T23:59:59Z'))).toEqual({
      from: '2025-04-01',
      to: '2026-03-31',
    });
  });

  it('takes --from, --to and --horizon, and names what is wrong with them', () => {
    const asOf = Date.parse('2026-11-30T00:00:00Z');
    expect(parseDiffBacktest({ from: '2026-01-01', to: '2026-06-30', horizon: '60' }, asOf)).toEqual({
      range: { from: '2026-01-01', to: '2026-06-30' },
      horizonDays: 60,
    });
    expect(() => parseDiffBacktest({ from: '2026-01-01' }, asOf)).toThrow('--to is missing');
    expect(() => parseDiffBacktest({ from: '2026-02-30', to: '2026-03-01' }, asOf)).toThrow(
      '--from: "2026-02-30" is not a date',
    );
    expect(() => parseDiffBacktest({ from: '2026-05-01', to: '2026-03-01' }, asOf)).toThrow(
      '--from 2026-05-01 is after --to 2026-03-01',
    );
    expect(() => parseDiffBacktest({ horizon: '30,60' }, asOf)).toThrow('rules diff backtests one horizon');
    expect(() => parseDiffBacktest({ horizon: 'soon' }, asOf)).toThrow('--horizon: "soon" is not a horizon');
  });
});
