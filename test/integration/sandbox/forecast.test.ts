import type { Connection } from 'jsforce';
import { parsePeriod } from '../../../src/forecast/period';
import { ForecastAccumulator } from '../../../src/forecast/report';
import { forecastDeal, runForecast, runRulesDiff } from '../../../src/forecast/run';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { loadSnapshots } from '../../../src/salesforce';
import { forEachOpenDeal } from '../../../src/salesforce/open-deals';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { scoreSnapshot } from '../../../src/scoring';
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
