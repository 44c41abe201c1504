import express, { type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ScorerError } from '../lib/errors';

/**
 * What keeps one client from slowing the service for everyone: per-client request rates, a body
 * size, and list lengths checked before the snapshot is validated. A 1 MB snapshot of invalid rows
 * costs tens of milliseconds of parse and validation on the one event loop that also answers
 * /healthz and writes back; these bounds keep each request to a few milliseconds and its rate low.
 */
export interface HttpLimits {
  /** Requests per client per minute on POST /v1/score. */
  scorePerMinute: number;
  /** Requests per client per minute on the routes that need a token (they spend API calls). */
  tokenPerMinute: number;
  /** Largest accepted body of POST /v1/score. */
  bodyBytes: number;
  /** Longest accepted list (tasks, emails, …) in a snapshot. */
  listItems: number;
  /** Snapshots being read or scored at once, over all clients; more are refused with 503 at once. */
  concurrentScores: number;
}

// A real deal seldom has more than a few hundred activities in the scoring window, and the live
// service reads deals from the org, not through this route: these bounds leave room for big deals
// while keeping one request's parse and validation to a few milliseconds (bench:http measures it).
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  scorePerMinute: 60,
  tokenPerMinute: 60,
  bodyBytes: 256 * 1024,
  listItems: 500,
  // Parsing and scoring run on the event loop: one in progress bounds what a burst from many clients
  // can queue ahead of /healthz to one request's worth (a few milliseconds at these limits).
  concurrentScores: 1,
};

/** Sheds load before the body is read: past `limit` snapshots in progress, 503 with Retry-After. */
export function concurrencyLimit(limit: number): RequestHandler {
  let inProgress = 0;
  return (_req, res, next) => {
    if (inProgress >= limit) {
      res.set('Retry-After', '1');
      return next(new ScorerError('SERVICE_BUSY', `Busy scoring ${limit} snapshots; try again in a second`));
    }
    inProgress++;
    res.once('close', () => inProgress--);
    return next();
  };
}

const SNAPSHOT_LISTS = ['contactRoles', 'tasks', 'events', 'emails', 'history', 'commitments'];

export function perClientLimit(perMinute: number, what: string): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Behind a proxy every client shares its address; the README says how to put the limit there.
    validate: { xForwardedForHeader: false },
    handler: (_req, _res, next) =>
      next(new ScorerError('RATE_LIMITED', `Too many requests to ${what}: at most ${perMinute} a minute`)),
  });
}

/** JSON bodies only, UTF-8 only, not compressed (a gzip bomb is small on the wire), at most `bodyBytes`. */
export function jsonBody(limits: HttpLimits): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (req.is('application/json') === false)
      return next(
        new ScorerError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Content-Type ${req.get('content-type') ?? '(none)'} is not accepted: send application/json`,
        ),
      );
    return next();
  };
  return [requireJson, express.json({ limit: limits.bodyBytes, inflate: false, strict: true })];
}

/** Refuses oversized lists before the snapshot schema walks every row of them. */
export function snapshotShape(limits: HttpLimits): RequestHandler {
  return (req, _res, next) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return next(new ScorerError('SNAPSHOT_INVALID', 'Invalid deal snapshot: expected a JSON object'));
    for (const key of SNAPSHOT_LISTS) {
      const list = (body as Record<string, unknown>)[key];
      if (Array.isArray(list) && list.length > limits.listItems)
        return next(
          new ScorerError(
            'SNAPSHOT_INVALID',
            `Invalid deal snapshot: ${key} has ${list.length} items, at most ${limits.listItems} are accepted`,
          ),
        );
    }
    return next();
  };
}
