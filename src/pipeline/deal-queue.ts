import type { Logger } from '../lib/logger';
import type { Segment, Watermark } from './watermark';

/**
 * The change events' pending work, held per deal: one entry per opportunity waiting to be scored,
 * however many events named it, with the oldest watermark segment that needs it. Waiting deals go to
 * the batch path while it has little queued (`busy`), each settling on its own: a deal whose row is
 * locked waits out its delayed retry without holding up the others. A deal that fails for a passing
 * reason comes back and is retried with backoff; one that fails for good is handed to
 * `onFailedForGood` (dead letters). The number of deals is capped: `add` refuses a new deal at the
 * cap, and the caller leaves it to a catch-up sweep.
 */

/** How soon a queue held back by a full batch path looks again. */
const BUSY_RETRY_MS = 100;

export interface DealQueueOptions {
  watermark: Watermark;
  /** The batch path, one deal a time (it coalesces them): resolves when it is scored and written. */
  submit: (ids: string[]) => Promise<void>;
  /** Ids queued in the batch path and not yet in a batch; deals are handed over while it is below `maxBusy`. */
  busy: () => number;
  maxBusy: number;
  /** Most deals held; beyond it `add` refuses new ones. */
  cap: number;
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
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pumpQueued = false;
  private busyTimer: NodeJS.Timeout | undefined;
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

  /** The commit time of the oldest change the deal waits for (held or in a batch). */
  commitTimestampOf(id: string): number | undefined {
    return (this.pending.get(id) ?? this.taken.get(id))?.commitTimestamp;
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
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** No more batches: what still waits stays unfinished (the checkpoint stays before it). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearTimeout(this.busyTimer);
    this.busyTimer = undefined;
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
    for (const [id, w] of this.pending) {
      if (this.stopped || this.retryTimer) return;
      if (this.opts.busy() >= this.opts.maxBusy) return this.pumpWhenLessBusy();
      this.pending.delete(id);
      this.taken.set(id, w);
      void this.run(id, w).finally(() => {
        this.pumpSoon();
        if (this.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  /**
   * The batch path is full of other work (a sweep's chunks): none of ours may be in it, so no batch of
   * ours finishing will pump again. Look again shortly, or held deals would wait for the next event.
   */
  private pumpWhenLessBusy(): void {
    if (this.busyTimer || this.stopped) return;
    this.busyTimer = setTimeout(() => {
      this.busyTimer = undefined;
      this.pump();
    }, BUSY_RETRY_MS);
    this.busyTimer.unref();
  }

  /** Forgets the deal's batch entry, unless the deal was named again and handed over anew meanwhile. */
  private untake(id: string, w: Waiting): void {
    if (this.taken.get(id) === w) this.taken.delete(id);
  }

  private async run(id: string, w: Waiting): Promise<void> {
    const wm = this.opts.watermark;
    try {
      await this.opts.submit([id]);
      this.attempt = 0;
      this.opts.onFailing(undefined);
      this.untake(id, w);
      this.opts.onWritten?.(w.commitTimestamp);
      wm.release(w.seg);
    } catch (err) {
      if (this.opts.worthRetrying(err)) return this.requeue(id, w, err);
      // A dead letter that cannot be written throws on: the segment stays held, the checkpoint too.
      await this.opts.onFailedForGood(new Map([[id, w.replayId]]), err);
      this.untake(id, w);
      wm.release(w.seg);
    }
  }

  /** Back to waiting, with its older segment; one pause for all deals of a failed batch. */
  private requeue(id: string, w: Waiting, err: unknown): void {
    this.untake(id, w);
    const newer = this.pending.get(id);
    // Named again meanwhile: one entry, with the older segment (it blocks the checkpoint anyway).
    if (newer) {
      this.opts.watermark.release(newer.seg);
      this.pending.delete(id);
      w.replayId = newer.replayId;
    }
    this.pending.set(id, w);
    if (this.retryTimer || this.stopped) return;
    this.attempt++;
    const delay = this.opts.retryDelayMs(this.attempt, err);
    const code = (err as { code?: string }).code;
    this.opts.onFailing(`${code ?? 'ERROR'}: ${(err as Error).message}`);
    this.opts.logger.warn(
      { waiting: this.pending.size, attempt: this.attempt, retryInMs: delay, code, err },
      'Changed deals not written; trying again',
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
    this.retryTimer.unref();
  }
}
