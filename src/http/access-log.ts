import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../lib/logger';

/**
 * One line per request: method, path, status, time taken. Nothing else of the request is logged: no
 * headers (Authorization, cookies) and no query string, so no token can reach the log whatever a
 * client sends. Probes and scrapes (/healthz, /metrics) are left out; they would drown the rest.
 */
export function accessLog(logger: Logger) {
  return pinoHttp({
    logger: logger.child({ component: 'http' }),
    quietReqLogger: true,
    autoLogging: { ignore: (req) => ['/healthz', '/metrics'].includes(pathOf(req)) },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    customSuccessMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    serializers: {
      req: (req: IncomingMessage & { raw?: IncomingMessage }) => ({
        method: req.method,
        path: pathOf(req.raw ?? req),
      }),
      res: (res: ServerResponse & { statusCode: number }) => ({ status: res.statusCode }),
    },
    // pino-http otherwise generates an id per request and adds it to every line.
    genReqId: () => undefined as unknown as string,
  });
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0] ?? '';
}
