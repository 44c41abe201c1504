import type { Rulebook } from '../rules/load-rulebook';

/**
 * What the forecast says about the active rulebook's calibration. A rulebook carries a
 * `calibration` block once `calibrate` has fitted it on the org's closed deals; until then the
 * adjusted probability is "rules only, not calibrated" and every report says so.
 */
export interface CalibrationSummary {
  calibrated: boolean;
  /** Closed deals the fit used. */
  deals?: number;
  /** Brier score of the adjusted probability on the held-out deals, and of the stage probability. */
  heldOutBrier?: number;
  stageBrier?: number;
}

/** One bin of a reliability diagram: deals whose predicted probability fell in the bin. */
export interface ReliabilityBin {
  count: number;
  /** Mean predicted probability and observed win rate, both 0–1. */
  meanPredicted: number;
  observed: number;
}

/** The forecast's view of the rulebook's `calibration` block (written by `calibrate`; absent for rules only). */
export function calibrationOf(rulebook: Pick<Rulebook, 'calibration'>): CalibrationSummary {
  const c = rulebook.calibration;
  if (c === undefined) return { calibrated: false };
  return {
    calibrated: true,
    deals: c.deals,
    heldOutBrier: c.heldOut.brier,
    stageBrier: c.heldOut.brierStage,
  };
}

/**
 * The reliability table of the rulebook's last calibration (its held-out deals, 10 bins), for the
 * forecast page's reliability diagram; undefined for a rulebook that was never calibrated. Empty bins
 * have no mean to draw and are left out.
 */
export function reliabilityOf(rulebook: Pick<Rulebook, 'calibration'>): ReliabilityBin[] | undefined {
  const bins = rulebook.calibration?.heldOut.reliability;
  if (bins === undefined) return undefined;
  return bins.flatMap((b) =>
    b.meanPredicted === null || b.observed === null
      ? []
      : [{ count: b.count, meanPredicted: b.meanPredicted, observed: b.observed }],
  );
}

/** The one line every forecast output carries. */
export function calibrationLine(c: CalibrationSummary): string {
  if (!c.calibrated) return 'Adjusted probabilities: rules only, not calibrated.';
  const parts = [`Adjusted probabilities: calibrated`];
  if (c.deals !== undefined) parts.push(`on ${c.deals} closed deals`);
  const line = parts.join(' ');
  if (c.heldOutBrier === undefined) return `${line}.`;
  const stage =
    c.stageBrier === undefined ? '' : ` against ${c.stageBrier.toFixed(3)} for the stage probability`;
  return `${line}; held-out Brier ${c.heldOutBrier.toFixed(3)}${stage}.`;
}
