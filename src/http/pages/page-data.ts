import type { Connection } from 'jsforce';
import { reviewDeal } from '../../forecast/deal-review';
import { currentPeriod, parsePeriod } from '../../forecast/period';
import { parseGroupBy, type ForecastReport } from '../../forecast/report';
import { runForecast } from '../../forecast/run';
import { ScorerError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Rulebook } from '../../rules/load-rulebook';
import { loadSnapshots } from '../../salesforce/load-snapshots';
import { loadUserNames } from '../../salesforce/open-deals';
import type { ApiCallCounter } from '../../salesforce/paged-query';
import type { PagesDeps } from './router';

/**
 * Where the pages' numbers come from: the same runForecast the `forecast` command prints and the
 * same scoring core, against the service's org connection. A forecast reads every open deal of
 * the period, so one is reused for `cacheMs` rather than re-read on every page view.
 */

export interface PageDataDeps extends ApiCallCounter {
  connection: () => Connection;
  rulebook: () => Rulebook;
  now: () => number;
  /** A reason not to spend API calls now (the org's limit was reached), or undefined. */
  blocked?: () => string | undefined;
  logger?: Logger;
  cacheMs?: number;
}

export function createPageData(deps: PageDataDeps): Pick<PagesDeps, 'forecast' | 'dealReview'> {
  const cacheMs = deps.cacheMs ?? 60_000;
  const cache = new Map<string, { at: number; report: Promise<ForecastReport> }>();
  const checkBudget = (): void => {
    const reason = deps.blocked?.();
    if (reason !== undefined) throw new ScorerError('ORG_LIMIT_EXCEEDED', `Not now: ${reason}`);
  };
  const counter: ApiCallCounter = { metrics: deps.metrics, onApiCall: deps.onApiCall };
  return {
    forecast: async (query) => {
      const rulebook = deps.rulebook();
      const now = deps.now();
      const period =
        query.period === undefined
          ? currentPeriod(now, rulebook.fiscalYearStartMonth)
          : parsePeriod(query.period, rulebook.fiscalYearStartMonth);
      const by = parseGroupBy(query.by);
      const key = `${period.label}|${by}|${rulebook.version}`;
      const hit = cache.get(key);
      if (hit && now - hit.at < cacheMs) return hit.report;
      checkBudget();
      const report = runForecast(deps.connection(), rulebook, {
        ...counter,
        period,
        by,
        asOf: now,
        logger: deps.logger,
      });
      cache.set(key, { at: now, report });
      // A failed read is not kept: the next view tries again.
      report.catch(() => cache.delete(key));
      for (const [k, v] of cache) if (now - v.at >= cacheMs) cache.delete(k);
      return report;
    },
    dealReview: async (id) => {
      checkBudget();
      const rulebook = deps.rulebook();
      const conn = deps.connection();
      const { snapshots } = await loadSnapshots(conn, [id], rulebook.fields, {
        ...counter,
        logger: deps.logger,
      });
      const snapshot = [...snapshots.values()][0];
      if (!snapshot)
        throw new ScorerError('NOT_FOUND', `No opportunity ${id} is visible to the integration user`);
      const review = reviewDeal(snapshot, rulebook, deps.now());
      const owner = review.ownerId;
      const names = owner ? await loadUserNames(conn, [owner], counter) : new Map<string, string>();
      return { review, ownerName: owner ? (names.get(owner) ?? null) : null };
    },
  };
}
