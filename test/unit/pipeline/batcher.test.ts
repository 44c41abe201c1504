import { isScorerError } from '../../../src/lib/errors';
import { Batcher } from '../../../src/pipeline/batcher';

function recordingBatcher(options: Partial<{ windowMs: number; maxBatch: number; maxPending: number }> = {}) {
  const batches: string[][] = [];
  let fail: ((ids: string[]) => boolean) | undefined;
  const batcher = new Batcher({
    windowMs: options.windowMs ?? 20,
    maxBatch: options.maxBatch ?? 200,
    maxPending: options.maxPending ?? 10_000,
    process: async (ids) => {
      batches.push(ids);
      await new Promise((r) => setTimeout(r, 5));
      if (fail?.(ids)) throw new Error(`batch of ${ids.length} failed`);
    },
  });
  return { batcher, batches, failWhen: (f: (ids: string[]) => boolean) => (fail = f) };
}

describe('the batcher', () => {
  it('coalesces ids that arrive within the window into one batch, each id once', async () => {
    const { batcher, batches } = recordingBatcher();
    await Promise.all([batcher.add(['a', 'b']), batcher.add(['b', 'c']), batcher.add(['a'])]);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('splits into batches of at most maxBatch ids', async () => {
    const { batcher, batches } = recordingBatcher({ maxBatch: 200 });
    const ids = Array.from({ length: 450 }, (_, i) => `id${i}`);
    await batcher.add(ids);
    expect(batches.map((b) => b.length)).toEqual([200, 200, 50]);
    expect(new Set(batches.flat()).size).toBe(450);
  });

  it('runs one batch at a time, so an id is never in two batches at once', async () => {
    let active = 0;
    let most = 0;
    const batcher = new Batcher({
      windowMs: 1,
      maxBatch: 2,
      maxPending: 100,
      process: async () => {
        active++;
        most = Math.max(most, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      },
    });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => batcher.add([id])));
    expect(most).toBe(1);
  });

  it('rejects the callers whose ids were in a failed batch, and only those', async () => {
    const { batcher, failWhen } = recordingBatcher({ maxBatch: 1, windowMs: 1 });
    failWhen((ids) => ids.includes('bad'));
    const results = await Promise.allSettled([
      batcher.add(['good']),
      batcher.add(['bad']),
      batcher.add(['fine']),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('makes add wait while the pending set is full (back-pressure)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher({ windowMs: 1, maxBatch: 2, maxPending: 2, process: () => gate });
    void batcher.add(['a', 'b']); // taken into the first batch, which waits on the gate
    await new Promise((r) => setTimeout(r, 10));
    void batcher.add(['c', 'd']); // fills the pending set
    let accepted = false;
    const third = batcher.add(['e']).then(() => (accepted = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(batcher.depth).toBe(2);
    expect(accepted).toBe(false);
    release();
    await third;
    expect(accepted).toBe(true);
  });

  it('drains what is pending on close', async () => {
    const { batcher, batches } = recordingBatcher({ windowMs: 10_000 });
    void batcher.add(['x']);
    await batcher.close();
    expect(batches).toEqual([['x']]);
    await expect(batcher.add(['y'])).rejects.toThrow('closed');
  });

  it('tells a caller adding after close to try again later', async () => {
    const { batcher } = recordingBatcher();
    await batcher.close();
    const caught: unknown = await batcher.add(['y']).catch((err: unknown) => err);
    expect(isScorerError(caught) && { code: caught.code, retryable: caught.retryable }).toEqual({
      code: 'INTERNAL',
      retryable: true,
    });
  });

  it('resolves an add of no ids at once', async () => {
    const { batcher, batches } = recordingBatcher({ windowMs: 10_000 });
    await batcher.add([]);
    expect(batches).toEqual([]);
  });

  describe('an id added again while a batch holding it runs', () => {
    /** Batches that wait until the test settles them, in the order they were cut. */
    function gatedBatcher() {
      const batches: { ids: string[]; succeed: () => void; fail: (err: unknown) => void }[] = [];
      const batcher = new Batcher({
        windowMs: 1,
        maxBatch: 200,
        maxPending: 100,
        process: (ids) =>
          new Promise<void>((resolve, reject) => batches.push({ ids, succeed: resolve, fail: reject })),
      });
      return { batcher, batches };
    }
    const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

    /** Event A's X is in batch 1 when event B adds X again; returns B's outcome as it stands. */
    async function secondAddDuringFirstBatch() {
      const { batcher, batches } = gatedBatcher();
      const first = batcher.add(['x']);
      await wait(10);
      expect(batches.map((b) => b.ids)).toEqual([['x']]);
      let outcome: 'pending' | 'resolved' | 'rejected' = 'pending';
      const second = batcher.add(['x']).then(
        () => (outcome = 'resolved'),
        () => (outcome = 'rejected'),
      );
      batches[0].succeed();
      await first;
      await wait(10);
      return { batches, second, outcome: () => outcome };
    }

    it('keeps the second caller waiting after the first batch succeeded', async () => {
      const { batches, outcome } = await secondAddDuringFirstBatch();
      expect(outcome()).toBe('pending');
      expect(batches.map((b) => b.ids)).toEqual([['x'], ['x']]);
      batches[1].succeed();
    });

    it('rejects the second caller when the batch that processes its id fails', async () => {
      const { batches, second, outcome } = await secondAddDuringFirstBatch();
      batches[1].fail(new Error('write-back failed'));
      await second;
      expect(outcome()).toBe('rejected');
    });

    it('resolves the second caller when the batch that processes its id succeeds', async () => {
      const { batches, second, outcome } = await secondAddDuringFirstBatch();
      batches[1].succeed();
      await second;
      expect(outcome()).toBe('resolved');
    });
  });
});

describe('ids handed back for later (a locked row)', () => {
  /** A batcher whose batches hand back the ids `locked` says are still locked. */
  function lockingBatcher(locked: (id: string, attempt: number) => boolean, tries = 3) {
    const batches: string[][] = [];
    const finals: boolean[] = [];
    const seen = new Map<string, number>();
    const batcher = new Batcher({
      windowMs: 1,
      maxBatch: 200,
      maxPending: 1000,
      laterDelayMs: (attempt) => (attempt > tries ? undefined : 5 * attempt),
      process: async (ids, { finalTry }) => {
        batches.push(ids);
        const later: string[] = [];
        for (const id of ids) {
          const n = (seen.get(id) ?? 0) + 1;
          seen.set(id, n);
          finals.push(finalTry(id));
          if (locked(id, n)) later.push(id);
        }
        return { later };
      },
    });
    return { batcher, batches, finals };
  }

  it('keeps the caller waiting until a later batch finishes the id', async () => {
    const { batcher, batches } = lockingBatcher((id, n) => id === 'a' && n < 3);
    await batcher.add(['a', 'b']);
    expect(batches).toEqual([['a', 'b'], ['a'], ['a']]);
    expect(batcher.deferred).toBe(0);
  });

  it('says which try is the last, and fails the caller as retryable when that one is handed back too', async () => {
    const { batcher, batches, finals } = lockingBatcher((id) => id === 'a', 2);
    const err = await batcher.add(['a']).catch((e: unknown) => e);
    expect(batches).toEqual([['a'], ['a'], ['a']]);
    expect(finals).toEqual([false, false, true]);
    expect(isScorerError(err) && err.retryable).toBe(true);
  });

  it('fails callers of ids still waiting out a delay when closed, as retryable', async () => {
    const batcher = new Batcher({
      windowMs: 1,
      maxBatch: 200,
      maxPending: 1000,
      laterDelayMs: () => 60_000,
      process: async (ids) => ({ later: ids }),
    });
    const waiting = batcher.add(['a']).catch((e: unknown) => e);
    while (batcher.deferred === 0) await new Promise((r) => setTimeout(r, 5));
    await batcher.close();
    const err = await waiting;
    expect(isScorerError(err) && err.retryable).toBe(true);
  });
});
