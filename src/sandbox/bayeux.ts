/**
 * A hand-written Bayeux long-polling server at /cometd/XX.X, shaped like Salesforce's: replay
 * extension on subscribe, `403::Unknown client` with advice handshake, `401::Authentication
 * invalid` with advice none, and clients forgotten when they stop polling.
 */
import express, { type Request, type Response, type Router } from 'express';
import { channels, isKnownChannel, type StoredEvent } from './change-events';
import type { SandboxCore } from './core';
import { tokenOf } from './rest-guard';

type Msg = Record<string, unknown> & { channel: string; id?: string; clientId?: string };
type Delivery = { channel: string; data: unknown };

interface Session {
  id: string;
  subscriptions: Set<string>;
  queue: Delivery[];
  pending: { res: Response; timer: NodeJS.Timeout; reply: Msg } | null;
  lastSeen: number;
  /** A replay still being delivered page by page: the channel and the last replay id sent. */
  replay?: { channel: string; after: number };
}

/**
 * Retained events travel at most this many per response, as from Salesforce, which never sends a
 * 72-hour backlog in one answer: the client works through a replay one connect at a time.
 */
const REPLAY_PAGE = 1000;

const invalidReplay = (id: unknown): string =>
  `400::The replayId {${String(id)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`;

export class BayeuxServer {
  private readonly sessions = new Map<string, Session>();
  private seq = 0;
  private readonly sweeper: NodeJS.Timeout;
  private readonly unlisten: () => void;

  constructor(private readonly core: SandboxCore) {
    this.unlisten = core.bus.onEvent((ev) => this.deliver(ev));
    const every = Math.max(50, Math.min(1000, core.cometdClientTimeoutMs / 2));
    this.sweeper = setInterval(() => this.expire(), every);
    this.sweeper.unref();
  }

  router(): Router {
    const r = express.Router();
    r.post('/:version', express.json({ limit: '32kb' }), (req, res) => this.handle(req, res));
    return r;
  }

  clientCount(): number {
    return this.sessions.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.unlisten();
    for (const s of this.sessions.values()) this.flush(s);
    this.sessions.clear();
  }

  private handle(req: Request, res: Response): void {
    this.core.stats.count('cometd');
    if (this.core.faults.take('dropNextCometd')) {
      req.socket.destroy();
      return;
    }
    const msgs: Msg[] = Array.isArray(req.body) ? req.body : [req.body];
    const authed = this.core.tokens.has(tokenOf(req) ?? '');
    const replies: Msg[] = [];
    // A batch can carry a connect next to other messages (faye's first request does, with
    // advice.timeout 0); only a connect that travels alone is held open.
    const mayHold = msgs.length === 1;
    for (const m of msgs) {
      const out = this.dispatch(m, authed, res, mayHold);
      if (out === 'held') return;
      replies.push(...out);
    }
    res.json(replies);
  }

  private dispatch(m: Msg, authed: boolean, res: Response, mayHold: boolean): Msg[] | 'held' {
    const base: Msg = { channel: m.channel, id: m.id, clientId: m.clientId };
    if (m.channel === '/meta/handshake') return [this.handshake(base, authed)];
    const s = m.clientId ? this.sessions.get(m.clientId) : undefined;
    if (!authed)
      return [
        { ...base, successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none' } },
      ];
    if (!s)
      return [
        {
          ...base,
          successful: false,
          error: '403::Unknown client',
          advice: { reconnect: 'handshake', interval: 0 },
        },
      ];
    s.lastSeen = this.core.clock.now();
    switch (m.channel) {
      case '/meta/connect':
        return this.connect(
          s,
          base,
          res,
          mayHold && (m.advice as { timeout?: number } | undefined)?.timeout !== 0,
        );
      case '/meta/subscribe':
        return this.subscribe(s, base, m);
      case '/meta/unsubscribe':
        s.subscriptions.delete(String(m.subscription));
        return [{ ...base, subscription: m.subscription, successful: true }];
      case '/meta/disconnect':
        this.flush(s);
        this.sessions.delete(s.id);
        return [{ ...base, successful: true }];
      default:
        return [{ ...base, successful: false, error: `403:${m.channel}:Publish is not supported` }];
    }
  }

  private handshake(base: Msg, authed: boolean): Msg {
    if (!authed) {
      // Salesforce denies the handshake and puts the real reason in ext.sfdc.
      return {
        ...base,
        successful: false,
        error: '403::Handshake denied',
        advice: { reconnect: 'none' },
        ext: { sfdc: { failureReason: '401::Authentication invalid' } },
      };
    }
    const id = `sbx${(++this.seq).toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    this.sessions.set(id, {
      id,
      subscriptions: new Set(),
      queue: [],
      pending: null,
      lastSeen: this.core.clock.now(),
    });
    return {
      ...base,
      clientId: id,
      version: '1.0',
      minimumVersion: '1.0',
      supportedConnectionTypes: ['long-polling'],
      successful: true,
      ext: { replay: true, 'payload.format': true },
      advice: this.advice(),
    };
  }

  private advice() {
    return { interval: 0, timeout: this.core.cometdTimeoutMs, reconnect: 'retry' };
  }

  private connect(s: Session, base: Msg, res: Response, mayHold: boolean): Msg[] | 'held' {
    const faults = this.core.faults;
    if (faults.take('unknownClientNextConnect')) {
      // What Salesforce answers when it has dropped the session: the client must handshake again.
      this.sessions.delete(s.id);
      return [
        {
          ...base,
          successful: false,
          error: '403::Unknown client',
          advice: { reconnect: 'handshake', interval: 0 },
        },
      ];
    }
    if (faults.take('authInvalidNextConnect')) {
      this.sessions.delete(s.id);
      return [
        { ...base, successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none' } },
      ];
    }
    // The session lives on and connects succeed, but nothing is delivered any more: nothing in the
    // protocol tells the client, only the org's data does.
    if (faults.take('forgetSubscriptionsNextConnect')) s.subscriptions.clear();
    if (s.pending) this.flush(s);
    const reply: Msg = { ...base, successful: true, advice: this.advice() };
    const replayed = this.nextReplayPage(s);
    if (replayed.length > 0) return [...replayed, ...(s.queue.splice(0) as unknown as Msg[]), reply];
    if (s.queue.length > 0 || !mayHold) return [...(s.queue.splice(0) as unknown as Msg[]), reply];
    const timer = setTimeout(() => this.flush(s), this.core.cometdTimeoutMs);
    s.pending = { res, timer, reply };
    res.on('close', () => {
      if (s.pending?.res === res) {
        clearTimeout(s.pending.timer);
        s.pending = null;
      }
    });
    return 'held';
  }

  private subscribe(s: Session, base: Msg, m: Msg): Msg[] {
    const sub = String(m.subscription ?? '');
    const reply: Msg = { ...base, subscription: sub };
    if (!isKnownChannel(sub)) {
      return [
        {
          ...reply,
          successful: false,
          error: `400::The channel you requested to subscribe to does not exist {${sub}}`,
        },
      ];
    }
    const replayMap = ((m.ext as Record<string, unknown> | undefined)?.replay ?? {}) as Record<
      string,
      unknown
    >;
    const raw = replayMap[sub] ?? -1;
    const from = Number(raw);
    if (
      this.core.faults.take('invalidReplayNextSubscribe') ||
      !Number.isInteger(from) ||
      !this.core.bus.isValidReplayId(from)
    ) {
      return [{ ...reply, successful: false, error: invalidReplay(raw) }];
    }
    s.subscriptions.add(sub);
    if (from !== -1) s.replay = { channel: sub, after: from === -2 ? -Infinity : from };
    // The first page of the backlog rides in the same response right after the reply, so the client
    // has registered the subscription before the first replayed event reaches it.
    return [{ ...reply, successful: true }, ...this.nextReplayPage(s)];
  }

  /** The next page of a replay in progress; the replay ends with a short page. */
  private nextReplayPage(s: Session): Msg[] {
    const r = s.replay;
    if (!r) return [];
    const page = this.core.bus.retained(r.channel, r.after).slice(0, REPLAY_PAGE);
    if (page.length < REPLAY_PAGE) s.replay = undefined;
    else r.after = page[page.length - 1].replayId;
    return page.map((ev) => ({ channel: r.channel, data: ev.data }) as Msg);
  }

  private deliver(ev: StoredEvent): void {
    const chans = channels(ev.entity);
    for (const s of this.sessions.values()) {
      let hit = false;
      for (const c of chans) {
        // A replay in progress on the channel brings this event with its later pages.
        if (!s.subscriptions.has(c) || s.replay?.channel === c) continue;
        s.queue.push({ channel: c, data: ev.data });
        hit = true;
      }
      // One tick of delay lets a transaction's events travel in one response.
      if (hit && s.pending) setImmediate(() => this.flush(s));
    }
  }

  private flush(s: Session): void {
    const p = s.pending;
    if (!p) return;
    s.pending = null;
    clearTimeout(p.timer);
    s.lastSeen = this.core.clock.now();
    if (!p.res.headersSent) p.res.json([...(s.queue.splice(0) as unknown as Msg[]), p.reply]);
  }

  private expire(): void {
    const cutoff = this.core.clock.now() - this.core.cometdClientTimeoutMs;
    for (const s of this.sessions.values()) {
      if (!s.pending && s.lastSeen < cutoff) this.sessions.delete(s.id);
    }
  }
}
