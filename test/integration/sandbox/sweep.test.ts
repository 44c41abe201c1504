import type { Connection } from 'jsforce';
import { isScorerError } from '../../../src/lib/errors';
import { runSweep, type SweepOptions } from '../../../src/pipeline/sweep';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { connect, sleep, until } from './helpers';

const PAGE = 200;

let sb: Sandbox;
let conn: Connection;
let openIds: string[];
let closedIds: Set<string>;

beforeAll(async () => {
  sb = await startSandbox({ deals: 600, seed: 7, queryBatchSize: PAGE });
  conn = connect(sb);
  const opps = [...sb.store.all('Opportunity')];
  openIds = opps.filter((o) => !o.IsClosed).map((o) => String(o.Id));
  closedIds = new Set(opps.filter((o) => o.IsClosed).map((o) => String(o.Id)));
});
afterAll(() => sb.close());
afterEach(() => sb.faults.reset());

/** A sweep whose submit records every chunk; `submit` may be replaced per test. */
function recordingSweep(overrides: Partial<SweepOptions> = {}) {
  const chunks: string[][] = [];
  const progress: { done: number; total: number }[] = [];
  let queryCalls = 0;
  const opts: SweepOptions = {
    submit: async (ids) => {
      chunks.push(ids);
    },
    onProgress: (p) => progress.push(p),
    onApiCall: (kind) => {
      if (kind === 'query') queryCalls++;
    },
    ...overrides,
  };
  return { opts, chunks, progress, queryCalls: () => queryCalls };
}

const pagesFor = (n: number): number => Math.max(1, Math.ceil(n / PAGE));

describe('the reconciliation sweep against the sandbox org', () => {
  it('has more open deals than one page holds, so paging is exercised', () => {
    expect(openIds.length).toBeGreaterThan(2 * PAGE);
    expect(closedIds.size).toBeGreaterThan(0);
  });

  it('submits every open opportunity exactly once, in chunks of at most 200, and never a closed one', async () => {
    const { opts, chunks } = recordingSweep();
    const result = await runSweep(conn, opts);
    const submitted = chunks.flat();
    expect(submitted).toHaveLength(openIds.length);
    expect(new Set(submitted)).toEqual(new Set(openIds));
    expect(submitted.filter((id) => closedIds.has(id))).toEqual([]);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(200);
    expect(result).toMatchObject({
      total: openIds.length,
      submitted: openIds.length,
      failedChunks: 0,
      stopped: false,
    });
  });

  it('counts one COUNT() query plus one query per page, as the org counts them', async () => {
    const { opts, queryCalls } = recordingSweep();
    sb.stats.reset();
    await runSweep(conn, opts);
    expect(queryCalls()).toBe(1 + pagesFor(openIds.length));
    expect(sb.stats.calls.query).toBe(queryCalls());
  });

  it('reports progress from zero up to the total, never going backwards', async () => {
    const { opts, progress } = recordingSweep();
    await runSweep(conn, opts);
    expect(progress[0]).toEqual({ done: 0, total: openIds.length });
    expect(progress[progress.length - 1]).toEqual({ done: openIds.length, total: openIds.length });
    const dones = progress.map((p) => p.done);
    expect([...dones].sort((a, b) => a - b)).toEqual(dones);
  });

  it('never has more chunks in flight than its concurrency', async () => {
    // Salesforce's own page size here, so one page holds several chunks that could all run at once.
    const wide = await startSandbox({ deals: 600, seed: 7 });
    try {
      let active = 0;
      let most = 0;
      const { opts, chunks } = recordingSweep({
        concurrency: 2,
        submit: async (ids) => {
          chunks.push(ids);
          active++;
          most = Math.max(most, active);
          await sleep(5);
          active--;
        },
      });
      await runSweep(connect(wide), opts);
      expect(chunks.length).toBeGreaterThan(2);
      expect(most).toBe(2);
    } finally {
      await wide.close();
    }
  });

  it('reads no further than the next page while the batch path is busy (bounded memory)', async () => {
    const release: (() => void)[] = [];
    const { opts, chunks, queryCalls } = recordingSweep({
      concurrency: 1,
      submit: (ids) => {
        chunks.push(ids);
        return new Promise<void>((resolve) => release.push(resolve));
      },
    });
    const sweep = runSweep(conn, opts);
    // One chunk in flight holds the first page's ids; the second page is read while waiting for room.
    await until(() => queryCalls() === 3);
    await sleep(100);
    expect(queryCalls()).toBe(3);
    expect(chunks).toHaveLength(1);
    // Let everything through, one chunk at a time.
    for (;;) {
      const next = release.shift();
      if (next) next();
      else if (chunks.flat().length === openIds.length) break;
      await sleep(1);
    }
    const result = await sweep;
    expect(result.submitted).toBe(openIds.length);
  });

  it('stops between pages when aborted, waits for the chunk in flight, and says it stopped', async () => {
    const controller = new AbortController();
    let settled = 0;
    const { opts, chunks, queryCalls } = recordingSweep({
      signal: controller.signal,
      submit: async (ids) => {
        chunks.push(ids);
        controller.abort();
        await sleep(20);
        settled++;
      },
    });
    const result = await runSweep(conn, opts);
    expect(result.stopped).toBe(true);
    expect(queryCalls()).toBe(2); // the count and the first page; no further page was requested
    expect(chunks).toHaveLength(1);
    expect(settled).toBe(1);
    expect(result.submitted).toBe(chunks[0].length);
    expect(result.submitted).toBeLessThan(openIds.length);
  });

  it('does nothing when the signal has already aborted', async () => {
    const { opts, chunks, queryCalls } = recordingSweep({ signal: AbortSignal.abort() });
    const result = await runSweep(conn, opts);
    expect(result).toMatchObject({ stopped: true, submitted: 0 });
    expect(chunks).toEqual([]);
    expect(queryCalls()).toBe(0);
  });

  it('counts a failing chunk and goes on to finish the sweep', async () => {
    const poisoned = openIds[openIds.length - 1];
    const { opts, chunks, progress } = recordingSweep({
      submit: async (ids) => {
        chunks.push(ids);
        if (ids.includes(poisoned)) throw new Error('the batch failed as a whole');
      },
    });
    const result = await runSweep(conn, opts);
    expect(result.failedChunks).toBe(1);
    expect(result.stopped).toBe(false);
    expect(new Set(chunks.flat())).toEqual(new Set(openIds));
    expect(progress[progress.length - 1].done).toBe(openIds.length);
  });

  it('fails with an org error when a page cannot be read, after the chunks in flight settle', async () => {
    let inFlight = 0;
    const { opts } = recordingSweep({
      submit: async () => {
        inFlight++;
        sb.faults.requestLimitExceeded = true; // the next page request is refused (403, not retried)
        await sleep(20);
        inFlight--;
      },
    });
    const failure = await runSweep(conn, opts).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isScorerError(failure) && failure.code).toBe('ORG_LIMIT_EXCEEDED');
    expect(inFlight).toBe(0);
  });
});
