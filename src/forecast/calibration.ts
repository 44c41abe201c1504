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

/**
 * Reads the calibration block wherever the loaded rulebook keeps it (the compiled rulebook or its
 * source) and tolerates its absence or an older shape: anything unreadable counts as not calibrated.
 */
export function calibrationOf(rulebook: Rulebook): CalibrationSummary {
  const holder = rulebook as unknown as { calibration?: unknown; source?: { calibration?: unknown } };
  const block = holder.calibration ?? holder.source?.calibration;
  if (block === null || typeof block !== 'object') return { calibrated: false };
  const b = block as Record<string, unknown>;
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) if (typeof b[k] === 'number' && Number.isFinite(b[k])) return b[k] as number;
    return undefined;
  };
  const summary: CalibrationSummary = { calibrated: b.calibrated !== false };
  const deals = num('deals', 'closedDeals');
  const heldOut = num('heldOutBrier', 'brier');
  const stage = num('stageBrier', 'baselineBrier');
  if (deals !== undefined) summary.deals = deals;
  if (heldOut !== undefined) summary.heldOutBrier = heldOut;
  if (stage !== undefined) summary.stageBrier = stage;
  return summary;
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
