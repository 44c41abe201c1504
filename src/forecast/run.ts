import type { Connection } from 'jsforce';
import { isScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { Rulebook } from '../rules/load-rulebook';
import type { DealSnapshot } from '../salesforce/load-snapshots';
import { forEachOpenDeal, loadUserNames } from '../salesforce/open-deals';
import type { ApiCallCounter } from '../salesforce/paged-query';
import { scoreSnapshot, type ScoreResult } from '../scoring';
import { calibrationOf } from './calibration';
import type { Period } from './period';
import { ForecastAccumulator, type ForecastDeal, type ForecastReport, type GroupBy } from './report';
import { RulesDiffAccumulator, type BacktestSideBySide, type RulesDiffReport } from './rules-diff';

/**
 * The thin joint between the org and the pure forecast code: read open deals chunk by chunk, score
 * each with the same core the live service runs, and feed the accumulators. Nothing here sums or
 * ranks; that is report.ts and rules-diff.ts, tested on their own.
 */

export interface RunOptions extends ApiCallCounter {
  /** The moment deals are scored as of (epoch ms). */
  asOf: number;
  onProgress?: (p: { done: number; total: number }) => void;
  logger?: Logger;
  top?: number;
}

export async function runForecast(
  conn: Connection,
  rulebook: Rulebook,
  opts: RunOptions & { period: Period; by: GroupBy },
): Promise<ForecastReport> {
  const acc = new ForecastAccumulator({
    period: opts.period,
    by: opts.by,
    asOf: new Date(opts.asOf).toISOString(),
    rulesVersion: rulebook.version,
    calibration: calibrationOf(rulebook),
    top: opts.top,
  });
  await forEachOpenDeal(
    conn,
    rulebook.fields,
    { ...opts, closeFrom: opts.period.from ?? undefined, closeTo: opts.period.to ?? undefined },
    (snapshots) => {
      for (const snapshot of snapshots) {
        const result = scoreOrSkip(snapshot, rulebook, opts);
        if (result) acc.add(forecastDeal(snapshot, result));
        else acc.skip();
      }
    },
  );
  const names = await loadUserNames(conn, [...acc.ownerIds(), ...acc.gapOwnerIds()], opts);
  return acc.report(names);
}

export async function runRulesDiff(
  conn: Connection,
  rules: { before: Rulebook; after: Rulebook },
  opts: RunOptions & {
    /** The hook for closed history: both rulebooks' backtest figures, when a backtest can run. */
    backtest?: (before: Rulebook, after: Rulebook) => Promise<BacktestSideBySide | null>;
  },
): Promise<RulesDiffReport & { unscored: number }> {
  const acc = new RulesDiffAccumulator(
    { before: rules.before.version, after: rules.after.version },
    opts.top,
  );
  let unscored = 0;
  // The old rulebook's field map decides what is read; both score the same snapshot.
  await forEachOpenDeal(conn, rules.before.fields, opts, (snapshots) => {
    for (const snapshot of snapshots) {
      const before = scoreOrSkip(snapshot, rules.before, opts);
      const after = before && scoreOrSkip(snapshot, rules.after, opts);
      if (!before || !after) {
        unscored++;
        continue;
      }
      acc.add({
        id: String(snapshot.opportunity.Id),
        name: typeof snapshot.opportunity.Name === 'string' ? snapshot.opportunity.Name : null,
        before: { adjustedProbability: before.adjustedProbability, flags: before.flags.map((f) => f.code) },
        after: { adjustedProbability: after.adjustedProbability, flags: after.flags.map((f) => f.code) },
      });
    }
  });
  const backtest = opts.backtest ? await opts.backtest(rules.before, rules.after) : null;
  return { ...acc.report(backtest), unscored };
}

function scoreOrSkip(snapshot: DealSnapshot, rulebook: Rulebook, opts: RunOptions): ScoreResult | undefined {
  try {
    return scoreSnapshot(snapshot, rulebook, opts.asOf);
  } catch (err) {
    // A record the org holds in a shape the snapshot schema refuses: count and name it, go on.
    if (!isScorerError(err) || err.code !== 'SNAPSHOT_INVALID') throw err;
    opts.logger?.warn({ oppId: snapshot.opportunity.Id, err: err.message }, 'Deal left out: not scorable');
    return undefined;
  }
}

export function forecastDeal(snapshot: DealSnapshot, result: ScoreResult): ForecastDeal {
  const opp = snapshot.opportunity;
  const amount = typeof opp.Amount === 'number' && Number.isFinite(opp.Amount) ? opp.Amount : 0;
  return {
    id: String(opp.Id),
    name: typeof opp.Name === 'string' ? opp.Name : null,
    ownerId: typeof opp.OwnerId === 'string' ? opp.OwnerId : null,
    stage: String(opp.StageName),
    amount,
    closeDate: typeof opp.CloseDate === 'string' ? opp.CloseDate : null,
    stageProbability: result.baseProbability,
    adjustedProbability: result.adjustedProbability,
    flags: result.flags.map((f) => ({ code: f.code, message: f.message })),
  };
}
