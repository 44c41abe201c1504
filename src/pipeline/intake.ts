import type { Metrics } from '../http/metrics';
import { isScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { to18 } from '../salesforce/ids';
import type { DeadLetter } from '../state/dead-letters';
import { parseChangeEvent, replayIdOf, type ChangeEvent, type EventRoute } from './route-event';
import { Watermark } from './watermark';

/**
 * Takes change events as the stream delivers them and sees each one through: routed, its deals
 * scored and written (or dead-lettered), and only then counted into the replay watermark that the
 * checkpoint stores. A failure worth retrying (network, 5xx, the org's API limit, an expired token)
 * keeps the event unfinished and tries again later, so the checkpoint cannot pass it; a failure that
 * will never succeed (a malformed event) is dead-lettered with its replay id. Nothing is dropped.
 */

export interface IntakeOptions {
  route: (ev: ChangeEvent) => EventRoute;
  /** The batch path: resolves when these opportunity ids are scored and written. */
  submit: (ids: string[]) => Promise<void>;
  /** Finds the opportunities of related records (tasks, contact roles, …) the event did not name. */
  resolve: (route: Extract<EventRoute, { kind: 'resolve' }>) => Promise<string[]>;
  requestSweep: (reason: string) => void;
  deadLetter: (letter: DeadLetter) => Promise<unknown>;
  /** Persists the watermark; called after events finish, at most once per `checkpointEveryMs`. */
  saveCheckpoint: (replayId: number) => Promise<void>;
  initialReplayId: number | undefined;
  checkpointEveryMs?: number;
  /** Delay before retry number `attempt` of a failed event. */
  retryDelayMs: (attempt: number, err: unknown) => number;
  logger: Logger;
  metrics?: Metrics;
  now: () => number;
}

export class EventIntake {
  private readonly watermark: Watermark;
  private maxSeen: number;
  private saved: number | undefined;
  private saving: Promise<void> = Promise.resolve();
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly replayIds = new Map<string, number>();
  private readonly stopping = new AbortController();
  private failure: string | undefined;

  constructor(private readonly opts: IntakeOptions) {
    this.watermark = new Watermark(opts.initialReplayId);
    this.saved = opts.initialReplayId;
    this.maxSeen = opts.initialReplayId ?? Number.NEGATIVE_INFINITY;
  }

  /** The newest replay id up to which every event is finished. */
  get checkpoint(): number | undefined {
    return this.watermark.value;
  }

  get outstanding(): number {
    return this.watermark.outstanding;
  }

  /** Why events are not finishing (a failure being retried), for /readyz; undefined when they are. */
  get failing(): string | undefined {
    return this.failure;
  }

  /**
   * The org refused the stored replay id and the subscription starts over from what it retains: those
   * replay ids may be lower than the ones seen before (another org, a refreshed sandbox), so forget
   * which ids were seen rather than skip them as duplicates.
   */
  replayRestarted(): void {
    this.maxSeen = Number.NEGATIVE_INFINITY;
  }

  /** The change event behind an opportunity id, for dead letters. */
  replayIdOf(id: string): number | null {
    return this.replayIds.get(to18(id)) ?? null;
  }

  /** Called by the subscriber for every message, in delivery order; never throws. */
  accept(message: unknown): void {
    const replayId = replayIdOf(message);
    // A rebuilt subscription replays from the checkpoint, so events still in flight come again.
    if (replayId !== null && replayId <= this.maxSeen) {
      this.opts.metrics?.eventsSkipped.inc({ reason: 'duplicate' });
      return;
    }
    if (replayId !== null) this.maxSeen = replayId;
    const finish = replayId === null ? () => undefined : this.watermark.received(replayId);
    const work = this.handle(message).then((finished) => {
      if (!finished) return;
      finish();
      this.scheduleSave();
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /**
   * Stops taking new work, waits up to `deadlineMs` for events in flight, then writes the checkpoint.
   * Events still unfinished at the deadline are left out of it and come again after a restart.
   */
  async drain(deadlineMs: number): Promise<void> {
    const all = Promise.all([...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    const result = await Promise.race([all.then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (result === 'late') {
      this.opts.logger.warn(
        { unfinished: this.outstanding },
        'Drain deadline reached; unfinished events will be replayed',
      );
      this.stopping.abort();
    }
    await this.flush();
  }

  async flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const value = this.watermark.value;
    // A failed save must not poison the chain: the next flush tries again.
    this.saving = this.saving
      .catch(() => undefined)
      .then(async () => {
        if (value === undefined || value === this.saved) return;
        await this.opts.saveCheckpoint(value);
        this.saved = value;
      });
    await this.saving;
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.flush().catch((err: unknown) =>
        this.opts.logger.error(
          { err },
          'Could not write the replay checkpoint; it is retried with the next event',
        ),
      );
    }, this.opts.checkpointEveryMs ?? 1000);
    this.saveTimer.unref();
  }

  /** Resolves true when the event is finished (done, skipped or dead-lettered), false when abandoned. */
  private async handle(message: unknown): Promise<boolean> {
    let ev: ChangeEvent | undefined;
    try {
      ev = parseChangeEvent(message);
      this.opts.metrics?.eventsReceived.inc({ entity: ev.header.entityName });
      const route = this.opts.route(ev);
      const finished = await this.follow(ev, route);
      if (finished) this.observeLag(ev);
      return finished;
    } catch (err) {
      await this.deadLetterEvent(message, ev, err);
      return true;
    }
  }

  private async follow(ev: ChangeEvent, route: EventRoute): Promise<boolean> {
    const log = this.opts.logger;
    switch (route.kind) {
      case 'skip':
        this.opts.metrics?.eventsSkipped.inc({ reason: route.reason.split(' ')[0] });
        log.debug({ replayId: ev.replayId, reason: route.reason }, 'Change event skipped');
        return true;
      case 'sweep':
        log.warn({ replayId: ev.replayId, reason: route.reason }, 'Change event asks for a sweep');
        this.opts.requestSweep(route.reason);
        return true;
      case 'resolve': {
        const found = await this.withRetry(ev, () => this.opts.resolve(route));
        if (found === undefined) return false;
        return found.value.length === 0 || this.scoreIds(ev, found.value);
      }
      case 'score':
        return this.scoreIds(ev, route.ids);
    }
  }

  private async scoreIds(ev: ChangeEvent, ids: string[]): Promise<boolean> {
    const full = ids.map(to18);
    for (const id of full) this.replayIds.set(id, ev.replayId);
    const done = await this.withRetry(ev, () => this.opts.submit(full));
    for (const id of full) if (this.replayIds.get(id) === ev.replayId) this.replayIds.delete(id);
    if (done === undefined) return false;
    this.opts.metrics?.eventsProcessed.inc();
    return true;
  }

  /** Runs `work` until it succeeds or fails for good (thrown); undefined when the drain gave up on it. */
  private async withRetry<T>(ev: ChangeEvent, work: () => Promise<T>): Promise<{ value: T } | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await work();
        this.failure = undefined;
        return { value };
      } catch (err) {
        if (!worthRetrying(err)) throw err;
        this.failure = `${isScorerError(err) ? err.code : 'ERROR'}: ${(err as Error).message}`;
        const delay = this.opts.retryDelayMs(attempt, err);
        this.opts.logger.warn(
          {
            replayId: ev.replayId,
            attempt,
            retryInMs: delay,
            code: isScorerError(err) ? err.code : undefined,
            err,
          },
          'Change event not finished; trying again',
        );
        if (!(await this.sleep(delay))) return undefined;
      }
    }
  }

  private sleep(ms: number): Promise<boolean> {
    const signal = this.stopping.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async deadLetterEvent(message: unknown, ev: ChangeEvent | undefined, err: unknown): Promise<void> {
    const code = isScorerError(err) ? err.code : 'INTERNAL';
    const letter: DeadLetter = {
      at: new Date(this.opts.now()).toISOString(),
      replayId: ev?.replayId ?? replayIdOf(message),
      recordIds: ev?.header.recordIds ?? [],
      code,
      reason: err instanceof Error ? err.message : String(err),
    };
    this.opts.metrics?.deadLetters.inc({ code });
    this.opts.logger.error(
      { replayId: letter.replayId, code, reason: letter.reason },
      'Change event dead-lettered',
    );
    // The store does not reject: a letter it cannot save (full or read-only STATE_DIR) is logged whole
    // and /readyz says so. Exiting instead would restart into the same disk and never move on.
    await this.opts.deadLetter(letter);
  }

  private observeLag(ev: ChangeEvent): void {
    const at = ev.header.commitTimestamp;
    if (typeof at === 'number') this.opts.metrics?.lag.observe(Math.max(0, this.opts.now() - at) / 1000);
  }
}

/**
 * A whole batch failing is never about one record (row failures are dead-lettered by the write-back):
 * it is the network, the org (5xx, locks, its daily limit, an expired token) or its configuration (a
 * field the integration user cannot read). All of these get better only with time or an operator, and
 * dead-lettering every event meanwhile would move the checkpoint past changes nobody wrote, so they
 * are retried with backoff and /readyz says why. What is wrong with the event itself, or a bug, is
 * dead-lettered.
 */
function worthRetrying(err: unknown): boolean {
  if (!isScorerError(err)) return false;
  return err.retryable || err.kind === 'org' || err.kind === 'network';
}
