import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { ScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { rulesSummary } from '../rules/calibration-line';
import type { Rulebook } from '../rules/load-rulebook';
import { parseAsOf, scoreSnapshot, type ScoreResult } from '../scoring';
import { accessLog } from './access-log';
import { requireToken } from './auth';
import { errorHandler } from './errors';
import {
  concurrencyLimit,
  DEFAULT_HTTP_LIMITS,
  jsonBody,
  perClientLimit,
  snapshotShape,
  type HttpLimits,
} from './limits';
import type { Metrics } from './metrics';

/** What the HTTP layer needs from the rest of the service; main.ts passes the real ones, tests fakes. */
export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  rulebook: () => Rulebook;
  now: () => number;
  /** Shown on /readyz besides the status: what runs switched off on this org. */
  readyDetails?: () => Record<string, unknown>;
  /** undefined when ready, else the reason it is not. */
  notReadyReason: () => Promise<string | undefined>;
  adminToken: string | undefined;
  /** Opens the routes that read deal data (not the admin actions); ADMIN_TOKEN opens them too. */
  readToken?: string;
  limits?: Partial<HttpLimits>;
  loadAndScore?: (opportunityId: string) => Promise<ScoreResult>;
  sweep?: () => Promise<{ started: boolean }>;
  reloadRules?: () => Promise<{ version: string }>;
  /** The pages (/, /forecast, /deals/:id) and their sign-in; see http/pages/router.ts. */
  pages?: Router;
}

const OPPORTUNITY_ID = /^006[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/;

/** Builds the Express app without listening, so tests and main decide where it runs. */
export function createApp(deps: AppDeps): Express {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...deps.limits };
  const tokens = { admin: deps.adminToken, read: deps.readToken };
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(accessLog(deps.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const reason = await deps.notReadyReason();
    const details = deps.readyDetails?.() ?? {};
    if (reason === undefined) res.json({ status: 'ready', ...details });
    else res.status(503).json({ status: 'not ready', reason, ...details });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  // The rate limit comes before the body is read, so a refused client costs no parsing.
  app.post(
    '/v1/score',
    perClientLimit(limits.scorePerMinute, 'POST /v1/score'),
    concurrencyLimit(limits.concurrentScores),
    ...jsonBody(limits),
    snapshotShape(limits),
    (req, res) => {
      const asOf = req.query.asOf === undefined ? deps.now() : parseAsOfParam(req.query.asOf);
      const result = scoreSnapshot(req.body, deps.rulebook(), asOf);
      deps.metrics.scored.inc();
      res.json(result);
    },
  );

  // Each of these reads deal data or spends the org's API calls: a token, and a rate per client.
  const tokenRate = perClientLimit(limits.tokenPerMinute, 'the token routes');
  const read = [tokenRate, requireToken(tokens, 'read')];
  const admin = [tokenRate, requireToken(tokens, 'admin')];

  app.get<{ id: string }>('/v1/opportunities/:id/score', ...read, async (req, res) => {
    if (!OPPORTUNITY_ID.test(req.params.id)) {
      throw new ScorerError('NOT_FOUND', `"${req.params.id}" is not an opportunity id`);
    }
    if (!deps.loadAndScore)
      throw new ScorerError('NOT_FOUND', 'Loading deals from the org is not available here');
    res.json(await deps.loadAndScore(req.params.id));
  });

  app.post('/v1/admin/sweep', ...admin, async (_req, res) => {
    if (!deps.sweep) throw new ScorerError('NOT_FOUND', 'Sweeps are not available here');
    res.status(202).json(await deps.sweep());
  });
  app.get('/v1/rules', ...read, (_req, res) => {
    res.json(rulesSummary(deps.rulebook()));
  });
  app.post('/v1/admin/rules/reload', ...admin, async (_req, res) => {
    if (!deps.reloadRules) throw new ScorerError('NOT_FOUND', 'Rule reloads are not available here');
    res.json(await deps.reloadRules());
  });

  if (deps.pages) app.use(deps.pages);

  app.use((_req, _res, next) => next(new ScorerError('NOT_FOUND', 'No such route')));
  app.use(errorHandler(deps.logger));
  return app;
}

function parseAsOfParam(value: unknown): number {
  if (typeof value !== 'string')
    throw new ScorerError('AS_OF_INVALID', 'Give asOf once, as an ISO-8601 moment');
  return parseAsOf(value);
}
