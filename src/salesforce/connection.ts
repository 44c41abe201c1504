import { Connection, type ConnectionConfig } from 'jsforce';

export interface ConnectionOptions {
  instanceUrl: string;
  accessToken: string;
  apiVersion: string;
  /** Sent as `Sforce-Call-Options: client=<id>`; CDC echoes it in changeOrigin, so we can skip our own writes. */
  clientId: string;
  /** Called by jsforce on a 401 (once per request) to mint a new token; absent for a raw token. */
  refreshFn?: ConnectionConfig['refreshFn'];
}

/** The one place a jsforce Connection is built, so every request carries our client id. */
export function createConnection(options: ConnectionOptions): Connection {
  return new Connection({
    instanceUrl: options.instanceUrl,
    accessToken: options.accessToken,
    version: options.apiVersion,
    callOptions: { client: options.clientId },
    ...(options.refreshFn ? { refreshFn: options.refreshFn } : {}),
  });
}
