import type { Connection } from 'jsforce';
import { ScorerError } from '../lib/errors';
import type { ActiveFieldMap } from '../rules/schema';
import { chunk, MAX_IDS_PER_QUERY } from './ids';
import { loadSnapshots, type DealSnapshot, type LoadOptions } from './load-snapshots';
import { errorCodeOf } from './org-errors';
import { fetchPage, type ApiCallCounter } from './paged-query';

/**
 * Closed opportunities whose CloseDate falls in a range, read for backtests through the same paged,
 * bounded snapshot loader the live service uses (two queries per 200 deals), plus their
 * OpportunityFieldHistory rows for the tracked inputs (a subquery of the same query). Ids come a
 * page at a time and each page is handed on before the next is read, so memory holds one page of
 * snapshots, not the whole history.
 */

export interface ClosedDealsQuery extends ApiCallCounter {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  fields: ActiveFieldMap;
  /** Org field names whose history is wanted (the reason-to-act inputs). */
  trackedFields: readonly string[];
  /** How far back activity is read, in days from today (covers the range, the horizon and its windows). */
  activityDays: number;
  maxRecordsPerQuery?: number;
  logger?: LoadOptions['logger'];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function closedDealsWhere(from: string, to: string): string {
  // Only these two values are interpolated; both are checked to be plain dates first.
  if (!DATE.test(from) || !DATE.test(to))
    throw new RangeError(`dates must be YYYY-MM-DD, got ${from}, ${to}`);
  return `IsClosed = true AND CloseDate >= ${from} AND CloseDate <= ${to}`;
}

export async function countClosedDeals(conn: Connection, q: ClosedDealsQuery): Promise<number> {
  const page = await fetchPage(
    conn,
    q,
    `SELECT COUNT() FROM Opportunity WHERE ${closedDealsWhere(q.from, q.to)}`,
    undefined,
    'Counting closed opportunities failed',
  );
  return page.totalSize ?? 0;
}

/**
 * Hands each chunk of ≤200 snapshots to `onChunk` (awaited) in CloseDate order. The next chunk is
 * requested before `onChunk` runs, so the org answers while this side scores: two chunks in memory
 * at most, and the backtest waits on the org about half as long.
 */
export async function loadClosedDeals(
  conn: Connection,
  q: ClosedDealsQuery,
  onChunk: (snapshots: DealSnapshot[]) => Promise<void> | void,
): Promise<number> {
  const soql = `SELECT Id FROM Opportunity WHERE ${closedDealsWhere(q.from, q.to)} ORDER BY CloseDate, Id`;
  const load = async (part: string[]): Promise<DealSnapshot[]> => {
    const { snapshots } = await loadSnapshots(conn, part, q.fields, {
      activityDays: q.activityDays,
      trackedFields: q.trackedFields,
      maxRecordsPerQuery: q.maxRecordsPerQuery,
      logger: q.logger,
      onApiCall: q.onApiCall,
      metrics: q.metrics,
    });
    // In the order asked for; an id the org no longer returns (deleted meanwhile) is left out.
    return part.map((id) => snapshots.get(id)).filter((s): s is DealSnapshot => s !== undefined);
  };
  let page = await fetchPage(conn, q, soql, undefined, 'Reading closed opportunity ids failed');
  let loaded = 0;
  let pending: Promise<DealSnapshot[]> | undefined;
  const handOver = async (): Promise<void> => {
    if (!pending) return;
    const ready = await pending;
    pending = undefined;
    loaded += ready.length;
    await onChunk(ready);
  };
  for (;;) {
    for (const part of chunk(
      page.records.map((r) => String(r.Id)),
      MAX_IDS_PER_QUERY,
    )) {
      const previous = pending;
      const next = load(part);
      // A failed prefetch must not go unhandled while the previous chunk is being scored.
      next.catch(() => undefined);
      pending = previous;
      await handOver();
      pending = next;
    }
    if (page.done || !page.nextRecordsUrl) break;
    page = await fetchPage(conn, q, undefined, page.nextRecordsUrl, 'Reading closed opportunity ids failed');
  }
  await handOver();
  return loaded;
}

/** Activity must reach back to the earliest day a backtest looks at, and no further than SOQL's 3650. */
export function activityDaysFor(from: string, maxHorizonDays: number, now: number): number {
  const days = Math.ceil((now - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + maxHorizonDays + 60;
  if (days > 3650)
    throw new ScorerError(
      'USAGE',
      `--from ${from} with a ${maxHorizonDays}-day horizon reaches back more than 3,650 days, the most a query can ask for`,
    );
  return Math.max(1, days);
}

/**
 * The fields among `names` that the org keeps history for, judged by whether any history row exists
 * for them (one LIMIT 1 query each). Describe calls do not say whether a field is tracked; a tracked
 * field that nobody ever changed looks untracked here, which only makes the leak warning stricter.
 */
export async function fieldsWithHistory(
  conn: Connection,
  names: readonly string[],
  counter: ApiCallCounter,
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const name of names) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`not an API name: ${name}`);
    let page;
    try {
      page = await fetchPage(
        conn,
        counter,
        `SELECT Id FROM OpportunityFieldHistory WHERE Field = '${name}' LIMIT 1`,
        undefined,
        'Reading field history failed',
      );
    } catch (err) {
      // An integration user without access to field history sees no such object: then nothing is
      // tracked as far as we can tell, and the backtest says which deals may carry the future.
      if (errorCodeOf((err as { cause?: unknown }).cause) !== 'INVALID_TYPE') throw err;
      return new Set();
    }
    if (page.records.length > 0) out.add(name);
  }
  return out;
}
