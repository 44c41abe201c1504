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
    default:
      return err.kind === 'input' || err.kind === 'config' ? 400 : 502;
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    void _next;
    const body = err as { type?: string; status?: number };
    if (body.type === 'entity.parse.failed')
      return sendError(res, 400, 'INVALID_JSON', 'The request body is not valid JSON');
    if (body.type === 'entity.too.large')
      return sendError(res, 413, 'BODY_TOO_LARGE', 'The request body is too large');
    if (isScorerError(err)) return sendError(res, statusFor(err), err.code, err.message);
    logger.error({ err }, 'request failed');
    return sendError(res, 500, 'INTERNAL', 'Something went wrong; the log has the details');
  };
}
