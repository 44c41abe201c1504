import type { Connection } from 'jsforce';
import type { Logger } from '../lib/logger';
import { chunk, MAX_IDS_PER_QUERY, OPPORTUNITY_PREFIX, to18 } from '../salesforce/ids';
import { modifiedSince, type ModifiedSource } from '../salesforce/modstamps';
import type { ApiCallCounter } from '../salesforce/paged-query';
import type { SweepResult } from './sweep';

/**
 * The catch-up sweep: rescores the deals modified after a moment, found by `SystemModstamp` on the
 * opportunity and on each related object of the channel (a task's WhatId, a contact role's
 * OpportunityId, a commitment's opportunity field). It repairs what a deaf subscription or ids not
 * held (the pending cap) missed, at the cost of a few id queries instead of a full sweep. Closed deals
 * are included: the change that closed one still has to be written.
 */

export interface CatchUpOptions extends ApiCallCounter {
  since: number;
  sources: readonly ModifiedSource[];
  submit: (ids: string[]) => Promise<void>;
  signal?: AbortSignal;
  logger?: Logger;
}

export async function runCatchUp(conn: Connection, opts: CatchUpOptions): Promise<SweepResult> {
  const started = Date.now();
  const result: SweepResult = { total: 0, submitted: 0, failedChunks: 0, stopped: false, durationMs: 0 };
  // Ids handed over once each, across objects: a deal edited with its tasks is scored once.
  const handed = new Set<string>();
  opts.logger?.info({ since: new Date(opts.since).toISOString() }, 'Catch-up sweep started');
  for (const source of opts.sources) {
    for await (const page of modifiedSince(conn, source, opts.since, opts)) {
      const fresh = page
        .filter((id) => id.startsWith(OPPORTUNITY_PREFIX))
        .map(to18)
        .filter((id) => !handed.has(id));
      for (const id of fresh) handed.add(id);
      result.total += fresh.length;
      for (const part of chunk(fresh, MAX_IDS_PER_QUERY)) {
        if (opts.signal?.aborted) return { ...result, stopped: true, durationMs: Date.now() - started };
        result.submitted += part.length;
        // A failure is thrown: the scheduler retries the whole catch-up; re-scoring is harmless.
        await opts.submit(part);
      }
    }
  }
  const out = { ...result, durationMs: Date.now() - started };
  opts.logger?.info({ ...out }, 'Catch-up sweep finished');
  return out;
}
