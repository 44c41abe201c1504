import type { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import type { Metrics } from '../http/metrics';
import { withDeadline } from '../lib/deadline';
import type { Logger } from '../lib/logger';
import { bayeuxError, disposeClient, isAbout, type BayeuxMessage, type FayeClient } from './faye-client';

/**
 * The one CometD subscription of the process. jsforce's Replay extension makes the subscription
 * durable, its AuthFailure extension turns Salesforce's "401::Authentication invalid" (advice
 * reconnect none) into a callback instead of a silently dead client, and a watchdog rebuilds a client
 * that has stopped completing /meta/connect for any other reason (a raw HTTP 401 loops in faye's
 * transport retry for ever). Every rebuild starts from the stored checkpoint, not from what faye saw
 * last, and each client carries a generation number so a replaced client can never deliver again:
 * there is exactly one live subscription.
 *
 * Every subscription is confirmed, faye's own included: after "403::Unknown client" faye handshakes
 * again and resubscribes by itself, and when the org refuses that resubscribe (say, the replay id faye
 * remembers has expired) faye only drops the subscription while /meta/connect goes on succeeding, so
 * the watchdog would never fire. Until the resubscribe is acknowledged the state is "connecting" (and
 * /readyz says so); a refusal, or no answer within `confirmMs`, rebuilds the client from the checkpoint.
 */

export interface SubscriberOptions {
  channel: string;
  connection: () => Connection;
  /** Where a (re)built client starts: the checkpoint, or undefined for new events only. */
  replayFrom: () => number | undefined;
  onMessage: (message: unknown) => void;
  /**
   * Called before a client is rebuilt after a streaming auth failure: mints a new token and puts it
   * on the connection, or (a token that cannot be refreshed) checks that REST still takes it. Throws
   * when neither works.
   */
  refreshAuth: () => Promise<void>;
  /** The stored replay id was refused (expired or unknown): events were lost, a sweep must repair them. */
  onReplayRefused: (replayId: number, reason: string) => void;
  /** Rebuild the client when no /meta/connect succeeded for this long (Salesforce holds a poll ≤ 110 s). */
  watchdogMs?: number;
  /** How long faye's own resubscribe after a re-handshake may take before the client is rebuilt. */
  confirmMs?: number;
  /** How long to wait before trying again after a failed (re)build; also the first auth backoff step. */
  retryMs?: number;
  /** Longest wait between re-handshakes when the streaming connection keeps refusing the token. */
  authBackoffMaxMs?: number;
  logger: Logger;
  metrics?: Pick<Metrics, 'subscriptionRebuilds' | 'replayFallbacks'>;
  now?: () => number;
}

export type SubscriberState = 'stopped' | 'connecting' | 'subscribed' | 'failed';

export type RebuildCause = 'auth' | 'watchdog' | 'retry' | 'resubscribe' | 'drift';

export class ChangeSubscriber {
  private generation = 0;
  private client: FayeClient | undefined;
  private lastAlive = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private rebuilding: Promise<void> | undefined;
  private stateValue: SubscriberState = 'stopped';
  private failureValue: string | undefined;
  private onSubscribed: (() => void) | undefined;
  /** An auth failure arrived while a rebuild was under way: the next attempt refreshes first. */
  private refreshWanted = false;
  /** The current client has been subscribed once: a later handshake is faye's own, after a lost session. */
  private confirmed = false;
  /** When faye re-handshook on its own; set until its resubscribe is acknowledged. */
  private resubscribeSince: number | undefined;
  /** Streaming auth failures since the last successful connect: the re-handshake backoff grows with them. */
  private authFailures = 0;
  private sleeper: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(private readonly opts: SubscriberOptions) {}

  get state(): SubscriberState {
    return this.stateValue;
  }

  /** Why the subscription is not live, for /readyz. */
  get failure(): string | undefined {
    return this.failureValue;
  }

  /**
   * Subscribes; resolves once a subscription is live. That may be a rebuilt client's: a stored token
   * that has expired is refused at the handshake, refreshed, and the rebuild subscribes instead.
   */
  async start(): Promise<void> {
    const every = Math.max(50, Math.floor(Math.min(this.watchdogMs, this.confirmMs) / 4));
    this.watchdog = setInterval(() => this.checkAlive(), every);
    this.watchdog.unref();
    const live = new Promise<void>((resolve) => {
      this.onSubscribed = resolve;
    });
    // A refusal of the first client (unknown channel, say) fails the start at once.
    const first = this.connect(++this.generation);
    try {
      await withDeadline(
        Promise.race([live, first.then(() => live)]),
        this.watchdogMs,
        () => new Error(`No subscription within ${this.watchdogMs} ms: ${this.failureValue ?? 'no answer'}`),
      );
    } catch (err) {
      await this.stop();
      this.stateValue = 'failed';
      this.failureValue = (err as Error).message;
      throw err;
    } finally {
      this.onSubscribed = undefined;
    }
  }

  async stop(): Promise<void> {
    this.generation++;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.watchdog = undefined;
    this.wake();
    // Drop the client first: a rebuild waiting on it then ends by its timeout at the latest.
    await this.dropClient();
    await this.rebuilding?.catch(() => undefined);
    await this.dropClient();
    this.stateValue = 'stopped';
  }

  /**
   * Replaces the client now, from the checkpoint: the drift check found changes in the org that no
   * event brought, so the subscription is deaf whatever faye believes. No-op while a rebuild runs.
   */
  rebuildNow(cause: Extract<RebuildCause, 'drift'>): void {
    if (this.stateValue === 'stopped') return;
    this.rebuild(cause, false);
  }

  private get watchdogMs(): number {
    return this.opts.watchdogMs ?? 160_000;
  }

  private get confirmMs(): number {
    return Math.min(this.opts.confirmMs ?? 30_000, this.watchdogMs);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private async connect(gen: number, replayOverride?: number): Promise<void> {
    void this.dropClient();
    this.stateValue = 'connecting';
    this.confirmed = false;
    this.resubscribeSince = undefined;
    const from = replayOverride ?? this.opts.replayFrom() ?? -1;
    const client = this.buildClient(gen, from);
    this.client = client;
    this.lastAlive = this.now();
    try {
      await client.subscribe(this.opts.channel, (message) => {
        if (gen === this.generation) this.opts.onMessage(message);
      });
    } catch (err) {
      if (gen !== this.generation) return;
      const reason = bayeuxError(err);
      if (/^400::The replayId/.test(reason) && from >= 0) return this.fallBack(gen, from, reason);
      void this.dropClient();
      throw new Error(`Subscribing to ${this.opts.channel} failed: ${reason}`);
    }
    if (gen !== this.generation) return;
    this.confirmed = true;
    this.stateValue = 'subscribed';
    this.failureValue = undefined;
    this.onSubscribed?.();
    this.opts.logger.info({ channel: this.opts.channel, replayFrom: from }, 'Subscribed to change events');
  }

  /**
   * The stored replay id is past the 72-hour retention (or not from this org). Retrying it would fail
   * for ever, so fall back once to every retained event (-2) and let a sweep repair what expired.
   */
  private async fallBack(gen: number, from: number, reason: string): Promise<void> {
    this.opts.logger.error(
      { channel: this.opts.channel, replayId: from, reason },
      'Replay id refused; replaying all retained events and sweeping',
    );
    this.opts.metrics?.replayFallbacks.inc();
    this.opts.onReplayRefused(from, reason);
    await this.connect(gen, -2);
  }

  private buildClient(gen: number, from: number): FayeClient {
    const replay = new StreamingExtension.Replay(this.opts.channel, from);
    const authFailure = new StreamingExtension.AuthFailure((message: BayeuxMessage) => {
      if (gen !== this.generation) return;
      this.authFailures++;
      const reason = message.ext?.sfdc?.failureReason ?? message.error ?? 'authentication failed';
      this.opts.logger.warn(
        { reason, failures: this.authFailures },
        'Streaming authentication failed; renewing the session',
      );
      this.rebuild('auth', true);
    });
    // Sees every answer of the org: successful connects feed the watchdog, handshakes and
    // subscribes tell whether faye's own resubscribe went through.
    const observer = {
      incoming: (message: BayeuxMessage, callback: (m: BayeuxMessage) => void) => {
        if (gen === this.generation) this.observe(message);
        callback(message);
      },
    };
    const conn = this.opts.connection();
    return conn.streaming.createClient([authFailure, replay, observer] as never) as unknown as FayeClient;
  }

  private observe(message: BayeuxMessage): void {
    const log = this.opts.logger;
    switch (message.channel) {
      case '/meta/connect':
        if (!message.successful) return;
        this.lastAlive = this.now();
        if (this.stateValue === 'subscribed') this.authFailures = 0;
        return;
      case '/meta/handshake':
        // Our own first handshake comes before `confirmed`; a later one is faye's, after a lost session.
        if (!message.successful || !this.confirmed) return;
        this.resubscribeSince = this.now();
        this.stateValue = 'connecting';
        log.warn({ channel: this.opts.channel }, 'The org forgot the session; waiting for the resubscribe');
        return;
      case '/meta/subscribe':
        if (this.resubscribeSince === undefined || !isAbout(message, this.opts.channel)) return;
        if (message.successful) {
          log.info({ tookMs: this.now() - this.resubscribeSince }, 'Resubscribed after a new handshake');
          this.resubscribeSince = undefined;
          this.stateValue = 'subscribed';
          return;
        }
        log.error(
          { channel: this.opts.channel, reason: message.error },
          'The org refused the resubscribe after a new handshake; rebuilding from the checkpoint',
        );
        this.rebuild('resubscribe', false);
        return;
    }
  }

  private checkAlive(): void {
    if (this.rebuilding) return;
    const since = this.resubscribeSince;
    if (since !== undefined && this.now() - since > this.confirmMs) {
      this.opts.logger.error(
        { waitedMs: this.now() - since },
        'No answer to the resubscribe after a new handshake; rebuilding the subscription',
      );
      this.rebuild('resubscribe', false);
      return;
    }
    if (this.stateValue !== 'subscribed') return;
    if (this.now() - this.lastAlive <= this.watchdogMs) return;
    this.opts.logger.warn(
      { silentMs: this.now() - this.lastAlive },
      'No successful connect for too long; rebuilding the subscription',
    );
    this.rebuild('watchdog', false);
  }

  /**
   * Replaces the client: one rebuild at a time, each bounded by the watchdog time (faye retries a
   * failed handshake for ever and never settles the subscription); a failed rebuild is retried after
   * retryMs. After repeated streaming auth failures each re-handshake waits longer (a token the
   * streaming side keeps refusing must not be retried in a tight loop).
   */
  private rebuild(cause: RebuildCause, refresh: boolean): void {
    if (refresh) this.refreshWanted = true;
    if (this.rebuilding) return;
    const gen = ++this.generation;
    void this.dropClient();
    this.stateValue = 'connecting';
    this.resubscribeSince = undefined;
    this.opts.metrics?.subscriptionRebuilds.inc({ cause });
    this.rebuilding = (async () => {
      try {
        const wait = this.authBackoffMs();
        if (this.refreshWanted && wait > 0) {
          this.opts.logger.info({ retryInMs: wait }, 'Waiting before the next re-handshake');
          await this.sleep(wait);
          if (gen !== this.generation) return;
        }
        if (this.refreshWanted) {
          await this.opts.refreshAuth();
          this.refreshWanted = false;
        }
        const ms = this.watchdogMs;
        await withDeadline(
          this.connect(gen),
          ms,
          () => new Error(`No subscription after the rebuild within ${ms} ms`),
        );
      } catch (err) {
        if (gen !== this.generation) return;
        this.generation++; // the timed-out client must never deliver
        void this.dropClient();
        this.stateValue = 'failed';
        this.failureValue = (err as Error).message;
        this.opts.logger.error({ err, retryInMs: this.retryMs }, 'Could not rebuild the subscription');
        this.retryTimer = setTimeout(() => this.rebuild('retry', false), this.retryMs);
        this.retryTimer.unref();
      }
    })().finally(() => {
      this.rebuilding = undefined;
    });
  }

  /** No wait for the first auth failure (a token that expired once), then retryMs doubling up to the cap. */
  private authBackoffMs(): number {
    if (this.authFailures <= 1) return 0;
    const max = this.opts.authBackoffMaxMs ?? 5 * 60_000;
    return Math.min(max, this.retryMs * 2 ** (this.authFailures - 2));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), ms);
      timer.unref();
      this.sleeper = { timer, wake: resolve };
    });
  }

  private wake(): void {
    const s = this.sleeper;
    this.sleeper = undefined;
    if (!s) return;
    clearTimeout(s.timer);
    s.wake();
  }

  private get retryMs(): number {
    return this.opts.retryMs ?? 30_000;
  }

  private dropClient(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    return old ? disposeClient(old, this.opts.logger) : Promise.resolve();
  }
}
