/**
 * `rules diff`: what a rulebook change does to the open deals before it goes live. Built deal by deal
 * in constant memory: per-flag gain/lose counts, a count per whole percentage point of change (the
 * adjusted probability is a whole percent, so the change is an integer in −100…100 and 201 counters
 * give the exact distribution), and the `top` deals that move most. Pure: no I/O, no clock.
 */
import type { Estimate } from './bootstrap';

export interface DiffSide {
  adjustedProbability: number;
  flags: string[];
}

export interface DiffDeal {
  id: string;
  name: string | null;
  before: DiffSide;
  after: DiffSide;
}

export interface FlagMovement {
  code: string;
  /** Deals carrying the flag under the old rulebook and under the new one. */
  before: number;
  after: number;
  gained: number;
  lost: number;
}

export interface ChangeBin {
  label: string;
  /** Inclusive bounds in percentage points. */
  from: number;
  to: number;
  count: number;
}

export interface Mover {
  id: string;
  name: string | null;
  before: number;
  after: number;
  change: number;
  gained: string[];
  lost: string[];
}

/** One forecast's backtest figures, each with its 95 % interval from a paired bootstrap. */
export interface SideMetrics {
  name: string;
  brier: Estimate;
  logLoss: Estimate;
  auc: Estimate;
  slope: Estimate;
  ece: Estimate;
}

/**
 * The backtest figures of both rulebooks side by side on the closed deals of a range, at one horizon.
 * `status: 'not run'` says why in words (too few won or lost deals, or none in the range).
 */
export type BacktestSideBySide = {
  horizonDays: number;
  /** The CloseDate range asked for, YYYY-MM-DD. */
  from: string;
  to: string;
  /** Deals measured (open at the horizon), and how many of them were won and lost. */
  deals: number;
  won: number;
  lost: number;
} & (
  | {
      status: 'run';
      /** Deals that read an untracked input as it is now (see the backtest's leak warning). */
      leaking: number;
      untracked: string[];
      stage: SideMetrics;
      before: SideMetrics;
      after: SideMetrics;
      /** Brier(new) − Brier(old) on the same resamples: below 0 the new rulebook forecasts better. */
      brierDelta: Estimate;
    }
  | { status: 'not run'; reason: string }
);

export interface RulesDiffReport {
  before: { version: string };
  after: { version: string };
  deals: number;
  flags: FlagMovement[];
  change: {
    up: number;
    down: number;
    unchanged: number;
    mean: number;
    median: number;
    bins: ChangeBin[];
  };
  movers: Mover[];
  backtest: BacktestSideBySide | null;
}

const BINS: [number, number][] = [
  [-100, -20],
  [-19, -10],
  [-9, -5],
  [-4, -1],
  [0, 0],
  [1, 4],
  [5, 9],
  [10, 19],
  [20, 100],
];

function binLabel([from, to]: [number, number]): string {
  if (from === to) return '0';
  if (from === -100) return `≤ ${to}`;
  if (to === 100) return `≥ +${from}`;
  const sign = (n: number): string => (n > 0 ? `+${n}` : String(n));
  return `${sign(from)} to ${sign(to)}`;
}

export class RulesDiffAccumulator {
  private deals = 0;
  private sum = 0;
  /** counts[c + 100]: deals whose adjusted probability moved by c points. */
  private readonly counts = new Array<number>(201).fill(0);
  private readonly flags = new Map<string, FlagMovement>();
  private readonly movers: Mover[] = [];

  constructor(
    private readonly versions: { before: string; after: string },
    private readonly top = 20,
  ) {}

  add(deal: DiffDeal): void {
    const change = deal.after.adjustedProbability - deal.before.adjustedProbability;
    this.deals++;
    this.sum += change;
    this.counts[Math.max(-100, Math.min(100, Math.round(change))) + 100]++;
    const before = new Set(deal.before.flags);
    const after = new Set(deal.after.flags);
    for (const code of before) this.flag(code).before++;
    for (const code of after) this.flag(code).after++;
    const gained = deal.after.flags.filter((c) => !before.has(c));
    const lost = deal.before.flags.filter((c) => !after.has(c));
    for (const code of gained) this.flag(code).gained++;
    for (const code of lost) this.flag(code).lost++;
    if (change !== 0 || gained.length > 0 || lost.length > 0)
      this.keepMover({
        id: deal.id,
        name: deal.name,
        before: deal.before.adjustedProbability,
        after: deal.after.adjustedProbability,
        change,
        gained,
        lost,
      });
  }

  report(backtest: BacktestSideBySide | null = null): RulesDiffReport {
    const bins = BINS.map(([from, to]) => {
      let count = 0;
      for (let c = from; c <= to; c++) count += this.counts[c + 100];
      return { label: binLabel([from, to]), from, to, count };
    });
    const flags = [...this.flags.values()].sort(
      (a, b) => b.gained + b.lost - (a.gained + a.lost) || a.code.localeCompare(b.code),
    );
    return {
      before: { version: this.versions.before },
      after: { version: this.versions.after },
      deals: this.deals,
      flags: flags.map((f) => ({ ...f })),
      change: {
        up: this.countWhere((c) => c > 0),
        down: this.countWhere((c) => c < 0),
        unchanged: this.counts[100],
        mean: this.deals === 0 ? 0 : Math.round((this.sum / this.deals) * 100) / 100,
        median: this.median(),
        bins,
      },
      movers: this.movers.map((m) => ({ ...m })),
      backtest,
    };
  }

  private flag(code: string): FlagMovement {
    let f = this.flags.get(code);
    if (!f) this.flags.set(code, (f = { code, before: 0, after: 0, gained: 0, lost: 0 }));
    return f;
  }

  private countWhere(test: (change: number) => boolean): number {
    let n = 0;
    for (let c = -100; c <= 100; c++) if (test(c)) n += this.counts[c + 100];
    return n;
  }

  /** The lower median: the change of the deal in the middle, read off the counters. */
  private median(): number {
    if (this.deals === 0) return 0;
    const middle = Math.ceil(this.deals / 2);
    let seen = 0;
    for (let c = -100; c <= 100; c++) {
      seen += this.counts[c + 100];
      if (seen >= middle) return c;
    }
    return 0;
  }

  /** Largest absolute change first; ties by id so the same data always gives the same list. */
  private keepMover(m: Mover): void {
    const larger = (a: Mover, b: Mover): boolean =>
      Math.abs(a.change) > Math.abs(b.change) || (Math.abs(a.change) === Math.abs(b.change) && a.id < b.id);
    if (this.top === 0) return;
    if (this.movers.length === this.top && !larger(m, this.movers[this.movers.length - 1])) return;
    let i = this.movers.length;
    while (i > 0 && larger(m, this.movers[i - 1])) i--;
    this.movers.splice(i, 0, m);
    if (this.movers.length > this.top) this.movers.pop();
  }
}
