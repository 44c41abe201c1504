import http, { type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScorerError } from '../lib/errors';

/**
 * The listening socket, opened before the service knows whether it consumes: a standby answers
 * /healthz and /readyz (503 "standby") with a small app, and the full app replaces it on takeover
 * without the port ever closing.
 */
export interface Front {
  port: number;
  url: string;
  serve(app: RequestListener): void;
  close(): Promise<void>;
}

export async function listen(host: string, port: number, first: RequestListener): Promise<Front> {
  let app = first;
  const server = http.createServer((req, res) => app(req, res));
  // A client that sends its headers or body a byte at a time must not hold a socket for ever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ScorerError(
          'CONFIG_INVALID',
          `HOST ${host} and PORT ${port} cannot be listened on: ${err.code ?? err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    url: `http://${shown}:${bound}`,
    serve: (next) => {
      app = next;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
