/**
 * Each closed deal as it looked `H` days before its close, scored by one or more rulebooks with the
 * same pure code as live scoring: stage, probability, amount and close date come from the stage
 * history, activity after that day is ignored, and the tracked inputs are rebuilt from field history.
 */
import type { Rulebook } from '../rules/load-rulebook';
import { DAY_MS } from '../scoring/dates';
import { dealStateAsOf } from '../scoring/deal-state';
import { scoreDeal } from '../scoring/score-deal';
import { inputsAsOf, type ClosedDeal, type TrackedInput } from './closed-deals';

export interface HorizonSample {
  id: string;
  closeAt: number;
  won: 0 | 1;
  /** The stage probability then, 0..1. */
  stage: number;
  /** The adjusted probability then, 0..1, per rulebook (in the order given). */
  adjusted: number[];
  /** Of the first rulebook: the flags that fired and the commitment score (what calibration fits on). */
  flags: string[];
  score: number;
}

export interface HorizonView {
  horizonDays: number;
  samples: HorizonSample[];
  /** Deals created after that day: they did not exist yet. */
  notYetCreated: number;
  /** Deals with no open stage by then (no history row before it, or already closed). */
  noOpenStage: number;
}

export function viewAtHorizon(
  deals: readonly ClosedDeal[],
  rulebooks: readonly Rulebook[],
  tracked: ReadonlySet<TrackedInput>,
  horizonDays: number,
): HorizonView {
  const view: HorizonView = { horizonDays, samples: [], notYetCreated: 0, noOpenStage: 0 };
  const first = rulebooks[0];
  for (const d of deals) {
    const asOf = d.closeAt - horizonDays * DAY_MS;
    const created = d.deal.opportunity.CreatedDate;
    if (created !== null && created > asOf) {
      view.notYetCreated++;
      continue;
    }
    if (dealStateAsOf(d.deal, first, asOf).isClosed) {
      view.noOpenStage++;
      continue;
    }
    const deal = { ...d.deal, inputs: inputsAsOf(d, first, tracked, asOf) };
    const results = rulebooks.map((rb) => scoreDeal(deal, rb, asOf));
    view.samples.push({
      id: d.id,
      closeAt: d.closeAt,
      won: d.won ? 1 : 0,
      stage: results[0].baseProbability / 100,
      adjusted: results.map((r) => r.adjustedProbability / 100),
      flags: results[0].flags.map((f) => f.code),
      score: results[0].commitmentScore,
    });
  }
  return view;
}
