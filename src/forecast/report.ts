import { ScorerError } from '../lib/errors';
import type { CalibrationSummary } from './calibration';
import type { Period } from './period';

/**
 * The forecast report, built deal by deal in constant memory: running sums per group and per flag,
 * and only the `top` deals with the largest gap. A 100,000-deal forecast therefore holds a few
 * hundred numbers, not 100,000 results. Pure: no I/O, no clock.
 *
 * stage-weighted = Amount × the stage probability (the seller's view);
 * adjusted       = Amount × the commitment-adjusted probability;
 * gap            = stage-weighted − adjusted: how much of the pipeline the customer's commitment does
 *                  not back. Amounts are rounded to whole currency units on output only.
 */

export const GROUP_BY = ['owner', 'stage', 'flag'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface ForecastDeal {
  id: string;
  name: string | null;
  ownerId: string | null;
  stage: string;
  amount: number;
  closeDate: string | null;
  /** Percent, 0–100. */
  stageProbability: number;
  adjustedProbability: number;
  /** Most important first, as the score result orders them. */
  flags: { code: string; message: string }[];
}

export interface Totals {
  count: number;
  amount: number;
  stageWeighted: number;
  adjusted: number;
  gap: number;
}

export interface GroupRow extends Totals {
  key: string;
  label: string;
}

export interface GapDeal {
  id: string;
  name: string | null;
  owner: string;
  stage: string;
  closeDate: string | null;
  amount: number;
  stageProbability: number;
  adjustedProbability: number;
  stageWeighted: number;
  adjusted: number;
  gap: number;
  topFlag: { code: string; message: string } | null;
}

export interface ForecastReport {
  period: Period;
  by: GroupBy;
  asOf: string;
  rulesVersion: string;
  calibration: CalibrationSummary;
  totals: Totals;
  groups: GroupRow[];
  flagCounts: { code: string; count: number }[];
  largestGaps: GapDeal[];
  /** Deals in the period the core could not score (a malformed record); named in the log. */
  unscored: number;
}

export interface ForecastMeta {
  period: Period;
  by: GroupBy;
  asOf: string;
  rulesVersion: string;
  calibration: CalibrationSummary;
  /** How many largest-gap deals to keep. */
  top?: number;
}

export const NO_FLAGS = '(no flags)';
export const NO_OWNER = '(no owner)';

interface Sums {
  count: number;
  amount: number;
  stageWeighted: number;
  adjusted: number;
}

const emptySums = (): Sums => ({ count: 0, amount: 0, stageWeighted: 0, adjusted: 0 });

export class ForecastAccumulator {
  private readonly total = emptySums();
  private readonly groups = new Map<string, Sums>();
  private readonly flags = new Map<string, number>();
  /** Kept sorted by gap, largest first, at most `top` long. */
  private readonly gaps: { gap: number; deal: ForecastDeal }[] = [];
  private readonly top: number;
  private unscored = 0;

  constructor(private readonly meta: ForecastMeta) {
    this.top = meta.top ?? 20;
  }

  add(deal: ForecastDeal): void {
    const stageWeighted = (deal.amount * deal.stageProbability) / 100;
    const adjusted = (deal.amount * deal.adjustedProbability) / 100;
    addTo(this.total, deal.amount, stageWeighted, adjusted);
    for (const key of this.keysOf(deal)) {
      let sums = this.groups.get(key);
      if (!sums) this.groups.set(key, (sums = emptySums()));
      addTo(sums, deal.amount, stageWeighted, adjusted);
    }
    for (const flag of deal.flags) this.flags.set(flag.code, (this.flags.get(flag.code) ?? 0) + 1);
    this.keepIfLargeGap(stageWeighted - adjusted, deal);
  }

  /** A deal that could not be scored: counted, so the report never silently covers less. */
  skip(): void {
    this.unscored++;
  }

  /** The report; `ownerNames` turns owner ids into names where known. */
  report(ownerNames: ReadonlyMap<string, string> = new Map()): ForecastReport {
    const label = (key: string): string => (this.meta.by === 'owner' ? (ownerNames.get(key) ?? key) : key);
    const groups = [...this.groups].map(([key, sums]) => ({ key, label: label(key), ...rounded(sums) }));
    groups.sort((a, b) => b.gap - a.gap || b.amount - a.amount || a.key.localeCompare(b.key));
    const flagCounts = [...this.flags].map(([code, count]) => ({ code, count }));
    flagCounts.sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
    return {
      period: this.meta.period,
      by: this.meta.by,
      asOf: this.meta.asOf,
      rulesVersion: this.meta.rulesVersion,
      calibration: this.meta.calibration,
      totals: rounded(this.total),
      groups,
      flagCounts,
      largestGaps: this.gaps.map(({ deal }) => gapDeal(deal, ownerNames)),
      unscored: this.unscored,
    };
  }

  /** Owner ids seen, so the caller can look their names up once. */
  ownerIds(): string[] {
    return this.meta.by === 'owner' ? [...this.groups.keys()].filter((k) => k !== NO_OWNER) : [];
  }

  /** Owner ids of the kept deals (whatever the grouping), for the same look-up. */
  gapOwnerIds(): string[] {
    return [...new Set(this.gaps.map((g) => g.deal.ownerId).filter((id): id is string => id !== null))];
  }

  private keysOf(deal: ForecastDeal): string[] {
    switch (this.meta.by) {
      case 'owner':
        return [deal.ownerId ?? NO_OWNER];
      case 'stage':
        return [deal.stage];
      case 'flag':
        // A deal with three flags counts in three groups: the rows overlap and do not add up to the total.
        return deal.flags.length === 0 ? [NO_FLAGS] : deal.flags.map((f) => f.code);
    }
  }

  private keepIfLargeGap(gap: number, deal: ForecastDeal): void {
    if (this.top === 0) return;
    if (this.gaps.length === this.top && !isLarger(gap, deal, this.gaps[this.gaps.length - 1])) return;
    let i = this.gaps.length;
    while (i > 0 && isLarger(gap, deal, this.gaps[i - 1])) i--;
    // Keep only what the report shows: the flags' sentences of a dropped deal are released.
    this.gaps.splice(i, 0, { gap, deal: { ...deal, flags: deal.flags.slice(0, 1) } });
    if (this.gaps.length > this.top) this.gaps.pop();
  }
}

/** Larger gap first; ties by id so the same data always gives the same list. */
function isLarger(gap: number, deal: ForecastDeal, other: { gap: number; deal: ForecastDeal }): boolean {
  return gap > other.gap || (gap === other.gap && deal.id < other.deal.id);
}

function addTo(sums: Sums, amount: number, stageWeighted: number, adjusted: number): void {
  sums.count++;
  sums.amount += amount;
  sums.stageWeighted += stageWeighted;
  sums.adjusted += adjusted;
}

function rounded(s: Sums): Totals {
  const stageWeighted = Math.round(s.stageWeighted);
  const adjusted = Math.round(s.adjusted);
  return {
    count: s.count,
    amount: Math.round(s.amount),
    stageWeighted,
    adjusted,
    gap: stageWeighted - adjusted,
  };
}

function gapDeal(deal: ForecastDeal, ownerNames: ReadonlyMap<string, string>): GapDeal {
  const stageWeighted = Math.round((deal.amount * deal.stageProbability) / 100);
  const adjusted = Math.round((deal.amount * deal.adjustedProbability) / 100);
  return {
    id: deal.id,
    name: deal.name,
    owner: deal.ownerId === null ? NO_OWNER : (ownerNames.get(deal.ownerId) ?? deal.ownerId),
    stage: deal.stage,
    closeDate: deal.closeDate,
    amount: Math.round(deal.amount),
    stageProbability: deal.stageProbability,
    adjustedProbability: deal.adjustedProbability,
    stageWeighted,
    adjusted,
    gap: stageWeighted - adjusted,
    topFlag: deal.flags[0] ?? null,
  };
}

/** `--by` / `?by=`: one of GROUP_BY, named when it is not. */
export function parseGroupBy(value: string | undefined): GroupBy {
  if (value === undefined) return 'owner';
  if ((GROUP_BY as readonly string[]).includes(value)) return value as GroupBy;
  throw new ScorerError('USAGE', `"${value}" is not a forecast grouping: use ${GROUP_BY.join(', ')}`);
}
