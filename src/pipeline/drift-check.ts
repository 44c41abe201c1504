import type { Logger } from '../lib/logger';

/**
 * Events are hints; the org is the truth. Every `intervalMs` this asks the org (one API call) for the
 * newest `SystemModstamp` over the objects of the channel and compares it with the newest change event
 * the stream brought. Records modified after that, and still not announced by an event `graceMs` after
 * they were first seen, mean the subscription is deaf whatever faye believes (a subscription the
 * server dropped while connects still succeed, a refused resubscribe, a bug nobody foresaw): the
 * subscription is rebuilt and a catch-up sweep rescores what was modified since the last event.
 *
 * Only the org's clock is compared with the org's clock (SystemModstamp against commitTimestamp); the
 * local clock only measures the grace period.
 */

export interface DriftCheckOptions {
  intervalMs: number;
  /** How long a change may stay unannounced (events in flight, a busy org) before it counts as drift. */
  graceMs: number;
  /** The newest SystemModstamp in the org (ms), or undefined when it holds no records. */
  newestInOrg: () => Promise<number | undefined>;
  /** The newest commitTimestamp among the change events received, or undefined before the first. */
  newestSeen: () => number | undefined;
  /** The subscription is deaf: rebuild it, and sweep what was modified after `since`. */
  onDrift: (since: number, newestInOrg: number) => void;
  /**
   * SystemModstamp is stamped when the row is saved, commitTimestamp when its transaction commits, a
   * little later: a change counts as unannounced only when it is newer than the newest event by more
   * than this. Default 2 s.
   */
  slackMs?: number;
  logger: Logger;
  onCheck?: (outcome: 'in-step' | 'suspect' | 'drift' | 'failed') => void;
  now?: () => number;
}

const DEFAULT_SLACK_MS = 2000;

export class DriftCheck {
  private timer: NodeJS.Timeout | undefined;
  /** Where "seen" starts when no event has come yet, or after a drift was handled. */
  private floor: number | undefined;
  /** A change newer than every event, and the local time it was first noticed. */
  private suspect: { newest: number; since: number } | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: DriftCheckOptions) {}

  /** Takes the first look now (it sets the starting point when no event has arrived yet), then every interval. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One check; exposed so tests and the admin path can run it at a chosen moment. */
  async check(): Promise<void> {
    this.running ??= this.look().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.check().then(() => {
        // A suspect change is looked at again after the grace period rather than a whole interval.
        this.schedule(this.suspect ? this.opts.graceMs : this.opts.intervalMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async look(): Promise<void> {
    const log = this.opts.logger;
    const slack = this.opts.slackMs ?? DEFAULT_SLACK_MS;
    let newest: number | undefined;
    try {
      newest = await this.opts.newestInOrg();
    } catch (err) {
      this.opts.onCheck?.('failed');
      log.warn({ err }, 'Drift check failed; trying again at the next one');
      return;
    }
    if (newest === undefined) return this.outcome('in-step');
    const seen = Math.max(
      this.opts.newestSeen() ?? Number.NEGATIVE_INFINITY,
      this.floor ?? Number.NEGATIVE_INFINITY,
    );
    if (!Number.isFinite(seen)) {
      // No event yet and no earlier look: what the org holds now is the starting point.
      this.floor = newest;
      return this.outcome('in-step');
    }
    if (newest <= seen + slack) {
      this.suspect = undefined;
      return this.outcome('in-step');
    }
    const now = (this.opts.now ?? Date.now)();
    if (this.suspect === undefined || this.suspect.newest <= seen + slack) {
      // Perhaps only in flight: the event for a save a moment ago may not have arrived yet.
      this.suspect = { newest, since: now };
      return this.outcome('suspect');
    }
    if (now - this.suspect.since < this.opts.graceMs) return this.outcome('suspect');
    const unannouncedMs = this.suspect.newest - seen;
    log.error(
      {
        newestEvent: new Date(seen).toISOString(),
        newestInOrg: new Date(newest).toISOString(),
        unannouncedMs,
      },
      'Records changed in the org without a change event; rebuilding the subscription and catching up',
    );
    this.suspect = undefined;
    this.floor = newest;
    this.outcome('drift');
    this.opts.onDrift(seen - slack, newest);
  }

  private outcome(o: 'in-step' | 'suspect' | 'drift'): void {
    this.opts.onCheck?.(o);
  }
}
