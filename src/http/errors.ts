import type { ErrorRequestHandler, Response } from 'express';
import { isScorerError, type ScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';

/** `{ error: { code, message } }` with a fitting status; never a stack trace. */
export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function statusFor(err: ScorerError): number {
  switch (err.code) {
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'RATE_LIMITED':
      return 429;
    case 'SERVICE_BUSY':
      return 503;
    default:
      return err.kind === 'input' || err.kind === 'config' ? 400 : 502;
  }
}

/**
 * What Express and body-parser throw for a bad request (http-errors with a 4xx status and a `type`)
 * is the client's mistake, answered with its status and our words; only our own bugs are 500s.
 */
function clientError(err: unknown): { status: number; code: string; message: string } | undefined {
  const e = err as {
    type?: unknown;
    status?: unknown;
    statusCode?: unknown;
    charset?: unknown;
    encoding?: unknown;
  };
  const status =
    typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 0;
  switch (e.type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'INVALID_JSON', message: 'The request body is not valid JSON' };
    case 'entity.too.large':
      return { status: 413, code: 'BODY_TOO_LARGE', message: 'The request body is too large' };
    case 'charset.unsupported':
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: `Charset ${String(e.charset ?? '?').slice(0, 40)} is not accepted: send UTF-8 JSON`,
      };
    case 'encoding.unsupported':
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: `Content-Encoding ${String(e.encoding ?? '?').slice(0, 40)} is not accepted: send the body uncompressed`,
      };
    default:
      break;
  }
  if (status >= 400 && status < 500) {
    const message =
      err instanceof URIError || /decode/i.test((err as Error).message ?? '')
        ? 'The request path is not valid percent-encoded UTF-8'
        : 'The request is malformed';
    return { status, code: status === 400 ? 'BAD_REQUEST' : `HTTP_${status}`, message };
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    void _next;
    // Refused before its body was read (rate, size, type): close the connection rather than read and
    // throw away the rest, so a client flooding large bodies pays for new connections, not us.
    if (!req.complete) res.set('Connection', 'close');
    if (isScorerError(err)) return sendError(res, statusFor(err), err.code, err.message);
    const client = clientError(err);
    if (client) return sendError(res, client.status, client.code, client.message);
    logger.error({ err }, 'request failed');
    return sendError(res, 500, 'INTERNAL', 'Something went wrong; the log has the details');
  };
}
