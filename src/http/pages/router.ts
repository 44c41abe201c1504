import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ReliabilityBin } from '../../forecast/calibration';
import type { DealReview } from '../../forecast/deal-review';
import type { ForecastReport } from '../../forecast/report';
import { isScorerError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { PAGES_CSS, PAGES_JS } from './assets';
import { CHART_JS_PATH, esc } from './html';
import { bearerMatches, tokenDigest, type PageAuth } from './page-auth';
import { renderDealPage } from './render-deal';
import { renderForecastPage } from './render-forecast';
import { renderHomePage } from './render-home';

/** The pages (/, /forecast, /deals/:id), their sign-in and their assets. Mounted by app.ts. */

export interface PagesDeps {
  auth: PageAuth;
  /** Opens POST /v1/admin/login-link, which hands out a fresh sign-in link; unset = refused. */
  adminToken: string | undefined;
  forecast(query: { period?: string; by?: string }): Promise<ForecastReport>;
  dealReview(id: string): Promise<{ review: DealReview; ownerName: string | null }>;
  /** The last backtest's reliability table; undefined until a backtest has run. */
  reliability?: () => ReliabilityBin[] | undefined;
  logger: Logger;
}

const OPPORTUNITY_ID = /^006[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/;

export function createPagesRouter(deps: PagesDeps): Router {
  const router = express.Router();
  const asset = (type: string, body: string) => (_req: Request, res: Response) => {
    res.type(type).setHeader('Cache-Control', 'public, max-age=3600');
    res.send(body);
  };
  router.get('/assets/pages.css', asset('css', PAGES_CSS));
  router.get('/assets/pages.js', asset('js', PAGES_JS));
  // The chart library comes from the installed package itself: no CDN, nothing fetched at run time.
  router.get('/assets/chart.umd.min.js', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('js').sendFile(CHART_JS_PATH);
  });

  router.get('/login', deps.auth.login);
  const admin = deps.adminToken ? [tokenDigest(deps.adminToken)] : [];
  router.post('/v1/admin/login-link', (req, res) => {
    if (!bearerMatches(req, admin)) {
      res
        .status(401)
        .json({ error: { code: 'UNAUTHORIZED', message: 'A valid admin bearer token is required' } });
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json({ path: deps.auth.issueLoginPath() });
  });

  const html =
    (render: (req: Request) => Promise<string>) =>
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const body = await render(req);
        res.setHeader('Cache-Control', 'no-store');
        res.type('html').send(body);
      } catch (err) {
        errorPage(err, res, deps.logger, next);
      }
    };
  const query = (req: Request, name: string): string | undefined => {
    const v = req.query[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };

  router.get(
    '/',
    deps.auth.require,
    html(async () => renderHomePage(await deps.forecast({}))),
  );
  router.get(
    '/forecast',
    deps.auth.require,
    html(async (req) =>
      renderForecastPage(await deps.forecast({ period: query(req, 'period'), by: query(req, 'by') }), {
        reliability: deps.reliability?.(),
      }),
    ),
  );
  router.get(
    '/deals/:id',
    deps.auth.require,
    html(async (req) => {
      const id = String(req.params.id);
      if (!OPPORTUNITY_ID.test(id)) throw notFound(`"${id}" is not an opportunity id`);
      const { review, ownerName } = await deps.dealReview(id);
      return renderDealPage(review, ownerName);
    }),
  );
  return router;
}

function notFound(message: string): Error {
  return Object.assign(new Error(message), { status: 404 });
}

function errorPage(err: unknown, res: Response, logger: Logger, next: NextFunction): void {
  let status = 500;
  let message = 'Something went wrong; the log has the details.';
  if (isScorerError(err)) {
    status = err.code === 'NOT_FOUND' ? 404 : err.kind === 'input' || err.kind === 'config' ? 400 : 502;
    message = err.fix ? `${err.message}. ${err.fix}` : err.message;
  } else if ((err as { status?: number }).status === 404) {
    status = 404;
    message = (err as Error).message;
  } else {
    logger.error({ err }, 'page failed');
  }
  if (res.headersSent) return next(err);
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error · Commitment Scorer</title><link rel="stylesheet" href="/assets/pages.css"></head><body><main><h1>${status === 404 ? 'Not found' : 'Cannot show this page'}</h1><p class="note">${esc(message)}</p><p><a href="/">Back to the largest gaps</a></p></main></body></html>`,
    );
}
