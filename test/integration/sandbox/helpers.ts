import { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import type { Sandbox } from '../../../src/sandbox';

export const CLIENT_ID = 'commitment-scorer';

export function connect(sb: Sandbox, token = sb.accessToken): Connection {
  return new Connection({
    instanceUrl: sb.instanceUrl,
    accessToken: token,
    version: '62.0',
    callOptions: { client: CLIENT_ID },
  });
}

export interface CdcMessage {
  channel?: string;
  schema: string;
  event: { replayId: number };
  payload: {
    ChangeEventHeader: Record<string, unknown> & {
      recordIds: string[];
      changedFields: string[];
      changeType: string;
    };
  } & Record<string, unknown>;
}

export interface FayeClient {
  subscribe(channel: string, cb: (m: CdcMessage) => void): PromiseLike<unknown>;
  disconnect(): void;
  on(event: string, cb: () => void): void;
  addExtension(ext: unknown): void;
}

/** A streaming client with jsforce's AuthFailure and Replay extensions, as the service builds it. */
export function streamingClient(
  conn: Connection,
  channel: string,
  replayFrom: number,
  onAuthFailure: (m: unknown) => void = () => undefined,
): FayeClient {
  const exts = [
    new StreamingExtension.AuthFailure(onAuthFailure),
    new StreamingExtension.Replay(channel, replayFrom),
  ];
  return conn.streaming.createClient(exts) as unknown as FayeClient;
}

export async function until<T>(check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
