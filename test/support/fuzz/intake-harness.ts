import { ScorerError } from '../../../src/lib/errors';
import { createLogger } from '../../../src/lib/logger';
import { EventIntake } from '../../../src/pipeline/intake';
import { routeEvent, type EventRoute } from '../../../src/pipeline/route-event';
import { to18 } from '../../../src/salesforce/ids';
import type { DeadLetter } from '../../../src/state/dead-letters';
import { AT, commitment, isEcho } from './event-messages';

/**
 * A real EventIntake with the real router and echo filter around fakes: the batch path (one deal per
 * call, as the intake hands them over) and the parent lookup succeed, fail once or refuse for good;
 * a catch-up sweep finishes on a later turn, as a real one begins after the call. The fakes keep the
 * model of which changes still wait to be written (`needs`) and check, whenever work is in hand, that
 * the checkpoint has not passed every event still waiting for it (the one left would replay the deal).
 */

export interface HarnessCase {
  initial: number | undefined;
  submit: 'ok' | 'fail-once' | 'refuse';
  resolve: 'found' | 'none' | 'fail-once' | 'refuse';
  /** The intake's `maxPendingDeals`; small caps leave ids to a catch-up sweep. */
  cap: number | undefined;
}

export interface HarnessCounts {
  retries: number;
  catchUps: number;
  coalesced: number;
}

export class Violation extends Error {}

export interface Harness {
  intake: EventIntake;
  routes: { replayId: number; route: EventRoute }[];
  letters: DeadLetter[];
  submitted: string[];
  catchUps: number;
  /** Opportunity id -> replay ids of the events whose change to it is neither written, dead-lettered nor swept. */
  needs: Map<string, number[]>;
  /** Catch-up sweeps not yet finished. */
  sweeping: Set<() => void>;
  /** The first broken promise seen inside a fake (thrown from there it would only fail the intake's work). */
  broken: string | undefined;
}

// pino's own JSON: a logger that serializes every line (so logging weird values is exercised) and drops it.
const logger = createLogger({ level: 'debug', destination: { write: () => undefined } });

export function startHarness(c: HarnessCase, counts: HarnessCounts): Harness {
  // One object the fakes update and the caller reads (`intake` is set once it is built).
  const h: Omit<Harness, 'intake'> = {
    routes: [],
    letters: [],
    submitted: [],
    catchUps: 0,
    needs: new Map(),
    sweeping: new Set(),
    broken: undefined,
  };
  const routeOf = new WeakMap<object, number>();
  const failed = { submit: false, resolve: false };
  const failOnce = (which: 'submit' | 'resolve', err: Error) => {
    if (failed[which]) return;
    failed[which] = true;
    counts.retries++;
    throw err;
  };
  const need = (id: string, replayId: number) => {
    const list = h.needs.get(id);
    if (list && !list.includes(replayId)) counts.coalesced++;
    h.needs.set(id, [...(list ?? []), replayId]);
  };
  // Work on an event is in hand: the checkpoint must still be before it.
  const notPast = (replayId: number | undefined, what: string) => {
    const at = intake.checkpoint;
    if (replayId !== undefined && at !== undefined && at >= replayId)
      h.broken ??= `checkpoint ${at} passed event ${replayId} while ${what}`;
  };
  // The newest event waiting for a change to the deal: a restart replays from the checkpoint, so while
  // the checkpoint is before it the deal is scored again. Older events naming the deal may be passed:
  // their change is coalesced into the deal's one write (a late lookup can join a deal a later event
  // already holds).
  const newestNeeding = (id: string) => h.needs.get(id)?.reduce((a, b) => Math.max(a, b));
  // Work that finished covers the changes asked for before it started, not those that came meanwhile.
  const snapshot = (ids: Iterable<string>) =>
    [...ids].map((id) => [id, h.needs.get(id)?.length ?? 0] as const);
  const cover = (taken: (readonly [string, number])[]) => {
    for (const [id, n] of taken) {
      const rest = (h.needs.get(id) ?? []).slice(n);
      if (rest.length > 0) h.needs.set(id, rest);
      else h.needs.delete(id);
    }
  };
  const intake = new EventIntake({
    route: (ev) => {
      const route = routeEvent(ev, { commitment, isEcho });
      h.routes.push({ replayId: ev.replayId, route });
      if (route.kind === 'score') for (const id of route.ids) need(to18(id), ev.replayId);
      if (route.kind === 'resolve') routeOf.set(route, ev.replayId);
      return route;
    },
    submit: async (ids) => {
      for (const id of ids) notPast(newestNeeding(id), `${id} was being written`);
      h.submitted.push(...ids);
      const taken = snapshot(ids);
      if (c.submit === 'refuse') throw new Error('the batch path refused these ids');
      if (c.submit === 'fail-once') failOnce('submit', new ScorerError('NETWORK', 'socket hang up'));
      cover(taken);
    },
    resolve: async (route) => {
      const replayId = routeOf.get(route);
      notPast(replayId, 'its parent was being looked up');
      if (c.resolve === 'refuse') throw new Error('the lookup refused these ids');
      if (c.resolve === 'fail-once')
        failOnce('resolve', new ScorerError('ORG_REQUEST_FAILED', 'Salesforce answered 503'));
      if (c.resolve === 'none') return [];
      const found = `006${route.recordIds[0].slice(3, 15)}`;
      if (replayId !== undefined) need(to18(found), replayId);
      return [found];
    },
    requestSweep: () => undefined,
    catchUp: (since) =>
      new Promise<void>((resolve) => {
        h.catchUps++;
        counts.catchUps++;
        if (since > AT) h.broken ??= `a catch-up since ${since} starts after the changes it covers (${AT})`;
        // Every change of the harness is stamped AT, so a sweep covers every change made before it
        // begins; it begins on a later turn, so the rest of the delivery that asked for it is covered too.
        let covered: ReturnType<typeof snapshot> = [];
        const finish = () => {
          if (!h.sweeping.delete(finish)) return;
          cover(covered);
          resolve();
        };
        h.sweeping.add(finish);
        setImmediate(() => {
          covered = snapshot(h.needs.keys());
          for (const [id] of covered) notPast(newestNeeding(id), `a catch-up sweep was covering ${id}`);
          setImmediate(finish);
        });
      }),
    deadLetter: async (letter) => {
      if (letter.replayId !== null) notPast(letter.replayId, 'it was being dead-lettered');
      h.letters.push(letter);
      if (letter.recordIds.length === 1) cover(snapshot(letter.recordIds));
    },
    saveCheckpoint: async () => undefined,
    initialReplayId: c.initial,
    checkpointEveryMs: 0,
    retryDelayMs: () => 0,
    maxPendingDeals: c.cap,
    logger,
    now: () => AT,
  });
  return Object.assign(h, { intake });
}

/**
 * Waits until the intake has no work open and no catch-up runs: with fakes that answer at once this
 * takes a few turns of the event loop; `hangMs` is a generous bound, reached only by work that never
 * finishes.
 */
export async function settle(h: Harness, hangMs: number): Promise<boolean> {
  const deadline = performance.now() + hangMs;
  for (;;) {
    // Below zero, work was released twice: a checkpoint could pass an unfinished event.
    if (h.intake.outstanding < 0) return false;
    if (h.intake.outstanding === 0 && h.intake.pendingDeals === 0 && h.sweeping.size === 0) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Stops the intake (no timer or retry left behind) and finishes any catch-up still running. */
export async function stopHarness(h: Harness): Promise<void> {
  for (const finish of [...h.sweeping]) finish();
  await h.intake.drain(0);
}
