import type { Connection } from 'jsforce';
import type { Logger } from '../lib/logger';
import type { ActiveFieldMap } from '../rules/schema';
import { chunk, inList, MAX_IDS_PER_QUERY, validateIds } from './ids';
import { loadSnapshots, type DealSnapshot } from './load-snapshots';
import { fetchPage, queryAll, type ApiCallCounter } from './paged-query';

/**
 * Every open opportunity's snapshot, optionally only those closing in a date range, handed over
 * 200 at a time: the reading the forecast and `rules diff` share. Like the sweep it holds one page
 * of ids and one chunk of snapshots at a time, and reads the next chunk only once the caller is
 * done with this one, so memory stays flat whatever the org's size.
 */

export interface OpenDealsOptions extends ApiCallCounter {
  /** Inclusive `YYYY-MM-DD` bounds on CloseDate. */
  closeFrom?: string;
  closeTo?: string;
  /** Called once the total is known, then after each chunk. */
  onProgress?: (p: { done: number; total: number }) => void;
  logger?: Logger;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function whereClause(opts: OpenDealsOptions): string {
  const parts = ['IsClosed = false'];
  // Dates are interpolated into SOQL as literals, so they must be exactly YYYY-MM-DD.
  for (const [op, value] of [
    ['>=', opts.closeFrom],
    ['<=', opts.closeTo],
  ] as const) {
    if (value === undefined) continue;
    if (!DATE.test(value)) throw new RangeError(`close date bound must be YYYY-MM-DD, got ${value}`);
    parts.push(`CloseDate ${op} ${value}`);
  }
  return parts.join(' AND ');
}

export async function forEachOpenDeal(
  conn: Connection,
  fields: ActiveFieldMap,
  opts: OpenDealsOptions,
  onChunk: (snapshots: DealSnapshot[]) => Promise<void> | void,
): Promise<{ total: number; loaded: number }> {
  const where = whereClause(opts);
  const count = await fetchPage(conn, opts, `SELECT COUNT() FROM Opportunity WHERE ${where}`, undefined);
  const progress = { done: 0, total: count.totalSize ?? 0 };
  opts.onProgress?.({ ...progress });
  // ORDER BY Id keeps the pages stable while deals change underneath.
  let page = await fetchPage(conn, opts, `SELECT Id FROM Opportunity WHERE ${where} ORDER BY Id`, undefined);
  for (;;) {
    for (const ids of chunk(
      page.records.map((r) => String(r.Id)),
      MAX_IDS_PER_QUERY,
    )) {
      const { snapshots } = await loadSnapshots(conn, ids, fields, opts);
      // A deal closed or deleted between the id page and its load is simply absent.
      await onChunk([...snapshots.values()]);
      progress.done += ids.length;
      progress.total = Math.max(progress.total, progress.done);
      opts.onProgress?.({ ...progress });
    }
    if (page.done || !page.nextRecordsUrl) break;
    page = await fetchPage(conn, opts, undefined, page.nextRecordsUrl);
  }
  return { total: progress.total, loaded: progress.done };
}

/** Users' names by id, for the forecast's owner rows; ids the org does not return keep their id. */
export async function loadUserNames(
  conn: Connection,
  ids: readonly string[],
  counter: ApiCallCounter = {},
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const valid = validateIds(
    ids.filter((id) => id.startsWith('005')),
    '005',
  );
  for (const part of chunk(valid, MAX_IDS_PER_QUERY)) {
    const rows = await queryAll(
      conn,
      `SELECT Id, Name FROM User WHERE Id IN (${inList(part)})`,
      counter,
      part.length,
    );
    for (const row of rows) if (typeof row.Name === 'string') names.set(String(row.Id), row.Name);
  }
  return names;
}
