import type { Connection } from 'jsforce';
import type { Metrics } from '../http/metrics';
import type { Logger } from '../lib/logger';
import { channelEntities, newestModstamp, type ModifiedSource } from '../salesforce/modstamps';
import type { ApiCallKind } from '../salesforce/paged-query';
import { DriftCheck } from './drift-check';
import { runCatchUp } from './sweep-catch-up';
import { SweepScheduler } from './sweep-scheduler';

/**
 * Wires the drift check to its two remedies (rebuild the subscription, catch up by SystemModstamp)
 * and runs catch-up sweeps one at a time: requests during a run coalesce to the earliest `since`.
 * The pending-work cap asks for catch-ups through the same door.
 */

export interface DeafnessGuardOptions {
  connection: () => Connection;
  channel: string;
  /** The related object that holds commitments, and its field naming the opportunity. */
  commitment: { object: string; opportunity: string };
  /** Time between drift checks; undefined = no drift check (DRIFT_CHECK_INTERVAL=off). */
  intervalMs: number | undefined;
  graceMs: number;
  slackMs?: number;
  newestSeen: () => number | undefined;
  rebuildSubscription: () => void;
  submit: (ids: string[]) => Promise<void>;
  logger: Logger;
  metrics?: Metrics;
  onApiCall?: (kind: ApiCallKind) => void;
  /** Delay before a failed catch-up is tried again. */
  retryMs?: number;
}

export interface DeafnessGuard {
  start(): void;
  stop(): Promise<void>;
  /**
   * Rescore every deal modified after `since` (ms, org time). Resolves once a catch-up that began
   * after this call has finished (a failed one is retried, so it may take a while); never rejects.
   */
  catchUp(since: number, reason: string): Promise<void>;
  /** Resolves when no catch-up runs or is owed. */
  idle(): Promise<void>;
}

export function createDeafnessGuard(opts: DeafnessGuardOptions): DeafnessGuard {
  const { object, opportunity } = opts.commitment;
  const entities = channelEntities(opts.channel, ['Task', 'Event', 'OpportunityContactRole', object]);
  const parentField: Record<string, string> = {
    Opportunity: 'Id',
    Task: 'WhatId',
    Event: 'WhatId',
    OpportunityContactRole: 'OpportunityId',
    [object]: opportunity,
  };
  const sources: ModifiedSource[] = entities
    .filter((entity) => parentField[entity] !== undefined)
    .map((entity) => ({ entity, field: parentField[entity] }));
  const counter = { onApiCall: opts.onApiCall, metrics: opts.metrics };
  const log = opts.logger;

  let owedSince: number | undefined;
  /** Callers waiting for a catch-up that starts after their call. */
  let waiting: (() => void)[] = [];
  const catchUps = new SweepScheduler({
    intervalMs: undefined,
    retryMs: opts.retryMs,
    logger: log,
    sweep: async (signal) => {
      const since = owedSince ?? 0;
      owedSince = undefined;
      // Only those who asked before this run began are covered by it.
      const covered = waiting;
      waiting = [];
      try {
        const result = await runCatchUp(opts.connection(), {
          ...counter,
          since,
          sources,
          submit: opts.submit,
          signal,
          logger: log,
        });
        opts.metrics?.sweeps.inc({ outcome: result.stopped ? 'catch_up_stopped' : 'caught_up' });
        if (result.stopped) waiting.push(...covered);
        else for (const done of covered) done();
        return result;
      } catch (err) {
        // Not done: owed again from the same moment (a later request may have lowered it).
        owedSince = Math.min(owedSince ?? since, since);
        waiting.push(...covered);
        throw err;
      }
    },
  });

  const drift =
    opts.intervalMs === undefined
      ? undefined
      : new DriftCheck({
          intervalMs: opts.intervalMs,
          graceMs: opts.graceMs,
          slackMs: opts.slackMs,
          newestInOrg: () => newestModstamp(opts.connection(), entities, counter),
          newestSeen: opts.newestSeen,
          logger: log,
          onCheck: (outcome) => opts.metrics?.driftChecks.inc({ outcome }),
          onDrift: (since) => {
            opts.rebuildSubscription();
            void guard.catchUp(since, 'drift');
          },
        });

  const guard: DeafnessGuard = {
    start: () => drift?.start(),
    stop: async () => {
      await drift?.stop();
      await catchUps.stop();
    },
    catchUp: (since, reason) => {
      owedSince = Math.min(owedSince ?? since, since);
      const done = new Promise<void>((resolve) => waiting.push(resolve));
      catchUps.trigger(`catch-up: ${reason}`);
      return done;
    },
    idle: () => catchUps.idle(),
  };
  return guard;
}
