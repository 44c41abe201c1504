import type { Logger } from '../lib/logger';

/** faye's client as jsforce returns it; jsforce's own typings only describe a part of it. */
export interface FayeClient {
  subscribe(channel: string, onMessage: (message: unknown) => void): PromiseLike<unknown>;
  disconnect(): PromiseLike<unknown> | undefined;
  on(event: 'transport:up' | 'transport:down', cb: () => void): void;
}

export interface BayeuxMessage {
  channel?: string;
  successful?: boolean;
  error?: string;
  subscription?: string | string[];
  ext?: { sfdc?: { failureReason?: string } };
}

const DISCONNECT_GRACE_MS = 1000;

const noop = (): void => undefined;

/**
 * Says goodbye to the server (so it can free the session) and then shuts the client down for certain:
 * resolves once it is gone, at most `DISCONNECT_GRACE_MS` later.
 */
export function disposeClient(old: FayeClient, logger: Logger): Promise<void> {
  let goodbye: PromiseLike<unknown> | undefined;
  try {
    goodbye = old.disconnect();
  } catch (err) {
    logger.debug({ err }, 'Disconnecting the old streaming client failed');
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
export function bayeuxError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as Error).message);
  return String(err);
}

/** True when a /meta/subscribe answer is about `channel` (faye may batch several channels in one). */
export function isAbout(message: BayeuxMessage, channel: string): boolean {
  const sub = message.subscription;
  return Array.isArray(sub) ? sub.includes(channel) : sub === channel;
}
