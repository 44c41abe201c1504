import { ScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { SweepResult } from './sweep';

/**
 * Runs the reconciliation sweep on a timer and on demand (POST /v1/admin/sweep, a GAP_OVERFLOW event),
 * one at a time: a second sweep while one runs would only score every deal twice, so a trigger during a
 * run is refused and the caller told so. A scheduled tick that finds a sweep running is skipped.
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

export class SweepScheduler {
  private readonly timers: SchedulerTimers;
  private readonly now: () => number;
  private timer: unknown;
  private current: { run: SweepRun; controller: AbortController; done: Promise<void> } | undefined;
  private last: SweepRun | undefined;
  private stopped = false;

  constructor(private readonly options: SweepSchedulerOptions) {
    const { intervalMs } = options;
    if (intervalMs !== undefined && !(Number.isInteger(intervalMs) && intervalMs > 0))
      throw new RangeError(`intervalMs must be a positive whole number, got ${intervalMs}`);
    if (intervalMs !== undefined && intervalMs > MAX_INTERVAL_MS)
      throw new RangeError(`intervalMs must be at most ${MAX_INTERVAL_MS}, got ${intervalMs}`);
    this.timers = options.timers ?? nodeTimers;
    this.now = options.now ?? Date.now;
  }

  /** Arms the schedule: the first sweep runs one interval from now. */
  start(): void {
    if (this.stopped || this.options.intervalMs === undefined || this.timer !== undefined) return;
    this.arm(this.options.intervalMs);
  }

  /** Starts a sweep unless one is running (or the scheduler is stopped). */
  trigger(reason: string): { started: boolean } {
    if (this.stopped || this.current) {
      this.options.logger?.info(
        { reason, runningSince: this.current?.run.startedAt, stopped: this.stopped },
        'Sweep not started: one is running or the scheduler is stopped',
      );
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

  /** Resolves when no sweep is running (at once when none is). */
  async idle(): Promise<void> {
    await this.current?.done;
  }

  /** Ends the schedule, aborts a running sweep and waits until it has stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.current?.controller.abort();
    await this.idle();
  }

  private arm(ms: number): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.trigger('schedule');
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
    }
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
