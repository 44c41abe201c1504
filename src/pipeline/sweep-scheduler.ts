import { isScorerError, ScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { SweepResult } from './sweep';

/**
 * Runs the reconciliation sweep on a timer and on demand (POST /v1/admin/sweep, a GAP_OVERFLOW event),
 * one at a time: two sweeps at once would only score every deal twice. A trigger during a run does not
 * start one (and the caller is told so), but one more sweep is owed and runs when the current one ends:
 * the running sweep may already have passed the deals a GAP_OVERFLOW or a refused replay id is about.
 * Triggers during one run coalesce into a single owed run. A sweep that failed on a retryable error
 * (org or network trouble) is tried again after `retryMs`, unless a run is owed anyway. A scheduled
 * tick that finds a sweep running is skipped.
 */

/** The sweep to run; it stops early (and says so) when the signal aborts. */
export type SweepFn = (signal: AbortSignal, reason: string) => Promise<SweepResult>;

/** setTimeout/clearTimeout, injectable so tests drive the schedule by hand. */
export interface SchedulerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SweepSchedulerOptions {
  sweep: SweepFn;
  /** Time between scheduled sweeps; undefined = no schedule, triggers only (SWEEP_INTERVAL=off). */
  intervalMs: number | undefined;
  /** Delay before retrying a sweep that failed on a retryable error; default 5 minutes. */
  retryMs?: number;
  logger?: Logger;
  timers?: SchedulerTimers;
  now?: () => number;
}

export interface SweepRun {
  reason: string;
  startedAt: number;
  finishedAt?: number;
  result?: SweepResult;
  error?: unknown;
}

/** Node's timers, unref()ed: a pending sweep never keeps the process alive on its own. */
export const nodeTimers: SchedulerTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The longest delay setTimeout honours (2^31-1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_INTERVAL_MS = 2 ** 31 - 1;

const DEFAULT_RETRY_MS = 5 * 60_000;

export class SweepScheduler {
  private readonly timers: SchedulerTimers;
  private readonly now: () => number;
  private timer: unknown;
  private retryTimer: unknown;
  private readonly retryMs: number;
  /** The reason of the sweep owed after the running one, if a trigger arrived during it. */
  private owed: string | undefined;
  private current: { run: SweepRun; controller: AbortController; done: Promise<void> } | undefined;
  private last: SweepRun | undefined;
  private stopped = false;

  constructor(private readonly options: SweepSchedulerOptions) {
    const { intervalMs } = options;
    if (intervalMs !== undefined && !(Number.isInteger(intervalMs) && intervalMs > 0))
      throw new RangeError(`intervalMs must be a positive whole number, got ${intervalMs}`);
    if (intervalMs !== undefined && intervalMs > MAX_INTERVAL_MS)
      throw new RangeError(`intervalMs must be at most ${MAX_INTERVAL_MS}, got ${intervalMs}`);
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    if (!(Number.isInteger(this.retryMs) && this.retryMs > 0 && this.retryMs <= MAX_INTERVAL_MS))
      throw new RangeError(
        `retryMs must be a whole number from 1 to ${MAX_INTERVAL_MS}, got ${this.retryMs}`,
      );
    this.timers = options.timers ?? nodeTimers;
    this.now = options.now ?? Date.now;
  }

  /** Arms the schedule: the first sweep runs one interval from now. */
  start(): void {
    if (this.stopped || this.options.intervalMs === undefined || this.timer !== undefined) return;
    this.arm(this.options.intervalMs);
  }

  /**
   * Starts a sweep unless the scheduler is stopped or one is running; in the latter case one more sweep
   * (with the latest reason) is owed and starts when the running one ends.
   */
  trigger(reason: string): { started: boolean } {
    if (this.stopped) {
      this.options.logger?.info({ reason }, 'Sweep not started: the scheduler is stopped');
      return { started: false };
    }
    if (this.current) {
      this.options.logger?.info(
        { reason, runningSince: this.current.run.startedAt, alreadyOwed: this.owed },
        'Sweep owed: it starts when the running one ends',
      );
      this.owed = reason;
      return { started: false };
    }
    const run: SweepRun = { reason, startedAt: this.now() };
    const controller = new AbortController();
    const done = this.execute(run, controller.signal);
    this.current = { run, controller, done };
    return { started: true };
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  /** The running sweep if any, else the last finished one. */
  get status(): { running: boolean; run: SweepRun | undefined } {
    return { running: this.running, run: this.current?.run ?? this.last };
  }

  get lastResult(): SweepResult | undefined {
    return this.last?.result;
  }

  get lastError(): unknown {
    return this.last?.error;
  }

  /**
   * Resolves when no sweep is running and none is owed (at once when none is). A timed retry is not
   * waited for: it may be minutes away.
   */
  async idle(): Promise<void> {
    // An owed run starts as the previous one ends, before its `done` resolves, so `current` is the next one.
    while (this.current) await this.current.done;
  }

  /** Ends the schedule, drops owed runs and retries, aborts a running sweep and waits until it has stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.cancelRetry();
    this.owed = undefined;
    this.current?.controller.abort();
    await this.idle();
  }

  private arm(ms: number): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      // A tick that finds a sweep running is skipped, not owed: that sweep already does what the tick asks.
      if (!this.current) this.trigger('schedule');
      this.arm(ms);
    }, ms);
  }

  private async execute(run: SweepRun, signal: AbortSignal): Promise<void> {
    const log = this.options.logger;
    log?.info({ reason: run.reason }, 'Sweep triggered');
    try {
      // Awaited after a microtask so `current` is set before the sweep can observe the scheduler.
      await Promise.resolve();
      run.result = await this.options.sweep(signal, run.reason);
    } catch (err) {
      run.error = err;
      log?.error({ err, reason: run.reason }, 'Sweep failed');
    } finally {
      run.finishedAt = this.now();
      this.last = run;
      this.current = undefined;
      this.afterRun(run);
    }
  }

  /** Starts the owed run, else schedules a retry of a run that failed on a retryable error. */
  private afterRun(run: SweepRun): void {
    if (this.stopped) return;
    const owed = this.owed;
    this.owed = undefined;
    if (owed !== undefined) {
      this.trigger(owed);
      return;
    }
    if (run.error === undefined) {
      // A sweep that succeeded covered what a pending retry would have.
      this.cancelRetry();
      return;
    }
    if (!(isScorerError(run.error) && run.error.retryable) || this.retryTimer !== undefined) return;
    this.options.logger?.info({ reason: run.reason, retryInMs: this.retryMs }, 'Sweep retry scheduled');
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) this.trigger(run.reason);
    }, this.retryMs);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MIN_INTERVAL_MS = 60_000;

/**
 * SWEEP_INTERVAL: a duration such as `24h`, `30m`, `1h30m`, `90s`, or `off` (no scheduled sweep:
 * undefined). At least a minute, because every sweep reads and scores every open deal and spends API
 * calls on it; at most 24 days, setTimeout's limit. Anything else throws CONFIG_INVALID whose message
 * reads after the variable's name ("SWEEP_INTERVAL must be …").
 */
export function parseInterval(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off') return undefined;
  const invalid = (why: string): ScorerError =>
    new ScorerError('CONFIG_INVALID', `must be ${why} (got ${JSON.stringify(text)})`, {
      context: { value: text },
    });
  if (!/^(\d+(ms|s|m|h|d))+$/.test(value)) throw invalid('a duration such as 24h, 30m or 1h30m, or off');
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(amount) * UNIT_MS[unit];
  if (ms < MIN_INTERVAL_MS) throw invalid('at least 1m');
  if (ms > MAX_INTERVAL_MS) throw invalid('at most 24d');
  return ms;
}
