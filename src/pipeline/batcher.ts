/**
 * Coalesces opportunity ids into batches: one seller edit often produces several change events within
 * a second, and scoring 200 deals costs the same few queries as scoring one. Batches run one at a time,
 * so no record is ever in two batches at once. The pending set is bounded: `add` waits while it is full,
 * which is how back-pressure reaches the subscriber.
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

interface Waiter {
  ids: Set<string>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Batcher {
  private readonly pending = new Set<string>();
  private waiters: Waiter[] = [];
  private roomWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: BatcherOptions) {}

  /** Resolves once every given id has been through a batch that succeeded; rejects if that batch failed. */
  async add(ids: readonly string[]): Promise<void> {
    if (this.closed) throw new Error('the batcher is closed');
    while (this.pending.size >= this.options.maxPending) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    const done = new Promise<void>((resolve, reject) => {
      this.waiters.push({ ids: new Set(ids), resolve, reject });
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
      const rooms = this.roomWaiters.splice(0);
      for (const wake of rooms) wake();
      let failure: unknown;
      try {
        await this.options.process(batch);
      } catch (err) {
        failure = err;
      }
      this.settle(new Set(batch), failure);
    }
  }

  /** A waiter is done when none of its ids is still pending or in flight; a failed batch fails it. */
  private settle(batch: ReadonlySet<string>, failure: unknown): void {
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      let touched = false;
      for (const id of batch) {
        if (waiter.ids.delete(id)) touched = true;
      }
      if (touched && failure !== undefined) waiter.reject(failure);
      else if (waiter.ids.size === 0) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}
