/**
 * The backtest half of `rules diff`: the closed deals of a range, each as it looked H days before its
 * close, forecast by the stage probability, the old and the new rulebook, measured on the same
 * bootstrap resamples so that the Brier difference new − old has an interval of its own.
 */
import type { Connection } from 'jsforce';
import type { Rulebook } from '../rules/load-rulebook';
import { DAY_MS } from '../scoring/dates';
import type { ApiCallCounter } from '../salesforce/paged-query';
import { ScorerError } from '../lib/errors';
import { DEFAULT_BOOTSTRAP, forecastNames, STAGE } from './backtest';
import { evaluateForecasts, type BootstrapOptions, type ForecastMetrics } from './bootstrap';
import { MIN_PER_CLASS } from './calibrate';
import { checkRange, parseHorizons } from './commands';
import { historyFromOrg, type History, type HistoryOptions } from './history';
import type { BacktestSideBySide, SideMetrics } from './rules-diff';

export const DEFAULT_DIFF_HORIZON = 30;

export interface CloseRange {
  from: string;
  to: string;
}

/** The last 12 months of CloseDate up to `asOf` (UTC days): 2026-11-30 → 2025-12-01..2026-11-30. */
export function lastTwelveMonths(asOf: number): CloseRange {
  const d = new Date(asOf);
  const to = d.toISOString().slice(0, 10);
  const y = d.getUTCFullYear() - 1;
  const m = d.getUTCMonth();
  // A year before 29 Feb is 28 Feb (the month's last day), not the 1 Mar that Date.UTC would roll to.
  const yearBack = Math.min(d.getUTCDate(), new Date(Date.UTC(y, m + 1, 0)).getUTCDate());
  const from = new Date(Date.UTC(y, m, yearBack) + DAY_MS);
  return { from: from.toISOString().slice(0, 10), to };
}

/** `--from/--to/--horizon` of rules diff, checked before any deal is read. */
export function parseDiffBacktest(
  flags: { from?: string; to?: string; horizon?: string },
  asOf: number,
): { range: CloseRange; horizonDays: number } {
  const horizons = parseHorizons(flags.horizon ?? String(DEFAULT_DIFF_HORIZON));
  if (horizons.length !== 1)
    throw new ScorerError(
      'USAGE',
      `--horizon: rules diff backtests one horizon, got ${horizons.join(', ')}; give one, e.g. 30`,
    );
  if (flags.from === undefined && flags.to === undefined)
    return { range: lastTwelveMonths(asOf), horizonDays: horizons[0] };
  checkRange(flags);
  return { range: { from: flags.from as string, to: flags.to as string }, horizonDays: horizons[0] };
}

function side(name: string, m: ForecastMetrics): SideMetrics {
  return { name, brier: m.brier, logLoss: m.logLoss, auc: m.auc, slope: m.slope, ece: m.ece };
}

/**
 * Pure: a history read for [before, after] at one horizon in, the side-by-side figures out. The
 * reference of the paired bootstrap is the old rulebook, so `brierDelta` is new − old; the other
 * figures do not depend on the reference (the resamples are drawn from the seed and the outcomes alone).
 */
export function sideBySide(
  history: History,
  rulebooks: { before: Rulebook; after: Rulebook },
  range: CloseRange,
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
): BacktestSideBySide {
  const view = history.views[0];
  const y = view.samples.map((s) => s.won);
  const won = y.filter((v) => v === 1).length;
  const base = {
    horizonDays: view.horizonDays,
    from: range.from,
    to: range.to,
    deals: y.length,
    won,
    lost: y.length - won,
  };
  // Below 30 of a class the intervals are too wide to tell two rulebooks apart (as for calibrate).
  if (won < MIN_PER_CLASS || base.lost < MIN_PER_CLASS)
    return {
      ...base,
      status: 'not run',
      reason:
        history.deals === 0
          ? `not run: no closed deals in ${range.from}..${range.to}; needs ${MIN_PER_CLASS} won and ${MIN_PER_CLASS} lost`
          : `not run: ${won} won and ${base.lost} lost closed deals in ${range.from}..${range.to}; needs ${MIN_PER_CLASS} of each`,
    };
  const [oldName, newName] = forecastNames([rulebooks.before, rulebooks.after]);
  const forecasts = {
    [STAGE]: view.samples.map((s) => s.stage),
    [oldName]: view.samples.map((s) => s.adjusted[0]),
    [newName]: view.samples.map((s) => s.adjusted[1]),
  };
  const metrics = evaluateForecasts(forecasts, y, oldName, bootstrap);
  return {
    ...base,
    status: 'run',
    leaking: history.leaking,
    untracked: [...history.untracked],
    stage: side(STAGE, metrics[STAGE]),
    before: side(oldName, metrics[oldName]),
    after: side(newName, metrics[newName]),
    brierDelta: metrics[newName].brierDelta,
  };
}

export interface OrgBacktestOptions extends ApiCallCounter {
  range: CloseRange;
  horizonDays: number;
  /** The org's now (epoch ms): how far back activity is read. */
  now: number;
  onProgress?: HistoryOptions['onProgress'];
}

/** The `backtest` hook of runRulesDiff, reading the closed deals from the org. */
export function orgBacktest(
  conn: Connection,
  opts: OrgBacktestOptions,
): (before: Rulebook, after: Rulebook) => Promise<BacktestSideBySide> {
  return async (before, after) => {
    const history = await historyFromOrg(conn, {
      rulebooks: [before, after],
      horizons: [opts.horizonDays],
      from: opts.range.from,
      to: opts.range.to,
      now: opts.now,
      onProgress: opts.onProgress,
      onApiCall: opts.onApiCall,
      metrics: opts.metrics,
    });
    return sideBySide(history, { before, after }, opts.range);
  };
}
