import type { Connection } from 'jsforce';
import type { Metrics } from '../http/metrics';
import { ScorerError, isScorerError } from '../lib/errors';
import { withDeadline } from '../lib/deadline';
import type { Logger } from '../lib/logger';
import type { Rulebook } from '../rules/load-rulebook';
import { loadSnapshots, writeBack, type ApiCallKind, type WriteSummary } from '../salesforce';
import { scoreSnapshot, type ScoreResult } from '../scoring';
import type { DeadLetterStore } from '../state/dead-letters';
import { planWrites } from './plan-writes';

/**
 * One batch, top to bottom: load the deals' snapshots with a few bulk queries, score each with the
 * pure core, keep only the values that differ from what the org holds, write those back. This is the
 * whole flow behind a change event, a sweep page and `sweep --dry-run`.
 */

export interface BatchDeps {
  connection: () => Connection;
  rulebook: () => Rulebook;
  now: () => number;
  deadLetters: Pick<DeadLetterStore, 'add'>;
  logger: Logger;
  metrics?: Metrics;
  onApiCall?: (kind: ApiCallKind) => void;
  /** The change event behind an id, for dead letters; null for sweeps. */
  replayIdOf?: (id: string) => number | null;
  /** Give up waiting for a write after this long (a reset connection can leave jsforce hanging). */
  writeTimeoutMs?: number;
  /** Give up waiting for the batch's queries after this long. */
  readTimeoutMs?: number;
  /** Score and plan, but write nothing. */
  dryRun?: boolean;
  /** Told about every deal written (not planned-and-refused, not unchanged): the latency histogram. */
  onWritten?: (id: string) => void;
  /** Told about every scored deal: the demo prints a line per deal. */
  onScored?: (result: ScoreResult, info: { name: string | null; written: boolean }) => void;
  writeOptions?: { sleep?: (ms: number) => Promise<void>; baseDelayMs?: number; maxApiUsage?: number };
  /** True: a row still locked after the in-batch attempts is handed back in `later`, not dead-lettered. */
  deferLocked?: (id: string) => boolean;
}

export interface BatchOutcome {
  requested: number;
  /** Ids the org returned no opportunity for (deleted, or not visible to the integration user). */
  missing: number;
  scored: number;
  /** Deals whose stored values already equal the new ones: nothing to write. */
  unchanged: number;
  planned: number;
  written: number;
  deadLettered: number;
  /** Deals whose rows were still locked: to be tried again after a delay (never dead-lettered yet). */
  later: string[];
}

export async function processBatch(ids: readonly string[], deps: BatchDeps): Promise<BatchOutcome> {
  const conn = deps.connection();
  const rulebook = deps.rulebook();
  const counter = { onApiCall: deps.onApiCall, metrics: deps.metrics, logger: deps.logger };
  // A half-open connection would otherwise hold every later batch for jsforce's 30-minute timeout.
  const { snapshots, current } = await withDeadline(
    loadSnapshots(conn, ids, rulebook.fields, counter),
    deps.readTimeoutMs ?? 120_000,
    noAnswer('read', deps.readTimeoutMs ?? 120_000),
  );

  const asOf = deps.now();
  const results: ScoreResult[] = [];
  let deadLettered = 0;
  for (const [id, snapshot] of snapshots) {
    try {
      results.push(scoreSnapshot(snapshot, rulebook, asOf));
    } catch (err) {
      // A record the org returned but we cannot read (say, a date we do not understand) must not
      // hold up the other deals of the batch.
      await deps.deadLetters.add(letter(id, err, deps));
      deps.metrics?.deadLetters.inc({ code: codeOf(err) });
      deadLettered++;
    }
  }

  const updates = planWrites(
    results,
    current,
    rulebook.fields.outputs,
    rulebook.source.writeSteps,
    rulebook.commitmentScore.targets.balance,
  );
  let summary: WriteSummary = { written: 0, retried: 0, deadLettered: 0, failures: [], deferred: [] };
  if (!deps.dryRun && updates.length > 0) {
    summary = await withDeadline(
      writeBack(conn, updates, {
        ...counter,
        ...deps.writeOptions,
        deadLetters: deps.deadLetters,
        deferLocked: deps.deferLocked,
        replayId: deps.replayIdOf ?? null,
        now: () => new Date(deps.now()),
      }),
      deps.writeTimeoutMs ?? 120_000,
      noAnswer('write', deps.writeTimeoutMs ?? 120_000),
    );
  }

  const failed = new Set([...summary.failures, ...summary.deferred].map((f) => f.id));
  const planned = new Set(updates.map((u) => u.Id));
  for (const result of results) {
    const id = result.opportunityId ?? '';
    const name = snapshots.get(id)?.opportunity.Name;
    const written = !deps.dryRun && planned.has(id) && !failed.has(id);
    if (written) deps.onWritten?.(id);
    deps.onScored?.(result, { name: typeof name === 'string' ? name : null, written });
  }
  const outcome: BatchOutcome = {
    requested: ids.length,
    missing: ids.length - snapshots.size,
    scored: results.length,
    unchanged: results.length - updates.length,
    planned: updates.length,
    written: summary.written,
    deadLettered: deadLettered + summary.deadLettered,
    later: summary.deferred.map((f) => f.id),
  };
  deps.metrics?.batches.inc({ outcome: 'done' });
  deps.logger.debug({ ...outcome }, 'Batch scored');
  return outcome;
}

function letter(id: string, err: unknown, deps: BatchDeps) {
  return {
    at: new Date(deps.now()).toISOString(),
    replayId: deps.replayIdOf?.(id) ?? null,
    recordIds: [id],
    code: codeOf(err),
    reason: err instanceof Error ? err.message : String(err),
  };
}

function codeOf(err: unknown): string {
  return isScorerError(err) ? err.code : 'INTERNAL';
}

/**
 * A call that neither answers nor fails is abandoned; the batch then fails as retryable and is sent
 * again. A late landing of an abandoned write is harmless unless the deal changed in between; the
 * next change or sweep corrects that.
 */
function noAnswer(what: 'read' | 'write', ms: number): () => ScorerError {
  return () => new ScorerError('NETWORK', `Salesforce did not answer a ${what} within ${ms} ms`);
}
