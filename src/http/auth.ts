import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ScorerError } from '../lib/errors';

/**
 * Bearer tokens. ADMIN_TOKEN opens everything; READ_TOKEN (for dashboards and pages) opens only the
 * routes that read deal data, not the admin actions. With neither set those routes refuse with 403,
 * so an unconfigured service never hands out deal data or spends the org's API calls for strangers.
 */
export interface Tokens {
  admin: string | undefined;
  read: string | undefined;
}

export type Scope = 'admin' | 'read';

export function requireToken(tokens: Tokens, scope: Scope): RequestHandler {
  const accepted = [tokens.admin, scope === 'read' ? tokens.read : undefined]
    .filter((t): t is string => t !== undefined)
    .map(digest);
  const wanted = scope === 'admin' ? 'ADMIN_TOKEN' : 'ADMIN_TOKEN or READ_TOKEN';
  return (req, _res, next) => {
    if (accepted.length === 0)
      return next(new ScorerError('FORBIDDEN', `This route is off: ${wanted} is not set`));
    const header = req.get('authorization') ?? '';
    const given = digest(header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '');
    // Compare digests so the comparison takes the same time whatever the length of the guess, and
    // compare with every accepted token so the time does not tell which one came close.
    let ok = false;
    for (const expected of accepted) ok = timingSafeEqual(given, expected) || ok;
    if (!ok) return next(new ScorerError('UNAUTHORIZED', `Send Authorization: Bearer <${wanted}>`));
    return next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
