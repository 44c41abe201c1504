import type { Connection } from 'jsforce';
import type { Logger } from '../lib/logger';
import { chunk, MAX_IDS_PER_QUERY } from '../salesforce/ids';
import { errorCodeOf } from '../salesforce/org-errors';
import { fetchPage, type ApiCallCounter } from '../salesforce/paged-query';

/**
 * The reconciliation sweep: every open opportunity goes through the same batch path a change event
 * takes. It exists because some flags change with time alone (a commitment falls overdue, a buyer goes
 * silent) and no event says so, and because events can be lost (GAP_OVERFLOW, replay retention ran
 * out while we were down). A full pass repairs both.
 *
 * Memory stays flat whatever the org's size: the sweep holds one query page of ids (Salesforce pages
 * at 2,000) plus the chunks in flight, and asks for the next page only once every chunk of the current
 * one has been handed over. A slow batch path therefore slows the reading down instead of piling up ids.
 */

export interface SweepOptions extends ApiCallCounter {
  /** Hands a chunk of ≤200 opportunity ids to the batch path; resolves when scored+written (or dead-lettered). */
  submit: (ids: string[]) => Promise<void>;
  /** Called once the total is known, then whenever a chunk settles (done counts failed chunks too). */
  onProgress?: (p: { done: number; total: number }) => void;
  /** Checked before every page request and every chunk; chunks already in flight are waited for. */
  signal?: AbortSignal;
  logger?: Logger;
  /** How many submitted chunks may be in flight at once. */
  concurrency?: number;
}

export interface SweepResult {
  /** Open opportunities when the sweep started (COUNT()); deals opened or closed meanwhile move it. */
  total: number;
  /** Ids handed to `submit`, including those of failed chunks. */
  submitted: number;
  failedChunks: number;
  /** True when the signal ended the sweep before the last page. */
  stopped: boolean;
  durationMs: number;
}

export const DEFAULT_SWEEP_CONCURRENCY = 3;

// ORDER BY Id keeps the order stable across pages; IsClosed covers every closed stage, whatever the
// org calls them. Closed deals are final (100 or 0, no flags), so they are never swept.
const COUNT_SOQL = 'SELECT COUNT() FROM Opportunity WHERE IsClosed = false';
const IDS_SOQL = 'SELECT Id FROM Opportunity WHERE IsClosed = false ORDER BY Id';

interface IdPage {
  ids: string[];
  /** The locator of the next page; absent on the last one. */
  next?: string;
}

export async function runSweep(conn: Connection, opts: SweepOptions): Promise<SweepResult> {
  const started = Date.now();
  const progress = { done: 0, total: 0 };
  const result: SweepResult = { total: 0, submitted: 0, failedChunks: 0, stopped: false, durationMs: 0 };
  const finish = (): SweepResult => ({ ...result, durationMs: Date.now() - started });
  if (opts.signal?.aborted) return { ...finish(), stopped: true };

  result.total = progress.total = await countOpenDeals(conn, opts);
  opts.logger?.info({ total: result.total }, 'Sweep started');
  opts.onProgress?.({ ...progress });

  const pool = new ChunkPool(opts.concurrency ?? DEFAULT_SWEEP_CONCURRENCY, async (ids) => {
    result.submitted += ids.length;
    try {
      await opts.submit(ids);
    } catch (err) {
      // The batch path dead-letters rows it cannot write; a chunk that fails as a whole (the org is
      // down, the limit is reached) is left for the next sweep rather than stopping this one.
      result.failedChunks++;
      opts.logger?.warn(
        { err, code: errorCodeOf(err), ids: ids.length, firstId: ids[0] },
        'Sweep chunk failed; the sweep goes on',
      );
    }
    progress.done += ids.length;
    progress.total = Math.max(progress.total, progress.done);
    opts.onProgress?.({ ...progress });
  });

  try {
    result.stopped = await readAndSubmit(conn, opts, pool);
  } finally {
    await pool.drain();
  }
  if (pool.failure !== undefined) throw pool.failure;
  const out = finish();
  opts.logger?.info({ ...out }, out.stopped ? 'Sweep stopped' : 'Sweep finished');
  return out;
}

/** Pages through the open ids and starts their chunks; true when the signal stopped it. */
async function readAndSubmit(conn: Connection, opts: SweepOptions, pool: ChunkPool): Promise<boolean> {
  const aborted = (): boolean => opts.signal?.aborted === true;
  if (aborted()) return true;
  let page: IdPage | undefined = await fetchIds(conn, opts, { soql: IDS_SOQL });
  while (page) {
    for (const part of chunk(page.ids, MAX_IDS_PER_QUERY)) {
      await pool.slot();
      if (aborted()) return true;
      pool.start(part);
    }
    if (!page.next) return false;
    if (aborted()) return true;
    const next: string = page.next;
    page = undefined; // let the handed-over page go before the next one arrives
    page = await fetchIds(conn, opts, { locator: next });
  }
  return false;
}

async function countOpenDeals(conn: Connection, counter: ApiCallCounter): Promise<number> {
  // COUNT() answers with totalSize and no records.
  const page = await fetchPage(conn, counter, COUNT_SOQL, undefined, 'Counting open opportunities failed');
  return page.totalSize ?? 0;
}

/** One page per request (no autoFetch), so only this page's ids are held and every call is counted. */
async function fetchIds(
  conn: Connection,
  counter: ApiCallCounter,
  from: { soql: string } | { locator: string },
): Promise<IdPage> {
  const page =
    'soql' in from
      ? await fetchPage(conn, counter, from.soql, undefined, 'Reading open opportunity ids failed')
      : await fetchPage(conn, counter, undefined, from.locator, 'Reading open opportunity ids failed');
  // Query locators expire after about 15 idle minutes; back-pressure never holds one that long
  // unless a single chunk takes that long, and then the next sweep starts over.
  return { ids: page.records.map((r) => String(r.Id)), next: page.done ? undefined : page.nextRecordsUrl };
}

/**
 * At most `size` chunks in flight. `run` handles a failed submit itself; anything else it throws (a
 * progress callback's bug) is kept as `failure` so no promise is left rejected with nobody listening.
 */
class ChunkPool {
  private readonly inFlight = new Set<Promise<void>>();
  failure: unknown;

  constructor(
    private readonly size: number,
    private readonly run: (ids: string[]) => Promise<void>,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`concurrency must be ≥ 1, got ${size}`);
  }

  /** Resolves when one more chunk may start. */
  async slot(): Promise<void> {
    while (this.inFlight.size >= this.size) await Promise.race(this.inFlight);
  }

  start(ids: string[]): void {
    const p: Promise<void> = this.run(ids)
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }
}
