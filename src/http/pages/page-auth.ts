import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Who may open the pages (they show pipeline data): a caller with one of the given bearer tokens, or
 * a browser holding a session started from a one-time sign-in link.
 *
 * The link carries a code, not a token: single use, short-lived, exchanged at /login for an HttpOnly
 * SameSite=Strict cookie and then redirected to a URL without it. So a code that reaches a proxy's
 * access log or the browser history is already spent. Codes and sessions are kept only as SHA-256
 * digests, so nothing stored here can be replayed either. Tokens are parameters: the service decides
 * which ones exist (admin, read-only).
 */

export interface PageAuthOptions {
  /** Bearer tokens that open the pages; undefined entries (unset variables) are ignored. */
  tokens: readonly (string | undefined)[];
  now: () => number;
  codeTtlMs?: number;
  sessionTtlMs?: number;
  /** Bounds on what is held, so unauthenticated callers cannot grow memory. */
  maxCodes?: number;
  maxSessions?: number;
}

export interface PageAuth {
  /** A new one-time sign-in path, `/login?code=…`; print it to the operator, never log it. */
  issueLoginPath(): string;
  /** Lets the request through, or answers 401 with a page saying how to sign in. */
  require: RequestHandler;
  /** GET /login?code=…: spends the code, sets the session cookie, redirects to `/`. */
  login: RequestHandler;
}

export const SESSION_COOKIE = 'cs_session';
const DEFAULT_CODE_TTL_MS = 10 * 60_000;
const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
const key = (text: string): string => digest(text).toString('hex');

/**
 * Secrets handed out (sign-in codes, session ids), kept only as SHA-256 digests with an expiry, and at
 * most `max` of them: the oldest go first, so callers without a session cannot grow memory.
 */
class SecretStore {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  issue(bytes: number): string {
    const now = this.now();
    for (const [k, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(k);
    for (const k of this.expiries.keys()) {
      if (this.expiries.size < this.max) break;
      this.expiries.delete(k);
    }
    const secret = randomBytes(bytes).toString('base64url');
    this.expiries.set(key(secret), now + this.ttlMs);
    return secret;
  }

  isValid(secret: string): boolean {
    const expiry = this.expiries.get(key(secret));
    return expiry !== undefined && expiry > this.now();
  }

  /** True when the secret was valid; spent whether it was or not. */
  spend(secret: string): boolean {
    const valid = this.isValid(secret);
    this.expiries.delete(key(secret));
    return valid;
  }
}

export function createPageAuth(opts: PageAuthOptions): PageAuth {
  const tokens = opts.tokens.filter((t): t is string => typeof t === 'string' && t.length > 0).map(digest);
  const sessionTtl = opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const codes = new SecretStore(opts.codeTtlMs ?? DEFAULT_CODE_TTL_MS, opts.maxCodes ?? 100, opts.now);
  const sessions = new SecretStore(sessionTtl, opts.maxSessions ?? 1000, opts.now);
  const hasSession = (req: Request): boolean => {
    const id = readCookie(req.get('cookie'), SESSION_COOKIE);
    return id !== undefined && id !== '' && sessions.isValid(id);
  };
  return {
    issueLoginPath: () => `/login?code=${codes.issue(24)}`,
    require(req, res, next) {
      if (bearerMatches(req, tokens) || hasSession(req)) return next();
      refuse(res);
    },
    login(req, res) {
      const code = typeof req.query.code === 'string' ? req.query.code : '';
      if (code === '' || !codes.spend(code)) return refuse(res, true);
      const secure = req.secure ? '; Secure' : '';
      res.setHeader(
        'Set-Cookie',
        `${SESSION_COOKIE}=${sessions.issue(32)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(sessionTtl / 1000)}${secure}`,
      );
      res.setHeader('Cache-Control', 'no-store');
      // 303 to a URL without the code: the address bar, history and any later Referer never hold it.
      res.redirect(303, '/');
    },
  };
}

function refuse(res: Response, badLink = false): void {
  const why = badLink
    ? 'This sign-in link has been used already or has expired. Each link opens one session, once.'
    : 'These pages show pipeline data: sign in first.';
  res
    .status(401)
    .setHeader('Cache-Control', 'no-store')
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · Commitment Scorer</title></head><body><h1>Sign in</h1><p>${why}</p><p>Open the one-time link the service printed when it started (a new one: <code>POST /v1/admin/login-link</code> with the admin token), or send <code>Authorization: Bearer &lt;ADMIN_TOKEN&gt;</code>.</p></body></html>`,
    );
}

/** True when the request's bearer token is one of `tokens` (SHA-256 digests). */
export function bearerMatches(req: Request, tokens: readonly Buffer[]): boolean {
  const header = req.get('authorization') ?? '';
  if (!header.startsWith('Bearer ') || tokens.length === 0) return false;
  const given = digest(header.slice('Bearer '.length));
  // Digests of equal length, compared in constant time, whatever the length of the guess.
  return tokens.some((t) => timingSafeEqual(t, given));
}

export { digest as tokenDigest };

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
