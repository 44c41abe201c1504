/**
 * What runs before every REST handler: the token check, the fault switches, the API usage counter
 * and the Sforce-Limit-Info header Salesforce sends on every response but the versions list.
 */
import type { NextFunction, Request, Response } from 'express';
import type { SandboxCore } from './core';
import type { CallKind } from './faults';
import { SfError } from './sf-errors';
import type { WriteCtx } from './writes';

export interface AuthedLocals {
  userId: string;
  clientId: string | null;
}

export function tokenOf(req: Request): string | undefined {
  const h = req.headers.authorization ?? '';
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(h);
  return m?.[1].trim();
}

/** `Sforce-Call-Options: client=commitment-scorer, defaultNamespace=x` → `commitment-scorer`. */
export function clientIdOf(req: Request): string | null {
  const h = req.headers['sforce-call-options'];
  const m = /(?:^|[,;\s])client=([^,;\s]+)/.exec(String(h ?? ''));
  return m ? m[1] : null;
}

export function writeCtx(res: Response, core: SandboxCore): WriteCtx {
  const l = res.locals as AuthedLocals;
  return { userId: l.userId, clientId: l.clientId, apiVersion: core.apiVersion };
}

export function kindOf(path: string): CallKind {
  if (/\/(query|queryAll)(\/|$)/.test(path)) return 'query';
  if (/\/composite(\/|$)/.test(path)) return 'composite';
  if (/\/describe$/.test(path) || /\/sobjects\/?$/.test(path)) return 'describe';
  if (path.endsWith('/limits')) return 'limits';
  return 'sobject';
}

export function restGuard(core: SandboxCore) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (core.faults.take('dropNextRest')) {
      req.socket.destroy();
      return;
    }
    const limitHeader = (): void =>
      void res.setHeader('Sforce-Limit-Info', `api-usage=${core.stats.apiUsage()}/${core.stats.dailyLimit}`);
    limitHeader();
    const userId = core.tokens.get(tokenOf(req) ?? '');
    const expired = core.faults.take('unauthorizedNext');
    if (!userId || expired) {
      res.status(401).json([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      return;
    }
    if (core.faults.take('unavailableNext')) {
      res.status(503).json([{ message: 'Server temporarily unavailable', errorCode: 'SERVER_UNAVAILABLE' }]);
      return;
    }
    const kind = kindOf(req.path);
    core.stats.count(kind);
    limitHeader();
    if (core.faults.requestLimitExceeded || core.stats.apiUsage() > core.stats.dailyLimit) {
      res
        .status(403)
        .json([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
      return;
    }
    res.locals.userId = userId;
    res.locals.clientId = clientIdOf(req);
    next();
  };
}

export function errorHandler() {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof SfError) {
      res.status(err.status).json(err.body());
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed' || e.status === 400) {
      res.status(400).json([{ message: e.message ?? 'JSON parse error', errorCode: 'JSON_PARSER_ERROR' }]);
      return;
    }
    if (e.status === 413) {
      res.status(413).json([{ message: 'Request entity too large', errorCode: 'REQUEST_ENTITY_TOO_LARGE' }]);
      return;
    }
    res.status(500).json([{ message: e.message ?? 'internal error', errorCode: 'UNKNOWN_EXCEPTION' }]);
  };
}
