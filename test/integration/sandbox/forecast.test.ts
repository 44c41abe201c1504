import type { Connection } from 'jsforce';
import { lastTwelveMonths, orgBacktest } from '../../../src/forecast/diff-backtest';
import { parsePeriod } from '../../../src/forecast/period';
import { ForecastAccumulator } from '../../../src/forecast/report';
import { forecastDeal, runForecast, runRulesDiff } from '../../../src/forecast/run';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { loadSnapshots } from '../../../src/salesforce';
import { forEachOpenDeal } from '../../../src/salesforce/open-deals';
import { SandboxClock, startSandbox, type Sandbox } from '../../../src/sandbox';
import { scoreSnapshot } from '../../../src/scoring';
import { aRulebookWith } from '../../support/builders';
import { connect } from './helpers';

/**
 * The forecast's reading against the sandbox org with small query pages, so the id pages are followed:
 * every open deal closing in the period is read once, in chunks of at most 200, a constant number of
 * queries per chunk, and the report equals scoring each of those deals on its own.
 */
const PAGE = 50;
let sb: Sandbox;
let conn: Connection;
const rulebook = loadRulebookFile();
const period = parsePeriod('2026', 1);

beforeAll(async () => {
  sb = await startSandbox({ deals: 700, seed: 5, queryBatchSize: PAGE });
  conn = connect(sb);
});
afterAll(() => sb.close());

function openIn(from: string | null, to: string | null): string[] {
  return [...sb.store.all('Opportunity')]
    .filter(
      (o) =>
        !o.IsClosed &&
        (from === null || String(o.CloseDate) >= from) &&
        (to === null || String(o.CloseDate) <= to),
    )
    .map((o) => String(o.Id));
}

describe('reading open deals for the forecast', () => {
  it('reads each open deal closing in the period once, 200 at most per chunk, with a few queries per chunk', async () => {
    const expected = openIn(period.from, period.to);
    expect(expected.length).toBeGreaterThan(2 * PAGE);
    const seen: string[] = [];
    const chunks: number[] = [];
    const progress: { done: number; total: number }[] = [];
    let queries = 0;
    await forEachOpenDeal(
      conn,
      rulebook.fields,
      {
        closeFrom: period.from!,
        closeTo: period.to!,
        onProgress: (p) => progress.push(p),
        onApiCall: () => queries++,
      },
      (snapshots) => {
        chunks.push(snapshots.length);
        for (const s of snapshots) seen.push(String(s.opportunity.Id));
      },
    );
    expect(seen.sort()).toEqual([...expected].sort());
    for (const n of chunks) expect(n).toBeLessThanOrEqual(200);
    expect(progress[0]).toEqual({ done: 0, total: expected.length });
    expect(progress[progress.length - 1]).toEqual({ done: expected.length, total: expected.length });
    // Never a query per deal: COUNT, the id pages, and per chunk the Opportunity and EmailMessage
    // queries (plus a locator page where a small page size splits a chunk's results).
    expect(queries).toBeLessThan(expected.length / 5);
    expect(queries).toBeGreaterThanOrEqual(1 + Math.ceil(expected.length / PAGE) + 2 * chunks.length);
  });

  it('gives the report that scoring each deal on its own gives', async () => {
    const asOf = sb.clock.now();
    const report = await runForecast(conn, rulebook, { period, by: 'stage', asOf });
    const ids = openIn(period.from, period.to);
    const acc = new ForecastAccumulator({
      period,
      by: 'stage',
      asOf: new Date(asOf).toISOString(),
      rulesVersion: rulebook.version,
      calibration: { calibrated: false },
    });
    for (let i = 0; i < ids.length; i += 200) {
      const { snapshots } = await loadSnapshots(conn, ids.slice(i, i + 200), rulebook.fields);
      for (const s of snapshots.values()) acc.add(forecastDeal(s, scoreSnapshot(s, rulebook, asOf)));
    }
    const names = new Map([...sb.store.all('User')].map((u) => [String(u.Id), String(u.Name)]));
    expect(report).toEqual(acc.report(names));
    expect(report.largestGaps.every((d) => names.has(d.owner) === false)).toBe(true);
    expect(report.totals.count).toBe(ids.length);
    expect(report.unscored).toBe(0);
  });

  it('rules diff of a rulebook against itself moves nothing', async () => {
    const diff = await runRulesDiff(conn, { before: rulebook, after: rulebook }, { asOf: sb.clock.now() });
    expect(diff.deals).toBe(openIn(null, null).length);
    expect(diff.change).toMatchObject({ up: 0, down: 0, unchanged: diff.deals });
    expect(diff.movers).toEqual([]);
    for (const f of diff.flags) expect(f).toMatchObject({ gained: 0, lost: 0, after: f.before });
  });
});

describe('rules diff with closed history', () => {
  // A fixed clock and enough closed deals (with a planted commitment effect) for 30 won and 30 lost.
  let hist: Sandbox;
  let histConn: Connection;
  const proposed = aRulebookWith([
    'when: { signal: daysSinceLastYes, gt: 21 }',
    'when: { signal: daysSinceLastYes, gt: 60 }',
  ]);
  beforeAll(async () => {
    hist = await startSandbox({
      deals: 500,
      seed: 11,
      closedShare: 0.6,
      plantedEffect: 2,
      clock: new SandboxClock(new Date('2026-11-20T12:00:00Z')),
    });
    histConn = connect(hist);
  });
  afterAll(() => hist.close());

  const diffWith = (after: typeof rulebook) => {
    const asOf = hist.clock.now();
    const backtest = orgBacktest(histConn, { range: lastTwelveMonths(asOf), horizonDays: 30, now: asOf });
    return runRulesDiff(histConn, { before: rulebook, after }, { asOf, backtest });
  };

  it('puts both rulebooks backtest figures side by side, with Brier new − old', async () => {
    const { backtest: b } = await diffWith(proposed);
    if (b === null || b.status !== 'run') throw new Error(`expected figures, got ${JSON.stringify(b)}`);
    const closed = [...hist.store.all('Opportunity')].filter((o) => o.IsClosed).length;
    expect(b).toMatchObject({ horizonDays: 30, from: '2025-11-21', to: '2026-11-20' });
    expect(b.deals).toBeGreaterThan(0);
    expect(b.deals).toBeLessThanOrEqual(closed);
    expect(b.won).toBeGreaterThanOrEqual(30);
    expect(b.lost).toBeGreaterThanOrEqual(30);
    expect(b.before.name).toBe(`adjusted ${rulebook.version}`);
    expect(b.after.name).toBe(`adjusted ${proposed.version}`);
    for (const side of [b.stage, b.before, b.after])
      for (const e of [side.brier, side.logLoss, side.auc, side.slope, side.ece]) {
        expect(Number.isFinite(e.value)).toBe(true);
        expect(e.low).toBeLessThanOrEqual(e.value);
        expect(e.high).toBeGreaterThanOrEqual(e.value);
      }
    // The planted effect makes commitment informative: the rulebook ranks deals better than stage alone.
    expect(b.before.auc.value).toBeGreaterThan(b.stage.auc.value);
    expect(b.brierDelta.value).toBeCloseTo(b.after.brier.value - b.before.brier.value, 12);
  });

  it('gives a Brier difference of exactly 0 for the same rulebook against itself', async () => {
    const { backtest: b } = await diffWith(rulebook);
    if (b === null || b.status !== 'run') throw new Error(`expected figures, got ${JSON.stringify(b)}`);
    expect(b.brierDelta).toEqual({ value: 0, low: 0, high: 0 });
    expect(b.after).toEqual({ ...b.before, name: `${b.before.name} (#2)` });
  });
});
