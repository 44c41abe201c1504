import type { Metrics } from '../http/metrics';
import type { Logger } from '../lib/logger';
import { to18 } from '../salesforce/ids';
import type { DeadLetter } from '../state/dead-letters';
import { DealQueue } from './deal-queue';
import { WorkLine } from './work-line';
import { retryUntilDone, worthRetrying, writeDeadLetter } from './retry-until';
import { parseChangeEvent, replayIdOf, type ChangeEvent, type EventRoute } from './route-event';
import { Watermark, type Segment } from './watermark';

/**
 * Takes change events as the stream delivers them and sees each one through: routed, its deals
 * scored and written (or dead-lettered), and only then counted into the replay watermark that the
 * checkpoint stores. A failure worth retrying (network, 5xx, the org's API limit, an expired token)
 * keeps the work unfinished and tries again later, so the checkpoint cannot pass it; a failure that
 * will never succeed (a malformed event) is dead-lettered with its replay id. Nothing is dropped.
 *
 * Memory is bounded: nothing of an event is kept once it is routed but its deals (held per deal in
 * the DealQueue, however many events name them) and its place in the watermark. At `maxPendingDeals`
 * the intake stops holding ids: those events wait in the watermark for a catch-up sweep that rescores
 * every deal modified since (CometD has no flow control, so a 100,000-change replay cannot be slowed).
 */

export interface IntakeOptions {
  route: (ev: ChangeEvent) => EventRoute;
  /** The batch path: resolves when these opportunity ids are scored and written. */
  submit: (ids: string[]) => Promise<void>;
  /** Ids queued in the batch path and not yet in a batch (the batcher's depth). */
  busy?: () => number;
  /** Finds the opportunities of related records (tasks, contact roles, …) the event did not name. */
  resolve: (route: Extract<EventRoute, { kind: 'resolve' }>) => Promise<string[]>;
  requestSweep: (reason: string) => void;
  /** Rescores every deal modified after `since` (ms); resolves once a sweep that began after the call is done. */
  catchUp: (since: number) => Promise<void>;
  deadLetter: (letter: DeadLetter) => Promise<unknown>;
  /** Persists the watermark; called after events finish, at most once per `checkpointEveryMs`. */
  saveCheckpoint: (replayId: number) => Promise<void>;
  initialReplayId: number | undefined;
  checkpointEveryMs?: number;
  /** Delay before retry number `attempt` of failed work. */
  retryDelayMs: (attempt: number, err: unknown) => number;
  /** Most deals (and related-record lookups) held at once; default 50,000. */
  maxPendingDeals?: number;
  logger: Logger;
  metrics?: Metrics;
  now: () => number;
}

/** A catch-up starts this long before the first change not held: a save is stamped before it commits. */
const CATCH_UP_MARGIN_MS = 60_000;
const DEFAULT_MAX_PENDING = 50_000;
/** Lookups of related records running at once; more wait in line (bounded by the cap). */
const LOOKUPS_AT_ONCE = 2;

interface Lookup {
  route: Extract<EventRoute, { kind: 'resolve' }>;
  ev: ChangeEvent;
  seg: Segment;
}

export class EventIntake {
  private readonly watermark: Watermark;
  private readonly deals: DealQueue;
  private maxSeen: number;
  private saved: number | undefined;
  private saving: Promise<void> = Promise.resolve();
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Lookups of related records' opportunities; each holds its event's segment while it waits and runs. */
  private readonly lookups = new WorkLine<Lookup>(LOOKUPS_AT_ONCE, (l) => this.lookUp(l));
  private readonly stopping = new AbortController();
  private failure: string | undefined;
  private newestCommitValue: number | undefined;
  /** The segment of this delivery's events not held; later ones of the same delivery join it. */
  private notHeldSeg: Segment | undefined;

  constructor(private readonly opts: IntakeOptions) {
    this.watermark = new Watermark(opts.initialReplayId, () => this.scheduleSave());
    this.saved = opts.initialReplayId;
    this.maxSeen = opts.initialReplayId ?? Number.NEGATIVE_INFINITY;
    this.deals = new DealQueue({
      watermark: this.watermark,
      submit: opts.submit,
      busy: opts.busy ?? (() => 0),
      // Two batches' worth queued keeps the batch path full; the rest waits here, once per deal.
      maxBusy: 400,
      cap: this.cap,
      retryDelayMs: opts.retryDelayMs,
      worthRetrying,
      onFailing: (reason) => (this.failure = reason),
      onFailedForGood: (replayIds, err) => this.deadLetterDeals(replayIds, err),
      // The change-to-write latency is observed by the batch path for deals it wrote (secondsSinceChange):
      // a deal whose values did not move is no write to wait for.
      onWritten: () => this.opts.metrics?.eventsProcessed.inc(),
      logger: opts.logger,
    });
  }

  /** The newest replay id up to which every event is finished. */
  get checkpoint(): number | undefined {
    return this.watermark.value;
  }

  /** Pieces of work still open (deals waiting or in a batch, lookups, catch-ups, dead letters). */
  get outstanding(): number {
    return this.watermark.outstanding;
  }

  /** Deals held, waiting for their batch or in one. */
  get pendingDeals(): number {
    return this.deals.size;
  }

  /** The newest commitTimestamp among the events received (echoes and skipped ones too): the drift check's "seen". */
  get newestCommit(): number | undefined {
    return this.newestCommitValue;
  }

  /** Why events are not finishing (a failure being retried), for /readyz; undefined when they are. */
  get failing(): string | undefined {
    return this.failure;
  }

  /**
   * The org refused the stored replay id and the subscription starts over from what it retains: those
   * replay ids may be lower than the ones seen before (another org, a refreshed sandbox), so forget
   * which ids were seen rather than skip them as duplicates.
   */
  replayRestarted(): void {
    this.maxSeen = Number.NEGATIVE_INFINITY;
  }

  /** Seconds from the org's commit of the oldest change a held deal waits for to now; null for ids no event asked for. */
  secondsSinceChange(id: string): number | null {
    const at = this.deals.commitTimestampOf(to18(id));
    return at === undefined ? null : Math.max(0, this.opts.now() - at) / 1000;
  }

  /** The change event behind an opportunity id, for dead letters. */
  replayIdOf(id: string): number | null {
    return this.deals.replayIdOf(to18(id));
  }

  /** Called by the subscriber for every message, in delivery order; never throws. */
  accept(message: unknown): void {
    const replayId = replayIdOf(message);
    // A rebuilt subscription replays from the checkpoint, so events still in flight come again.
    if (replayId !== null && replayId <= this.maxSeen) {
      this.opts.metrics?.eventsSkipped.inc({ reason: 'duplicate' });
      return;
    }
    if (replayId !== null) this.maxSeen = replayId;
    let ev: ChangeEvent | undefined;
    try {
      ev = parseChangeEvent(message);
      // The org's clock may run ahead of ours, but "seen" never runs ahead of now: a commit time from the
      // future would hide a deaf subscription from the drift check until that moment.
      const raw = ev.header.commitTimestamp;
      const at = raw === undefined ? undefined : Math.min(raw, this.opts.now());
      if (at !== undefined) this.newestCommitValue = Math.max(this.newestCommitValue ?? at, at);
      this.opts.metrics?.eventsReceived.inc({ entity: ev.header.entityName });
      this.follow(ev, this.opts.route(ev));
    } catch (err) {
      const seg = this.openSegment(replayId);
      this.track(seg, this.deadLetterEvent(message, ev, err));
    }
  }

  /**
   * Stops taking new work, waits up to `deadlineMs` for the work in flight, then writes the checkpoint.
   * Work still unfinished at the deadline is left out of it and comes again after a restart.
   */
  async drain(deadlineMs: number): Promise<void> {
    const all = Promise.all([this.deals.idle(), this.lookups.idle(), ...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    const result = await Promise.race([all.then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (result === 'late') {
      this.opts.logger.warn(
        { unfinished: this.outstanding },
        'Drain deadline reached; unfinished events will be replayed',
      );
    }
    this.stopping.abort();
    this.deals.stop();
    await this.flush();
  }

  async flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const value = this.watermark.value;
    // A failed save must not poison the chain: the next flush tries again.
    this.saving = this.saving
      .catch(() => undefined)
      .then(async () => {
        if (value === undefined || value === this.saved) return;
        await this.opts.saveCheckpoint(value);
        this.saved = value;
      });
    await this.saving;
  }

  private get cap(): number {
    return this.opts.maxPendingDeals ?? DEFAULT_MAX_PENDING;
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.flush().catch((err: unknown) =>
        this.opts.logger.error(
          { err },
          'Could not write the replay checkpoint; it is retried with the next event',
        ),
      );
    }, this.opts.checkpointEveryMs ?? 1000);
    this.saveTimer.unref();
  }

  private follow(ev: ChangeEvent, route: EventRoute): void {
    const log = this.opts.logger;
    switch (route.kind) {
      case 'skip':
        this.opts.metrics?.eventsSkipped.inc({ reason: route.reason.split(' ')[0] });
        log.debug({ replayId: ev.replayId, reason: route.reason }, 'Change event skipped');
        return this.watermark.join(ev.replayId);
      case 'sweep':
        log.warn({ replayId: ev.replayId, reason: route.reason }, 'Change event asks for a sweep');
        this.opts.requestSweep(route.reason);
        return this.watermark.join(ev.replayId);
      case 'resolve':
        if (this.lookups.size + this.deals.size >= this.cap) return this.notHeld(ev, route.recordIds.length);
        return this.lookups.push({ route, ev, seg: this.openSegment(ev.replayId, 1) });
      case 'score':
        return this.take(ev, route.ids.map(to18), undefined);
    }
  }

  /** Holds the event's deals; `seg` when the event already has one (a lookup), else one is opened. */
  private take(ev: ChangeEvent, named: string[], seg: Segment | undefined): void {
    // One deal named twice in an event (merged events repeat ids) is one deal to hold.
    const ids = [...new Set(named)];
    const fresh = ids.filter((id) => !this.deals.has(id));
    const at = ev.header.commitTimestamp;
    if (!this.deals.fits(fresh.length)) return this.notHeld(ev, fresh.length, seg);
    if (fresh.length === 0 && seg === undefined) {
      // Every deal already waits for a batch that will see this change too.
      for (const id of ids) this.deals.touch(id, ev.replayId);
      return this.watermark.join(ev.replayId);
    }
    const target = seg ?? this.watermark.open(ev.replayId);
    for (const id of ids) this.deals.add(id, target, ev.replayId, at);
    this.watermark.settle();
  }

  /**
   * At the cap: the ids are not held. The event waits in the watermark until a catch-up sweep that
   * starts after it has rescored every deal modified since its commit; the events of one delivery
   * share a segment and a catch-up.
   */
  private notHeld(ev: ChangeEvent, ids: number, seg?: Segment): void {
    this.opts.metrics?.idsNotHeld.inc(ids);
    if (seg === undefined && this.notHeldSeg && this.watermark.joinIf(this.notHeldSeg, ev.replayId)) return;
    const target = seg ?? this.openSegment(ev.replayId);
    // From the change's commit (never later than now, whatever the org's clock says), with a margin.
    const since =
      Math.min(ev.header.commitTimestamp ?? this.opts.now(), this.opts.now()) - CATCH_UP_MARGIN_MS;
    this.watermark.hold(target);
    if (seg === undefined) {
      this.notHeldSeg = target;
      // A catch-up can only start on a later turn of the event loop: the rest of this delivery may join.
      queueMicrotask(() => {
        if (this.notHeldSeg === target) this.notHeldSeg = undefined;
      });
      this.opts.logger.warn(
        { replayId: ev.replayId, cap: this.cap, since: new Date(since).toISOString() },
        'Pending deals at the cap; not holding ids, a catch-up sweep covers them',
      );
    }
    void this.opts.catchUp(since).then(() => this.watermark.release(target));
  }

  private async lookUp({ route, ev, seg }: Lookup): Promise<void> {
    let release = true;
    try {
      const found = await retryUntilDone(
        () => this.opts.resolve(route),
        {
          retryDelayMs: this.opts.retryDelayMs,
          signal: this.stopping.signal,
          onFailing: (reason) => (this.failure = reason),
          logger: this.opts.logger,
        },
        { replayId: ev.replayId },
      );
      // The drain gave up: the segment stays held, the event is replayed after the restart.
      if (found === undefined) release = false;
      else if (found.value.length > 0) this.take(ev, found.value.map(to18), seg);
    } catch (err) {
      await this.deadLetterEvent(undefined, ev, err);
    }
    // `take` has put its own holds on the segment for the deals found.
    if (release) this.watermark.release(seg);
  }

  /** A segment for one event, with `holds` pieces of work; a message without a replay id gets a detached one. */
  private openSegment(replayId: number | null, holds = 0): Segment {
    const seg = replayId === null ? { last: Number.NaN, open: 0 } : this.watermark.open(replayId);
    if (holds > 0) this.watermark.hold(seg, holds);
    return seg;
  }

  /** Holds `seg` while `work` runs; released when it ends. */
  private track(seg: Segment, work: Promise<void>): void {
    this.watermark.hold(seg);
    const p = work.then(() => this.watermark.release(seg));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deadLetterDeals(replayIds: Map<string, number | null>, err: unknown): Promise<void> {
    for (const [id, replayId] of replayIds) {
      await writeDeadLetter(this.opts, { replayId, recordIds: [id] }, err);
    }
  }

  private async deadLetterEvent(message: unknown, ev: ChangeEvent | undefined, err: unknown): Promise<void> {
    await writeDeadLetter(
      this.opts,
      { replayId: ev?.replayId ?? replayIdOf(message), recordIds: ev?.header.recordIds ?? [] },
      err,
    );
  }
}
