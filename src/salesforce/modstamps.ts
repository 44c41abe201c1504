import type { Connection } from 'jsforce';
import { ScorerError } from '../lib/errors';
import { orgError } from './org-errors';
import { countCall, fetchPage, type ApiCallCounter } from './paged-query';

/**
 * What the org says changed, by `SystemModstamp` (indexed on every object, and moved by every save,
 * including system ones): the drift check's one call, and the catch-up sweep's id lists.
 */

/** Salesforce's Composite resource takes at most 5 queries among its subrequests. */
const QUERIES_PER_COMPOSITE = 5;

/**
 * The objects whose changes travel on `channel`: a single-entity channel (`/data/TaskChangeEvent`)
 * carries that object only; a custom channel (the one the manifests ship) or `/data/ChangeEvents`
 * carries the opportunity and its related objects. An object the drift check looks at but the channel
 * does not carry would look like lost events on every change to it, so the two must agree.
 */
export function channelEntities(channel: string, related: readonly string[]): string[] {
  const m = /^\/data\/([A-Za-z0-9_]+?)(__)?ChangeEvent$/.exec(channel);
  if (m && m[1] !== '') return [m[2] ? `${m[1]}__c` : m[1]];
  return ['Opportunity', ...related];
}

interface CompositeAnswer {
  compositeResponse?: { httpStatusCode: number; referenceId: string; body: unknown }[];
}

/**
 * The newest `SystemModstamp` over `entities` (ms since the epoch; undefined when all are empty), in
 * one Composite call: the entire series of subrequests counts as a single call against the API limit.
 */
export async function newestModstamp(
  conn: Connection,
  entities: readonly string[],
  counter: ApiCallCounter,
): Promise<number | undefined> {
  if (entities.length > QUERIES_PER_COMPOSITE)
    throw new ScorerError('INTERNAL', `At most ${QUERIES_PER_COMPOSITE} objects per drift check`);
  const base = `/services/data/v${conn.version}`;
  const compositeRequest = entities.map((entity) => ({
    method: 'GET',
    referenceId: entity,
    url: `${base}/query?q=${encodeURIComponent(`SELECT SystemModstamp FROM ${entity} ORDER BY SystemModstamp DESC LIMIT 1`)}`,
  }));
  countCall(counter, 'query');
  let answer: CompositeAnswer;
  try {
    answer = await conn.request<CompositeAnswer>({
      method: 'POST',
      url: `${base}/composite`,
      body: JSON.stringify({ allOrNone: false, compositeRequest }),
      headers: { 'Content-Type': 'application/json' },
    });
  } catch (err) {
    throw orgError(err, 'Reading the newest change in the org failed');
  }
  let newest: number | undefined;
  for (const sub of answer.compositeResponse ?? []) {
    if (sub.httpStatusCode !== 200) {
      const first = (Array.isArray(sub.body) ? sub.body[0] : sub.body) as {
        errorCode?: string;
        message?: string;
      };
      throw new ScorerError(
        'ORG_REQUEST_FAILED',
        `Reading the newest ${sub.referenceId} change failed: ${first?.errorCode ?? sub.httpStatusCode}: ${first?.message ?? ''}`,
        { retryable: sub.httpStatusCode >= 500, context: { entity: sub.referenceId } },
      );
    }
    const rec = (sub.body as { records?: { SystemModstamp?: unknown }[] }).records?.[0];
    const at = typeof rec?.SystemModstamp === 'string' ? Date.parse(rec.SystemModstamp) : NaN;
    if (Number.isFinite(at)) newest = Math.max(newest ?? at, at);
  }
  return newest;
}

/** How the records of one object lead to opportunities: the field holding the opportunity id. */
export interface ModifiedSource {
  entity: string;
  /** `Id` for Opportunity, `WhatId` for tasks and events, `OpportunityId` for contact roles, … */
  field: string;
}

/**
 * Pages of opportunity ids (not yet deduplicated, may include non-opportunity ids a polymorphic
 * WhatId holds) whose `source` records were modified after `since`; one call per page.
 */
export async function* modifiedSince(
  conn: Connection,
  source: ModifiedSource,
  since: number,
  counter: ApiCallCounter,
): AsyncGenerator<string[]> {
  // A datetime literal is unquoted in SOQL; toISOString gives the UTC form Salesforce accepts.
  const soql = `SELECT ${source.field} FROM ${source.entity} WHERE SystemModstamp > ${new Date(since).toISOString()}`;
  const what = `Reading ${source.entity} records modified since ${new Date(since).toISOString()} failed`;
  let page = await fetchPage(conn, counter, soql, undefined, what);
  for (;;) {
    yield page.records.map((r) => r[source.field]).filter((v): v is string => typeof v === 'string');
    if (page.done || !page.nextRecordsUrl) return;
    page = await fetchPage(conn, counter, undefined, page.nextRecordsUrl, what);
  }
}
