import type { Logger } from '../lib/logger';
import type { Segment, Watermark } from './watermark';

/**
 * The change events' pending work, held per deal: one entry per opportunity waiting to be scored,
 * however many events named it, with the oldest watermark segment that needs it. Chunks of waiting
 * deals go to the batch path a few at a time; a chunk that fails for a passing reason comes back and
 * is retried with backoff; one that fails for good is handed to `onFailedForGood` (dead letters). The
 * number of waiting deals is capped: `add` refuses a new deal at the cap, and the caller leaves it to
 * a catch-up sweep.
 */

export interface DealQueueOptions {
  watermark: Watermark;
  /** The batch path: resolves when these ids are scored and written. */
  submit: (ids: string[]) => Promise<void>;
  /** Most deals held; beyond it `add` refuses new ones. */
  cap: number;
  chunkSize: number;
  /** Chunks handed to the batch path at once (the batcher coalesces what waits). */
  inFlight: number;
  retryDelayMs: (attempt: number, err: unknown) => number;
  worthRetrying: (err: unknown) => boolean;
  onFailing: (reason: string | undefined) => void;
  /** Dead-letters deals whose batch failed for good; `replayIds` names the newest event behind each. */
  onFailedForGood: (replayIds: Map<string, number | null>, err: unknown) => Promise<void>;
  /** A deal was written: the commit time of the oldest change it waited for, for the lag metric. */
  onWritten?: (commitTimestamp: number | undefined) => void;
  logger: Logger;
}

interface Waiting {
  seg: Segment;
  /** The newest replay id that named the deal, for dead letters. */
  replayId: number | null;
  commitTimestamp: number | undefined;
}

export class DealQueue {
  private readonly pending = new Map<string, Waiting>();
  /** Deals handed to the batch path, by id (the newest replay id is still wanted for dead letters). */
  private readonly taken = new Map<string, Waiting>();
  private running = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pumpQueued = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: DealQueueOptions) {}

  get size(): number {
    return this.pending.size + this.taken.size;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** True when `n` more deals can be held. */
  fits(n: number): boolean {
    return this.pending.size + n <= this.opts.cap;
  }

  replayIdOf(id: string): number | null {
    return (this.pending.get(id) ?? this.taken.get(id))?.replayId ?? null;
  }

  /** A later event names a deal already waiting: its batch covers the change; only the replay id moves. */
  touch(id: string, replayId: number | null): void {
    const waiting = this.pending.get(id);
    if (waiting) waiting.replayId = replayId;
  }

  /**
   * Holds `id` for the event behind `seg`; a deal already waiting keeps its older segment (its batch
   * covers both changes). False at the cap for a deal not yet waiting.
   */
  add(id: string, seg: Segment, replayId: number | null, commitTimestamp: number | undefined): boolean {
    const waiting = this.pending.get(id);
    if (waiting) {
      waiting.replayId = replayId;
      return true;
    }
    if (this.pending.size >= this.opts.cap) return false;
    this.pending.set(id, { seg, replayId, commitTimestamp });
    this.opts.watermark.hold(seg);
    this.pumpSoon();
    return true;
  }

  /** Resolves when nothing waits and nothing is in flight. */
  idle(): Promise<void> {
    if (this.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** No more batches: what still waits stays unfinished (the checkpoint stays before it). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /**
   * Batches start after the current delivery: faye hands over a response's events one by one in the
   * same turn, so waiting a microtask lets a whole response coalesce into full chunks.
   */
  private pumpSoon(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.stopped && !this.retryTimer && this.running < this.opts.inFlight && this.pending.size > 0) {
      const part: [string, Waiting][] = [];
      for (const entry of this.pending) {
        part.push(entry);
        if (part.length >= this.opts.chunkSize) break;
      }
      for (const [id, w] of part) {
        this.pending.delete(id);
        this.taken.set(id, w);
      }
      this.running++;
      void this.run(part).finally(() => {
        this.running--;
        this.pump();
        if (this.size === 0 && this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  private async run(part: [string, Waiting][]): Promise<void> {
    const wm = this.opts.watermark;
    try {
      await this.opts.submit(part.map(([id]) => id));
      this.attempt = 0;
      this.opts.onFailing(undefined);
      for (const [id, w] of part) {
        this.taken.delete(id);
        this.opts.onWritten?.(w.commitTimestamp);
        wm.release(w.seg);
      }
    } catch (err) {
      if (this.opts.worthRetrying(err)) return this.requeue(part, err);
      const replayIds = new Map(part.map(([id, w]) => [id, w.replayId]));
      // A dead letter that cannot be written throws on: the segments stay held, the checkpoint too.
      await this.opts.onFailedForGood(replayIds, err);
      for (const [id, w] of part) {
        this.taken.delete(id);
        wm.release(w.seg);
      }
    }
  }

  /** Back to waiting, with their older segments, and a pause before the next chunk. */
  private requeue(part: [string, Waiting][], err: unknown): void {
    for (const [id, w] of part) {
      this.taken.delete(id);
      const newer = this.pending.get(id);
      // Named again meanwhile: one entry, with the older segment (it blocks the checkpoint anyway).
      if (newer) {
        this.opts.watermark.release(newer.seg);
        this.pending.delete(id);
        w.replayId = newer.replayId;
      }
      this.pending.set(id, w);
    }
    this.attempt++;
    const delay = this.opts.retryDelayMs(this.attempt, err);
    const code = (err as { code?: string }).code;
    this.opts.onFailing(`${code ?? 'ERROR'}: ${(err as Error).message}`);
    this.opts.logger.warn(
      { deals: part.length, attempt: this.attempt, retryInMs: delay, code, err },
      'Changed deals not written; trying again',
    );
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
    this.retryTimer.unref();
  }
}
