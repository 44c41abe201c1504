/**
 * The backtest: per horizon, how well the stage probability and each rulebook's adjusted probability
 * forecast the outcomes of closed deals, with paired bootstrap intervals and reliability tables.
 */
import type { Rulebook } from '../rules/load-rulebook';
import { evaluateForecasts, type BootstrapOptions, type ForecastMetrics } from './bootstrap';
import type { History } from './history';
import { reliability, type ReliabilityBin } from './metrics';

export interface ForecastReport {
  name: string;
  metrics: ForecastMetrics;
  reliability: ReliabilityBin[];
}

export interface HorizonReport {
  horizonDays: number;
  deals: number;
  won: number;
  lost: number;
  notYetCreated: number;
  noOpenStage: number;
  /** The stage probability first, then one per rulebook; empty when the horizon has no deals. */
  forecasts: ForecastReport[];
}

export interface BacktestReport {
  deals: number;
  from: string | null;
  to: string | null;
  leaking: number;
  untracked: string[];
  rulebooks: string[];
  horizons: HorizonReport[];
}

export const STAGE = 'stage probability';
export const DEFAULT_BOOTSTRAP: BootstrapOptions = { samples: 200, seed: 12 };

/** The forecasts' names: the stage probability, then each rulebook's version. */
export function forecastNames(rulebooks: readonly Rulebook[]): string[] {
  const seen = new Map<string, number>();
  return rulebooks.map((rb) => {
    const n = (seen.get(rb.version) ?? 0) + 1;
    seen.set(rb.version, n);
    return `adjusted ${rb.version}${n > 1 ? ` (#${n})` : ''}`;
  });
}

export function runBacktest(
  history: History,
  rulebooks: readonly Rulebook[],
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
): BacktestReport {
  const names = forecastNames(rulebooks);
  const horizons = history.views.map((view): HorizonReport => {
    const y = view.samples.map((s) => s.won);
    const won = y.filter((v) => v === 1).length;
    const base = {
      horizonDays: view.horizonDays,
      deals: y.length,
      won,
      lost: y.length - won,
      notYetCreated: view.notYetCreated,
      noOpenStage: view.noOpenStage,
    };
    if (y.length === 0) return { ...base, forecasts: [] };
    const forecasts: Record<string, number[]> = { [STAGE]: view.samples.map((s) => s.stage) };
    names.forEach((name, i) => (forecasts[name] = view.samples.map((s) => s.adjusted[i])));
    const metrics = evaluateForecasts(forecasts, y, STAGE, bootstrap);
    return {
      ...base,
      forecasts: Object.keys(forecasts).map((name) => ({
        name,
        metrics: metrics[name],
        reliability: reliability(forecasts[name], y),
      })),
    };
  });
  return {
    deals: history.deals,
    from: history.from,
    to: history.to,
    leaking: history.leaking,
    untracked: history.untracked,
    rulebooks: rulebooks.map((rb) => rb.version),
    horizons,
  };
}
