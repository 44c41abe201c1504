import type { Connection } from 'jsforce';
import type { Logger } from '../lib/logger';
import type { ActiveFieldMap } from '../rules/schema';
import { chunk, inList, MAX_IDS_PER_QUERY, validateIds } from './ids';
import { queryAll, type ApiCallCounter, type SfRecord } from './paged-query';
import { errorCodeOf } from './org-errors';
import * as F from './snapshot-fields';

/**
 * Loads deal snapshots (the shape of src/scoring/snapshot.schema.json) for a batch of opportunities with a constant number of
 * queries per 200 ids, whatever the batch holds: one Opportunity query whose subqueries bring the
 * contact roles, stage history, commitments, tasks and meetings, plus one EmailMessage query by
 * parent id. There is never a query per deal: that is what keeps a burst under its API budget.
 */

export interface LoadOptions extends ApiCallCounter {
  /** Activities (tasks, events, emails) older than this are left out; scoring windows are ≤ 45 days. */
  activityDays?: number;
  /** Guard per query against unbounded memory; past it the load fails rather than truncating. */
  maxRecordsPerQuery?: number;
  logger?: Logger;
  /** Also bring OpportunityFieldHistory rows of these fields (backtests); the live service needs none. */
  trackedFields?: readonly string[];
}

export interface DealSnapshot {
  opportunity: Record<string, unknown>;
  contactRoles: Record<string, unknown>[];
  tasks: Record<string, unknown>[];
  events: Record<string, unknown>[];
  emails: Record<string, unknown>[];
  history: Record<string, unknown>[];
  commitments: Record<string, unknown>[];
  /** Present only when `trackedFields` asked for it. */
  fieldHistory?: Record<string, unknown>[];
}

export interface LoadedSnapshots {
  /** Keyed by the 18-character id; an id the org does not return (deleted, no access) is absent. */
  snapshots: Map<string, DealSnapshot>;
  /** The output fields' current values per id, for the write planner's comparison. */
  current: Map<string, Record<string, unknown>>;
}

export const DEFAULT_ACTIVITY_DAYS = 120;
const DEFAULT_MAX_RECORDS = 100_000;

export async function loadSnapshots(
  conn: Connection,
  ids: readonly string[],
  fields: ActiveFieldMap,
  opts: LoadOptions = {},
): Promise<LoadedSnapshots> {
  const valid = validateIds(ids); // before any request: nothing unchecked reaches SOQL
  const days = activityDays(opts.activityDays);
  const out: LoadedSnapshots = { snapshots: new Map(), current: new Map() };
  for (const part of chunk(valid, MAX_IDS_PER_QUERY)) {
    const loaded = await loadChunk(conn, part, fields, days, opts);
    for (const [id, snap] of loaded.snapshots) out.snapshots.set(id, snap);
    for (const [id, cur] of loaded.current) out.current.set(id, cur);
  }
  return out;
}

function activityDays(days: number | undefined): number {
  const n = days ?? DEFAULT_ACTIVITY_DAYS;
  // It is interpolated into SOQL, so it must be a plain integer.
  if (!Number.isInteger(n) || n < 1 || n > 3650)
    throw new RangeError(`activityDays must be 1-3650, got ${n}`);
  return n;
}

async function loadChunk(
  conn: Connection,
  ids: string[],
  fields: ActiveFieldMap,
  days: number,
  opts: LoadOptions,
): Promise<LoadedSnapshots> {
  const max = opts.maxRecordsPerQuery ?? DEFAULT_MAX_RECORDS;
  const list = inList(ids);
  // Two independent queries, run together: a batch costs one round trip of latency.
  const [opps, emails] = await Promise.all([
    queryAll(conn, F.opportunityQuery(fields, list, days, opts.trackedFields), opts, max),
    loadEmails(conn, F.emailQuery(list, days), opts, max),
  ]);
  const emailsByParent = groupBy(emails, 'RelatedToId');
  const out: LoadedSnapshots = { snapshots: new Map(), current: new Map() };
  for (const opp of opps) {
    const id = String(opp.Id);
    const snapshot = buildSnapshot(opp, fields, emailsByParent.get(id) ?? []);
    if (opts.trackedFields?.length)
      snapshot.fieldHistory = children(opp, 'Histories').map((r) => pick(r, F.FIELD_HISTORY_FIELDS));
    out.snapshots.set(id, snapshot);
    out.current.set(id, pick(opp, Object.values(fields.outputs)));
  }
  return out;
}

/**
 * EmailMessage exists only with Enhanced Email (or Email-to-Case); elsewhere the query fails with
 * INVALID_TYPE. Emails are then simply not a source: the scoring falls back to email Tasks.
 */
async function loadEmails(
  conn: Connection,
  soql: string,
  opts: LoadOptions,
  max: number,
): Promise<SfRecord[]> {
  try {
    return await queryAll(conn, soql, opts, max);
  } catch (err) {
    if (errorCodeOf((err as { cause?: unknown }).cause) !== 'INVALID_TYPE') throw err;
    opts.logger?.warn('EmailMessage is not available in this org; emails are read from Tasks only');
    return [];
  }
}

function buildSnapshot(opp: SfRecord, fields: ActiveFieldMap, emails: SfRecord[]): DealSnapshot {
  const c = fields.commitment;
  return {
    opportunity: pick(opp, F.opportunityFields(fields)),
    contactRoles: children(opp, 'OpportunityContactRoles').map((r) => pick(r, F.CONTACT_ROLE_FIELDS)),
    tasks: children(opp, 'Tasks').map((r) => pick(r, F.TASK_FIELDS)),
    events: children(opp, 'Events').map((r) => pick(r, F.EVENT_FIELDS)),
    emails: emails.map((r) => pick(r, F.EMAIL_FIELDS)),
    history: children(opp, 'OpportunityHistories').map((r) => pick(r, F.HISTORY_FIELDS)),
    // The org's names for the yes-ledger fields become the snapshot's canonical ones.
    commitments: children(opp, c.relationship).map((r) => ({
      Type__c: r[c.type] ?? null,
      Owner_Side__c: r[c.ownerSide] ?? null,
      Status__c: r[c.status] ?? null,
      Due_Date__c: r[c.dueDate] ?? null,
      Completed_Date__c: r[c.completedDate] ?? null,
      Contact__c: r[c.contact] ?? null,
      CreatedDate: r.CreatedDate ?? null,
    })),
  };
}

/** A subquery's rows; Salesforce returns null, not an empty list, when a parent has no children. */
function children(rec: SfRecord, relationship: string): SfRecord[] {
  const v = rec[relationship] as { records?: SfRecord[] } | null | undefined;
  return v?.records ?? [];
}

/** Only the named fields, which also drops jsforce's `attributes` and the subquery containers. */
function pick(rec: SfRecord, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = rec[name] ?? null;
  return out;
}

function groupBy(records: SfRecord[], key: string): Map<string, SfRecord[]> {
  const out = new Map<string, SfRecord[]>();
  for (const rec of records) {
    const k = String(rec[key]);
    const list = out.get(k);
    if (list) list.push(rec);
    else out.set(k, [rec]);
  }
  return out;
}
