import type { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import type { Metrics } from '../http/metrics';
import { withDeadline } from '../lib/deadline';
import type { Logger } from '../lib/logger';

/**
 * The one CometD subscription of the process. jsforce's Replay extension makes the subscription
 * durable, its AuthFailure extension turns Salesforce's "401::Authentication invalid" (advice
 * reconnect none) into a callback instead of a silently dead client, and a watchdog rebuilds a client
 * that has stopped completing /meta/connect for any other reason (a raw HTTP 401 loops in faye's
 * transport retry for ever). Every rebuild starts from the stored checkpoint, not from what faye saw
 * last, and each client carries a generation number so a replaced client can never deliver again:
 * there is exactly one live subscription.
 */

/** faye's client as jsforce returns it; jsforce's own typings only describe a part of it. */
interface FayeClient {
  subscribe(channel: string, onMessage: (message: unknown) => void): PromiseLike<unknown>;
  disconnect(): PromiseLike<unknown> | undefined;
  on(event: 'transport:up' | 'transport:down', cb: () => void): void;
}

interface BayeuxMessage {
  channel?: string;
  successful?: boolean;
  error?: string;
  ext?: { sfdc?: { failureReason?: string } };
}

export interface SubscriberOptions {
  channel: string;
  connection: () => Connection;
  /** Where a (re)built client starts: the checkpoint, or undefined for new events only. */
  replayFrom: () => number | undefined;
  onMessage: (message: unknown) => void;
  /** Mints a new token and puts it on the connection; throws when that is impossible. */
  refreshAuth: () => Promise<void>;
  /** The stored replay id was refused (expired or unknown): events were lost, a sweep must repair them. */
  onReplayRefused: (replayId: number, reason: string) => void;
  /** Rebuild the client when no /meta/connect succeeded for this long (Salesforce holds a poll ≤ 110 s). */
  watchdogMs?: number;
  /** How long to wait before trying again after a failed (re)build. */
  retryMs?: number;
  logger: Logger;
  metrics?: Pick<Metrics, 'subscriptionRebuilds' | 'replayFallbacks'>;
  now?: () => number;
}

export type SubscriberState = 'stopped' | 'connecting' | 'subscribed' | 'failed';

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
    const every = Math.max(50, Math.floor(this.watchdogMs / 4));
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
    // Drop the client first: a rebuild waiting on it then ends by its timeout at the latest.
    await this.dropClient();
    await this.rebuilding?.catch(() => undefined);
    await this.dropClient();
    this.stateValue = 'stopped';
  }

  private get watchdogMs(): number {
    return this.opts.watchdogMs ?? 160_000;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private async connect(gen: number, replayOverride?: number): Promise<void> {
    void this.dropClient();
    this.stateValue = 'connecting';
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
      const reason = message.ext?.sfdc?.failureReason ?? message.error ?? 'authentication failed';
      this.opts.logger.warn({ reason }, 'Streaming authentication failed; refreshing the token');
      this.rebuild('auth', true);
    });
    // Every successful /meta/connect proves the long poll is alive; the watchdog reads this.
    const heartbeat = {
      incoming: (message: BayeuxMessage, callback: (m: BayeuxMessage) => void) => {
        if (gen === this.generation && message.channel === '/meta/connect' && message.successful)
          this.lastAlive = this.now();
        callback(message);
      },
    };
    const conn = this.opts.connection();
    return conn.streaming.createClient([authFailure, replay, heartbeat] as never) as unknown as FayeClient;
  }

  private checkAlive(): void {
    if (this.rebuilding || this.stateValue !== 'subscribed') return;
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
   * retryMs.
   */
  private rebuild(cause: 'auth' | 'watchdog' | 'retry', refresh: boolean): void {
    if (refresh) this.refreshWanted = true;
    if (this.rebuilding) return;
    const gen = ++this.generation;
    void this.dropClient();
    this.stateValue = 'connecting';
    this.opts.metrics?.subscriptionRebuilds.inc({ cause });
    this.rebuilding = (async () => {
      try {
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

  private get retryMs(): number {
    return this.opts.retryMs ?? 30_000;
  }

  /**
   * Says goodbye to the server (so it can free the session) and then shuts the client down for certain:
   * resolves once it is gone, at most `DISCONNECT_GRACE_MS` later.
   */
  private dropClient(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    if (!old) return Promise.resolve();
    let goodbye: PromiseLike<unknown> | undefined;
    try {
      goodbye = old.disconnect();
    } catch (err) {
      this.opts.logger.debug({ err }, 'Disconnecting the old streaming client failed');
    }
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, goodbye ? DISCONNECT_GRACE_MS : 0);
    });
    return Promise.race([Promise.resolve(goodbye).then(noop, noop), grace]).then(() => {
      clearTimeout(timer);
      shutDown(old);
    });
  }
}

const DISCONNECT_GRACE_MS = 1000;

const noop = (): void => undefined;

/** faye's internals that decide whether a client keeps retrying on its own. */
interface FayeInternals {
  DISCONNECTED: number;
  _state: number;
  _advice?: { reconnect?: string };
  _dispatcher?: { close(): void; _envelopes?: Map<string, { timer?: NodeJS.Timeout | null }> };
}

/**
 * faye only stops a client whose /meta/disconnect the server acknowledged; one that cannot reach the
 * server (org down, network gone, still handshaking) keeps retrying on timers for ever, which leaks a
 * zombie client per rebuild and keeps the process from exiting on SIGTERM. This ends it for certain:
 * no reconnect, no handshake, no pending retries, transport closed.
 */
function shutDown(client: FayeClient): void {
  const c = client as unknown as FayeInternals;
  c._state = c.DISCONNECTED;
  if (c._advice) c._advice.reconnect = 'none';
  const dispatcher = c._dispatcher;
  if (!dispatcher) return;
  for (const envelope of dispatcher._envelopes?.values() ?? []) {
    if (envelope.timer) clearTimeout(envelope.timer);
    envelope.timer = null;
  }
  dispatcher._envelopes?.clear();
  dispatcher.close();
}

/** faye rejects a subscription with an Error whose message is the Bayeux error ("400::…"). */
function bayeuxError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as Error).message);
  return String(err);
}
