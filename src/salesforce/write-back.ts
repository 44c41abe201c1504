import type { Connection, SaveResult } from 'jsforce';
import type { Metrics } from '../http/metrics';
import { ScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { RecordUpdate } from '../pipeline/plan-writes';
import type { DeadLetterStore } from '../state/dead-letters';
import { apiUsageRatio, DEFAULT_MAX_API_USAGE } from './api-usage';
import { chunk, MAX_IDS_PER_QUERY } from './ids';
import { errorCodeOf, isLimitExceeded, isTransient, orgError } from './org-errors';
import { countCall, type ApiCallCounter } from './paged-query';

/**
 * Writes planned updates with sObject Collections (≤ 200 rows a call, allOrNone=false, so one bad
 * row does not roll back the others). The call answers 200 even when rows fail, so every row's
 * SaveResult is read: locked rows are retried with jittered backoff, permanent failures are
 * dead-lettered with their reason. jsforce never retries a PATCH, so whole-call 5xx and network
 * failures are retried here too; values are absolute, so resending after an unknown outcome is safe.
 */

export interface WriteBackOptions extends ApiCallCounter {
  deadLetters: Pick<DeadLetterStore, 'add'>;
  /** The change event behind a row (or the whole batch), recorded with dead letters; null for sweeps. */
  replayId: number | null | ((id: string) => number | null);
  maxAttempts?: number;
  /**
   * A row still locked (or unavailable) after the last attempt: true hands it back in `deferred`
   * for a delayed retry instead of dead-lettering it. Absent: dead-lettered (the one-off CLI sweep).
   */
  deferLocked?: (id: string) => boolean;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Refuse to write at or above this share of the org's daily API allocation. */
  maxApiUsage?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
  logger?: Logger;
  metrics?: Pick<Metrics, 'apiCalls' | 'rowsWritten' | 'apiUsage'>;
}

export interface RowFailure {
  id: string;
  code: string;
  message: string;
}

export interface WriteSummary {
  written: number;
  /** Row retries (a row retried twice counts twice). */
  retried: number;
  deadLettered: number;
  failures: RowFailure[];
  /** Rows still locked after every attempt, handed back for a delayed retry (see `deferLocked`). */
  deferred: RowFailure[];
}

/** Row errors worth another try: another transaction holds the row (or its parent Account). */
const RETRYABLE_ROW_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE']);

export async function writeBack(
  conn: Connection,
  updates: readonly RecordUpdate[],
  opts: WriteBackOptions,
): Promise<WriteSummary> {
  const summary: WriteSummary = { written: 0, retried: 0, deadLettered: 0, failures: [], deferred: [] };
  // Collections take at most 200 records; jsforce sends more in one call unless told otherwise.
  for (const part of chunk(updates, MAX_IDS_PER_QUERY)) {
    await writeChunk(conn, part, opts, summary);
  }
  return summary;
}

async function writeChunk(
  conn: Connection,
  rows: RecordUpdate[],
  opts: WriteBackOptions,
  summary: WriteSummary,
): Promise<void> {
  const maxAttempts = opts.maxAttempts ?? 5;
  let pending = rows;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const last = attempt >= maxAttempts;
    const results = await callCollections(conn, pending, opts, summary, last);
    if (results === undefined) {
      summary.retried += pending.length;
      opts.metrics?.rowsWritten.inc({ outcome: 'retried' }, pending.length);
      await pause(attempt, opts);
      continue;
    }
    const retry: RecordUpdate[] = [];
    for (let i = 0; i < pending.length; i++) {
      const failure = rowFailure(pending[i].Id, results[i]);
      if (!failure) {
        summary.written++;
        opts.metrics?.rowsWritten.inc({ outcome: 'written' });
      } else if (RETRYABLE_ROW_CODES.has(failure.code) && !last) {
        retry.push(pending[i]);
      } else if (RETRYABLE_ROW_CODES.has(failure.code) && opts.deferLocked?.(failure.id)) {
        // A lock held longer than our attempts (a long Apex transaction, a bulk load on the parent
        // Account) is not a refusal: the row waits for a delayed retry rather than a dead letter.
        summary.deferred.push(failure);
        opts.metrics?.rowsWritten.inc({ outcome: 'deferred' });
        opts.logger?.info({ ...failure, attempts: attempt }, 'Row still locked; retrying it later');
      } else {
        await deadLetter(failure, opts, summary);
      }
    }
    if (retry.length > 0) {
      summary.retried += retry.length;
      opts.metrics?.rowsWritten.inc({ outcome: 'retried' }, retry.length);
      opts.logger?.info({ rows: retry.length, attempt }, 'Retrying rows locked by another transaction');
      await pause(attempt, opts);
    }
    pending = retry;
  }
}

/**
 * One collections PATCH. Returns the row results, or undefined when the whole call failed in a way
 * that is worth repeating (and attempts remain); throws for everything else.
 */
async function callCollections(
  conn: Connection,
  rows: RecordUpdate[],
  opts: WriteBackOptions,
  summary: WriteSummary,
  last: boolean,
): Promise<SaveResult[] | undefined> {
  checkBudget(conn, opts, summary);
  countCall(opts, 'write');
  let results: SaveResult[];
  try {
    results = await conn.sobject('Opportunity').update(rows, { allOrNone: false });
  } catch (err) {
    // 403 REQUEST_LIMIT_EXCEEDED: the caller pauses writes and holds the checkpoint; retrying now would fail again.
    if (isLimitExceeded(err)) throw orgError(err, 'Writing opportunities refused', { ...counts(summary) });
    if (isTransient(err) && !last) {
      opts.logger?.warn({ code: errorCodeOf(err), rows: rows.length }, 'Write failed as a whole; retrying');
      return undefined;
    }
    throw orgError(err, 'Writing opportunities failed', { ...counts(summary) });
  } finally {
    recordUsage(conn, opts);
  }
  if (!Array.isArray(results) || results.length !== rows.length) {
    // Results come back in request order, one per row; anything else cannot be matched to rows.
    throw new ScorerError(
      'ORG_REQUEST_FAILED',
      'sObject Collections answered with a result per row missing',
      {
        context: { sent: rows.length, received: Array.isArray(results) ? results.length : null },
      },
    );
  }
  return results;
}

function rowFailure(id: string, result: SaveResult | undefined): RowFailure | undefined {
  if (result?.success) return undefined;
  // Collections rows carry `statusCode`; jsforce's type says `errorCode` (the top-level REST name).
  const first = (result?.errors?.[0] ?? {}) as {
    statusCode?: string;
    errorCode?: string;
    message?: string;
    fields?: string[];
  };
  const fields = first.fields && first.fields.length > 0 ? ` (${first.fields.join(', ')})` : '';
  return {
    id,
    code: first.statusCode ?? first.errorCode ?? 'UNKNOWN',
    message: `${first.message ?? 'no message'}${fields}`,
  };
}

async function deadLetter(failure: RowFailure, opts: WriteBackOptions, summary: WriteSummary): Promise<void> {
  await opts.deadLetters.add({
    at: (opts.now?.() ?? new Date()).toISOString(),
    replayId: typeof opts.replayId === 'function' ? opts.replayId(failure.id) : opts.replayId,
    recordIds: [failure.id],
    code: failure.code,
    reason: failure.message,
  });
  summary.deadLettered++;
  summary.failures.push(failure);
  opts.metrics?.rowsWritten.inc({ outcome: 'dead_lettered' });
  opts.logger?.warn({ ...failure }, 'Opportunity row not written; dead-lettered');
}

function checkBudget(conn: Connection, opts: WriteBackOptions, summary: WriteSummary): void {
  const ratio = apiUsageRatio(conn);
  const max = opts.maxApiUsage ?? DEFAULT_MAX_API_USAGE;
  if (ratio !== undefined && ratio >= max) {
    throw new ScorerError(
      'ORG_LIMIT_EXCEEDED',
      `The org has used ${(ratio * 100).toFixed(1)}% of its daily API calls; writes pause at ${(max * 100).toFixed(0)}%`,
      { context: { ratio, max, ...counts(summary) } },
    );
  }
}

function recordUsage(conn: Connection, opts: WriteBackOptions): void {
  const ratio = apiUsageRatio(conn);
  if (ratio !== undefined) opts.metrics?.apiUsage.set(ratio);
}

const counts = (s: WriteSummary) => ({
  written: s.written,
  retried: s.retried,
  deadLettered: s.deadLettered,
});

/** Exponential backoff with equal jitter, so rows locked together do not retry in lockstep. */
export function backoffMs(
  attempt: number,
  opts: Pick<WriteBackOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
) {
  const cap = Math.min(opts.maxDelayMs ?? 30_000, (opts.baseDelayMs ?? 500) * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (cap / 2) * (opts.random ?? Math.random)());
}

function pause(attempt: number, opts: WriteBackOptions): Promise<void> {
  const ms = backoffMs(attempt, opts);
  return (opts.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t))))(ms);
}
