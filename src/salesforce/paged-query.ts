import type { Connection } from 'jsforce';
import type { Metrics } from '../http/metrics';
import { ScorerError } from '../lib/errors';
import { orgError } from './org-errors';

export type ApiCallKind = 'query' | 'write';

/** Where API calls are counted: a callback (tests, benchmarks) and/or the service's metrics. */
export interface ApiCallCounter {
  onApiCall?: (kind: ApiCallKind) => void;
  metrics?: Pick<Metrics, 'apiCalls'>;
}

export function countCall(counter: ApiCallCounter, kind: ApiCallKind): void {
  counter.onApiCall?.(kind);
  counter.metrics?.apiCalls.inc({ kind });
}

export interface SfRecord {
  attributes?: unknown;
  [field: string]: unknown;
}

export interface Page {
  records: SfRecord[];
  done: boolean;
  nextRecordsUrl?: string;
  totalSize?: number;
}

/**
 * Every record of a query, following `nextRecordsUrl` page by page (Salesforce pages at 2,000 rows,
 * fewer with subqueries). We page ourselves instead of jsforce's autoFetch because autoFetch stops
 * silently at maxFetch, and a silently shortened activity list would score a deal wrongly; here
 * going past `maxRecords` is an error. Child subquery lists that are themselves paged (a parent with
 * many children) are completed the same way, so a snapshot never holds half a list.
 */
export async function queryAll(
  conn: Connection,
  soql: string,
  counter: ApiCallCounter,
  maxRecords: number,
): Promise<SfRecord[]> {
  let page = await fetchPage(conn, counter, soql, undefined);
  const records: SfRecord[] = [];
  for (;;) {
    for (const rec of page.records) await completeChildren(conn, counter, rec);
    records.push(...page.records);
    if (records.length > maxRecords)
      throw new ScorerError('ORG_REQUEST_FAILED', `A query returned more than ${maxRecords} records`, {
        retryable: false,
        context: { soql: soql.slice(0, 200), maxRecords },
      });
    if (page.done || !page.nextRecordsUrl) return records;
    page = await fetchPage(conn, counter, undefined, page.nextRecordsUrl);
  }
}

/** One page: a query's first (`soql`) or the next one (`locator`); counted, errors classified. */
export async function fetchPage(
  conn: Connection,
  counter: ApiCallCounter,
  soql: string | undefined,
  locator: string | undefined,
  what = 'Salesforce query failed',
): Promise<Page> {
  countCall(counter, 'query');
  try {
    // autoFetch off: one request per page, so the caller sees (and counts) every call.
    const result = soql !== undefined ? await conn.query(soql) : await conn.queryMore(locator as string);
    return {
      records: result.records as SfRecord[],
      done: result.done,
      nextRecordsUrl: result.nextRecordsUrl,
      totalSize: result.totalSize,
    };
  } catch (err) {
    throw orgError(err, what);
  }
}

async function completeChildren(conn: Connection, counter: ApiCallCounter, rec: SfRecord): Promise<void> {
  for (const value of Object.values(rec)) {
    if (!isChildList(value)) continue;
    let next = value.done === false ? value.nextRecordsUrl : undefined;
    while (next) {
      const more = await fetchPage(conn, counter, undefined, next);
      value.records.push(...more.records);
      next = more.done ? undefined : more.nextRecordsUrl;
    }
    value.done = true;
    delete value.nextRecordsUrl;
  }
}

function isChildList(v: unknown): v is Page {
  return typeof v === 'object' && v !== null && Array.isArray((v as Page).records) && 'done' in v;
}
