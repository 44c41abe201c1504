import { ScorerError } from '../lib/errors';

/**
 * Coalesces opportunity ids into batches: one seller edit often produces several change events within
 * a second, and scoring 200 deals costs the same few queries as scoring one. Batches run one at a time,
 * so no record is ever in two batches at once. The pending set is bounded: `add` waits while it is full.
 * That bounds the ids in play, not the events: CometD has no flow control, so events beyond it wait in
 * the intake as small pending promises (the sweep, which pages, does feel the wait).
 */

export interface BatcherOptions {
  /** How long to wait for more ids after the first one arrives. */
  windowMs: number;
  /** Most ids in one batch (sObject Collections take 200 records per call). */
  maxBatch: number;
  /** Most ids waiting; beyond this `add` waits for room. */
  maxPending: number;
  process: (ids: string[]) => Promise<void>;
}

/**
 * One `add` call. An id the waiter asked for is either not yet cut into a batch (`uncut`) or in a batch
 * that has not finished (counted by `inFlight`). An id added again while an earlier batch holds it is
 * uncut for the new waiter: only the next batch processes the change that caused the second add.
 */
interface Waiter {
  uncut: Set<string>;
  inFlight: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Batcher {
  private readonly pending = new Set<string>();
  private readonly waiters = new Set<Waiter>();
  private roomWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: BatcherOptions) {}

  /** Resolves once every given id has been through a batch that succeeded; rejects if that batch failed. */
  async add(ids: readonly string[]): Promise<void> {
    // Retryable: during shutdown the caller should try again later (after a restart), not give up on the ids.
    if (this.closed) throw new ScorerError('INTERNAL', 'the batcher is closed', { retryable: true });
    if (ids.length === 0) return;
    while (this.pending.size >= this.options.maxPending) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    const done = new Promise<void>((resolve, reject) => {
      this.waiters.add({ uncut: new Set(ids), inFlight: 0, resolve, reject });
    });
    for (const id of ids) this.pending.add(id);
    if (this.pending.size >= this.options.maxBatch) this.flushSoon(0);
    else this.flushSoon(this.options.windowMs);
    return done;
  }

  get depth(): number {
    return this.pending.size;
  }

  /** Processes what is pending now and waits for every batch to finish. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.running = this.running.then(() => this.runBatches());
      await this.running;
    }
    await this.running;
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private flushSoon(delay: number): void {
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.runBatches());
    }, delay);
  }

  private async runBatches(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = [...this.pending].slice(0, this.options.maxBatch);
      for (const id of batch) this.pending.delete(id);
      const owners = this.cut(batch);
      const rooms = this.roomWaiters.splice(0);
      for (const wake of rooms) wake();
      let outcome: { failure: unknown } | undefined;
      try {
        await this.options.process(batch);
      } catch (err) {
        outcome = { failure: err };
      }
      this.settle(owners, outcome);
    }
  }

  /** Hands the batch's ids over from every waiter that asked for one of them and has not had it cut yet. */
  private cut(batch: readonly string[]): Waiter[] {
    const owners: Waiter[] = [];
    for (const waiter of this.waiters) {
      let owns = false;
      for (const id of batch) {
        if (waiter.uncut.delete(id)) owns = true;
      }
      if (owns) {
        waiter.inFlight++;
        owners.push(waiter);
      }
    }
    return owners;
  }

  /** A failed batch fails its owners; an owner is done when no id of its is uncut or in another batch. */
  private settle(owners: readonly Waiter[], outcome: { failure: unknown } | undefined): void {
    for (const waiter of owners) {
      // Already rejected by an earlier failed batch.
      if (!this.waiters.has(waiter)) continue;
      waiter.inFlight--;
      if (outcome) {
        this.waiters.delete(waiter);
        waiter.reject(outcome.failure);
      } else if (waiter.inFlight === 0 && waiter.uncut.size === 0) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
