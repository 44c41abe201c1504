import { ScorerError } from '../lib/errors';

/**
 * Coalesces opportunity ids into batches: one seller edit often produces several change events within
 * a second, and scoring 200 deals costs the same few queries as scoring one. Batches run one at a time,
 * so no record is ever in two batches at once. The pending set is bounded: `add` waits while it is full.
 * CometD has no flow control, so the change events' deals beyond it wait in the intake, once per deal
 * (see DealQueue), which hands them over while the pending set is short; the sweep, which pages, feels
 * the wait.
 *
 * Ids a batch hands back (`later`: rows another transaction still locks) wait out a growing delay and
 * come back into the pending set; their waiters stay unsettled until a later batch finishes them. The
 * delays live in memory only, and need not be durable: a waiter that has not settled keeps its change
 * event unfinished, so the replay checkpoint stays before that event, and after a crash or a restart
 * the org replays it and the row is tried afresh. Nothing is lost; at worst the row is written again.
 */

/** What a batch can hand back: ids it could not finish now but will later (rows another transaction locks). */
export interface BatchFollowUp {
  later: string[];
}

export interface BatcherOptions {
  /** How long to wait for more ids after the first one arrives. */
  windowMs: number;
  /** Most ids in one batch (sObject Collections take 200 records per call). */
  maxBatch: number;
  /** Most ids waiting; beyond this `add` waits for room. */
  maxPending: number;
  /** `finalTry(id)`: true when an id handed back now would not be tried again (no delay left for it). */
  process: (ids: string[], info: { finalTry: (id: string) => boolean }) => Promise<void | BatchFollowUp>;
  /**
   * Delay before try number `attempt` (1, 2, …) of an id handed back as `later`; undefined gives up
   * on it: its waiters fail with a retryable error.
   */
  laterDelayMs?: (attempt: number) => number | undefined;
}

/**
 * One `add` call. An id the waiter asked for is either not yet cut into a batch (`uncut`) or in a batch
 * that has not finished (counted by `inFlight`). An id added again while an earlier batch holds it is
 * uncut for the new waiter: only the next batch processes the change that caused the second add.
 */
interface Waiter {
  uncut: Set<string>;
  /** The ids of this waiter in the batch now running. */
  taken?: Set<string>;
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
  /** Ids waiting out a delay before their next batch, with how many times they were handed back. */
  private readonly later = new Map<string, { attempt: number; timer?: NodeJS.Timeout }>();

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

  /** Ids waiting out a delay (a locked row) before they are batched again. */
  get deferred(): number {
    return [...this.later.values()].filter((l) => l.timer !== undefined).length;
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
    // Ids waiting out a delay are not waited for: their waiters fail as retryable, so their events stay
    // unfinished, the checkpoint stays before them, and they are replayed after the restart.
    for (const [id, l] of this.later) {
      if (l.timer === undefined) continue;
      clearTimeout(l.timer);
      this.later.delete(id);
      this.giveUp(id, 'the service is stopping');
    }
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
      let later: readonly string[] = [];
      try {
        later = (await this.options.process(batch, { finalTry: (id) => this.isFinalTry(id) }))?.later ?? [];
      } catch (err) {
        outcome = { failure: err };
      }
      if (!outcome) this.deferAll(owners, batch, later);
      this.settle(owners, outcome);
    }
  }

  /** Hands the batch's ids over from every waiter that asked for one of them and has not had it cut yet. */
  private cut(batch: readonly string[]): Waiter[] {
    const owners: Waiter[] = [];
    for (const waiter of this.waiters) {
      const taken = new Set<string>();
      for (const id of batch) {
        if (waiter.uncut.delete(id)) taken.add(id);
      }
      if (taken.size > 0) {
        waiter.inFlight++;
        waiter.taken = taken;
        owners.push(waiter);
      }
    }
    return owners;
  }

  /**
   * Ids handed back go to their owners' `uncut` again, so those waiters stay unsettled until a later
   * batch finishes them; the ids come back into the pending set after the delay. Ids that finished are
   * forgotten.
   */
  private deferAll(owners: readonly Waiter[], batch: readonly string[], later: readonly string[]): void {
    const back = new Set(later);
    for (const id of batch) {
      if (back.has(id)) continue;
      // Finished (perhaps by a fresh change batched before its delay ran out): no retry owed.
      clearTimeout(this.later.get(id)?.timer);
      this.later.delete(id);
    }
    for (const id of back) {
      for (const waiter of owners) if (waiter.taken?.has(id)) waiter.uncut.add(id);
      const attempt = (this.later.get(id)?.attempt ?? 0) + 1;
      const delay = this.closed ? undefined : this.options.laterDelayMs?.(attempt);
      if (delay === undefined) {
        this.later.delete(id);
        this.giveUp(id, `still not finished after ${attempt} tries`);
        continue;
      }
      const timer = setTimeout(() => {
        this.later.set(id, { attempt });
        this.pending.add(id);
        this.flushSoon(0);
      }, delay);
      timer.unref();
      this.later.set(id, { attempt, timer });
    }
  }

  private isFinalTry(id: string): boolean {
    const attempt = (this.later.get(id)?.attempt ?? 0) + 1;
    return this.closed || this.options.laterDelayMs?.(attempt) === undefined;
  }

  /** Fails every waiter still owning `id`, as retryable: the change is not lost, only not done now. */
  private giveUp(id: string, why: string): void {
    const err = new ScorerError('ORG_REQUEST_FAILED', `Opportunity ${id} could not be written: ${why}`, {
      retryable: true,
      context: { id },
    });
    for (const waiter of this.waiters) {
      if (!waiter.uncut.has(id)) continue;
      this.waiters.delete(waiter);
      waiter.reject(err);
    }
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
