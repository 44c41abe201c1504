import { isScorerError, ScorerError } from '../../../src/lib/errors';
import type { SweepResult } from '../../../src/pipeline/sweep';
import {
  parseInterval,
  SweepScheduler,
  type SchedulerTimers,
  type SweepFn,
} from '../../../src/pipeline/sweep-scheduler';

/** Timers driven by hand: `fire()` runs whatever is due, as if its delay had passed. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let nextHandle = 1;
  const timers: SchedulerTimers = {
    setTimeout: (fn, ms) => {
      const handle = nextHandle++;
      pending.set(handle, { fn, ms });
      return handle;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  return {
    timers,
    delays: () => [...pending.values()].map((t) => t.ms),
    fire: () => {
      const due = [...pending.entries()];
      pending.clear();
      for (const [, t] of due) t.fn();
    },
  };
}

const aResult = (over: Partial<SweepResult> = {}): SweepResult => ({
  total: 10,
  submitted: 10,
  failedChunks: 0,
  stopped: false,
  durationMs: 5,
  ...over,
});

/** A sweep that waits until the test finishes it; records reasons and signals. */
function controllableSweep() {
  const calls: {
    reason: string;
    signal: AbortSignal;
    finish: (r?: SweepResult) => void;
    fail: (e: unknown) => void;
  }[] = [];
  const sweep: SweepFn = (signal, reason) =>
    new Promise<SweepResult>((resolve, reject) => {
      calls.push({ reason, signal, finish: (r) => resolve(r ?? aResult()), fail: reject });
      // As runSweep does: an already aborted signal stops at once.
      if (signal.aborted) resolve(aResult({ stopped: true }));
      signal.addEventListener('abort', () => resolve(aResult({ stopped: true })));
    });
  return { sweep, calls };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('the sweep scheduler', () => {
  it('runs a sweep every interval once started, and not before', async () => {
    const t = manualTimers();
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: 3_600_000, timers: t.timers });
    expect(t.delays()).toEqual([]);
    scheduler.start();
    expect(t.delays()).toEqual([3_600_000]);
    t.fire();
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['schedule']);
    calls[0].finish();
    await scheduler.idle();
    t.fire();
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['schedule', 'schedule']);
    expect(t.delays()).toEqual([3_600_000]);
    await scheduler.stop();
  });

  it('arms no timer when the interval is off, yet still runs triggered sweeps', async () => {
    const t = manualTimers();
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, timers: t.timers });
    scheduler.start();
    expect(t.delays()).toEqual([]);
    expect(scheduler.trigger('admin')).toEqual({ started: true });
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['admin']);
    await scheduler.stop();
  });

  it('does not start a second sweep while one runs, and accepts a trigger after it finished', async () => {
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, timers: manualTimers().timers });
    expect(scheduler.trigger('admin')).toEqual({ started: true });
    expect(scheduler.running).toBe(true);
    expect(scheduler.trigger('gap-overflow')).toEqual({ started: false });
    await flush();
    expect(calls).toHaveLength(1);
    calls[0].finish();
    await flush();
    calls[1].finish();
    await scheduler.idle();
    expect(scheduler.running).toBe(false);
    expect(scheduler.trigger('gap-overflow')).toEqual({ started: true });
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['admin', 'gap-overflow', 'gap-overflow']);
    await scheduler.stop();
  });

  it('runs the sweep owed by a trigger during a run once that run ends', async () => {
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, timers: manualTimers().timers });
    scheduler.trigger('schedule');
    await flush();
    scheduler.trigger('gap-overflow');
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['schedule']);
    calls[0].finish();
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['schedule', 'gap-overflow']);
    expect(scheduler.running).toBe(true);
    await scheduler.stop();
  });

  it('runs the owed sweep after a run that failed, too', async () => {
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, timers: manualTimers().timers });
    scheduler.trigger('schedule');
    await flush();
    scheduler.trigger('replay-id-refused');
    calls[0].fail(new Error('query failed'));
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['schedule', 'replay-id-refused']);
    await scheduler.stop();
  });

  it('coalesces several triggers during one run into one owed sweep with the latest reason', async () => {
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, timers: manualTimers().timers });
    scheduler.trigger('schedule');
    await flush();
    expect(scheduler.trigger('gap-overflow')).toEqual({ started: false });
    expect(scheduler.trigger('admin')).toEqual({ started: false });
    calls[0].finish();
    await flush();
    calls[1].finish();
    await scheduler.idle();
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['schedule', 'admin']);
    expect(scheduler.running).toBe(false);
  });

  it('makes idle() wait for the owed sweep as well', async () => {
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, timers: manualTimers().timers });
    scheduler.trigger('schedule');
    await flush();
    scheduler.trigger('admin');
    let idle = false;
    const waiting = scheduler.idle().then(() => (idle = true));
    calls[0].finish(aResult({ submitted: 1 }));
    await flush();
    expect(idle).toBe(false);
    calls[1].finish(aResult({ submitted: 2 }));
    await waiting;
    expect(scheduler.status).toMatchObject({ running: false, run: { reason: 'admin' } });
    expect(scheduler.lastResult).toMatchObject({ submitted: 2 });
  });

  it('retries a sweep that failed on a retryable error after retryMs, one retry at a time', async () => {
    const t = manualTimers();
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, retryMs: 30_000, timers: t.timers });
    scheduler.trigger('gap-overflow');
    await flush();
    calls[0].fail(new ScorerError('NETWORK', 'org unreachable'));
    await scheduler.idle();
    expect(t.delays()).toEqual([30_000]);
    scheduler.trigger('admin');
    await flush();
    calls[1].fail(new ScorerError('ORG_REQUEST_FAILED', 'org unreachable'));
    await scheduler.idle();
    expect(t.delays()).toEqual([30_000]);
    t.fire();
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['gap-overflow', 'admin', 'gap-overflow']);
    calls[2].finish();
    await scheduler.idle();
    expect(t.delays()).toEqual([]);
  });

  it('retries after 5 minutes by default, and not after an error that is not retryable', async () => {
    const t = manualTimers();
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, timers: t.timers });
    scheduler.trigger('admin');
    await flush();
    calls[0].fail(new ScorerError('ORG_AUTH_FAILED', 'token revoked'));
    await scheduler.idle();
    expect(t.delays()).toEqual([]);
    scheduler.trigger('admin');
    await flush();
    calls[1].fail(new ScorerError('NETWORK', 'org unreachable'));
    await scheduler.idle();
    expect(t.delays()).toEqual([300_000]);
    await scheduler.stop();
  });

  it('does not idle() until a timed retry, nor retry when a sweep is owed anyway', async () => {
    const t = manualTimers();
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, timers: t.timers });
    scheduler.trigger('schedule');
    await flush();
    scheduler.trigger('gap-overflow');
    calls[0].fail(new ScorerError('NETWORK', 'org unreachable'));
    await flush();
    expect(t.delays()).toEqual([]);
    calls[1].fail(new ScorerError('NETWORK', 'org unreachable'));
    await scheduler.idle();
    expect(scheduler.running).toBe(false);
    expect(t.delays()).toEqual([300_000]);
    await scheduler.stop();
  });

  it('stop() cancels the owed sweep and a pending retry', async () => {
    const t = manualTimers();
    const { sweep, calls } = controllableSweep();
    const retrying = new SweepScheduler({ sweep, intervalMs: undefined, timers: t.timers });
    retrying.trigger('admin');
    await flush();
    calls[0].fail(new ScorerError('NETWORK', 'org unreachable'));
    await retrying.idle();
    expect(t.delays()).toEqual([300_000]);
    await retrying.stop();
    expect(t.delays()).toEqual([]);

    const owing = new SweepScheduler({ sweep, intervalMs: undefined, timers: t.timers });
    owing.trigger('schedule');
    await flush();
    owing.trigger('gap-overflow');
    await owing.stop();
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['admin', 'schedule']);
    expect(owing.running).toBe(false);
    expect(t.delays()).toEqual([]);
  });

  it('skips a scheduled tick that finds a sweep running, and keeps the schedule', async () => {
    const t = manualTimers();
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: 60_000, timers: t.timers });
    scheduler.start();
    scheduler.trigger('admin');
    t.fire();
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['admin']);
    expect(t.delays()).toEqual([60_000]);
    calls[0].finish();
    await scheduler.idle();
    expect(calls.map((c) => c.reason)).toEqual(['admin']);
    await scheduler.stop();
  });

  it('keeps the last result with its reason and times', async () => {
    let clock = 1_000;
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({
      sweep,
      intervalMs: undefined,
      timers: manualTimers().timers,
      now: () => clock,
    });
    scheduler.trigger('admin');
    await flush();
    clock = 4_000;
    calls[0].finish(aResult({ submitted: 7 }));
    await scheduler.idle();
    expect(scheduler.lastResult).toMatchObject({ submitted: 7 });
    expect(scheduler.lastError).toBeUndefined();
    expect(scheduler.status).toMatchObject({
      running: false,
      run: { reason: 'admin', startedAt: 1_000, finishedAt: 4_000 },
    });
  });

  it('keeps the error of a failed sweep instead of throwing it, and can run again', async () => {
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: undefined, timers: manualTimers().timers });
    scheduler.trigger('admin');
    await flush();
    const boom = new Error('org unreachable');
    calls[0].fail(boom);
    await scheduler.idle();
    expect(scheduler.lastError).toBe(boom);
    expect(scheduler.lastResult).toBeUndefined();
    expect(scheduler.trigger('admin')).toEqual({ started: true });
    await scheduler.stop();
  });

  it('stop() aborts the running sweep, waits for it, and ends the schedule', async () => {
    const t = manualTimers();
    const { sweep, calls } = controllableSweep();
    const scheduler = new SweepScheduler({ sweep, intervalMs: 60_000, timers: t.timers });
    scheduler.start();
    scheduler.trigger('admin');
    await flush();
    await scheduler.stop();
    expect(calls[0].signal.aborted).toBe(true);
    expect(scheduler.running).toBe(false);
    expect(scheduler.lastResult).toMatchObject({ stopped: true });
    expect(t.delays()).toEqual([]);
    expect(scheduler.trigger('admin')).toEqual({ started: false });
  });

  it('rejects an interval setTimeout cannot honour', () => {
    const sweep = controllableSweep().sweep;
    expect(() => new SweepScheduler({ sweep, intervalMs: 0 })).toThrow(RangeError);
    expect(() => new SweepScheduler({ sweep, intervalMs: 2 ** 31 })).toThrow(RangeError);
    expect(() => new SweepScheduler({ sweep, intervalMs: undefined, retryMs: 0 })).toThrow(RangeError);
  });

  it('unrefs its real timers, so a pending sweep never keeps the process alive', async () => {
    const scheduler = new SweepScheduler({ sweep: controllableSweep().sweep, intervalMs: 86_400_000 });
    const spy = jest.spyOn(global, 'setTimeout');
    try {
      scheduler.start();
      const timer = spy.mock.results[0].value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
    } finally {
      spy.mockRestore();
      await scheduler.stop();
    }
  });
});

describe('parseInterval (SWEEP_INTERVAL)', () => {
  it.each([
    ['24h', 86_400_000],
    ['30m', 1_800_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    [' 24H ', 86_400_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseInterval(text)).toBe(ms);
  });

  it('reads off as no schedule', () => {
    expect(parseInterval('off')).toBeUndefined();
    expect(parseInterval('OFF')).toBeUndefined();
  });

  it.each(['', '24', 'h', 'daily', '-1h', '1.5h', '10s', '0m', '25d'])(
    'rejects %j naming what it expects',
    (text) => {
      let caught: unknown;
      try {
        parseInterval(text);
      } catch (err) {
        caught = err;
      }
      expect(isScorerError(caught) && caught.code).toBe('CONFIG_INVALID');
      expect((caught as Error).message).toMatch(/^must be /);
    },
  );
});
