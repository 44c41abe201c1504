import type { CalibrationSource } from './schema';

/**
 * The one line that says whether the adjusted probability is a calibrated probability: shown by
 * `rules check`, served by GET /v1/rules and written for the record page. At most 255 characters
 * (the Text field that carries it).
 */
export function calibrationLine(calibration: CalibrationSource | undefined): string {
  if (!calibration) return 'rules only, not yet calibrated';
  const h = calibration.heldOut;
  return (
    `calibrated on ${calibration.deals.toLocaleString('en-US')} closed deals: ` +
    `Brier ${h.brier.toFixed(2)} vs ${h.brierStage.toFixed(2)} for stage probability`
  );
}

/** The longer form `rules check` prints under the line. */
export function calibrationDetails(c: CalibrationSource): string {
  const h = c.heldOut;
  return [
    `  fitted on closed deals from ${c.from} to ${c.to} (${c.won} won, ${c.lost} lost), ${c.horizonDays} days before their close, from ${c.base}`,
    `  newest ${h.deals} deals held out: Brier ${h.brier.toFixed(3)} (active rulebook ${h.brierBase.toFixed(3)}, stage probability ${h.brierStage.toFixed(3)}, recalibrated stage ${h.brierRecalibratedStage.toFixed(3)}), AUC ${h.auc.toFixed(3)}, ECE ${h.ece.toFixed(3)}, calibration slope ${h.slope.toFixed(2)}`,
    `  caps ${c.caps}; verdict: ${c.verdict}`,
  ].join('\n');
}

/** GET /v1/rules: the active rulebook and whether its adjusted probability is calibrated. */
export function rulesSummary(rulebook: { version: string; calibration: CalibrationSource | undefined }) {
  const c = rulebook.calibration;
  return {
    version: rulebook.version,
    calibrated: c !== undefined,
    line: calibrationLine(c),
    calibration:
      c === undefined
        ? null
        : {
            deals: c.deals,
            won: c.won,
            lost: c.lost,
            from: c.from,
            to: c.to,
            horizonDays: c.horizonDays,
            verdict: c.verdict,
            heldOut: {
              deals: c.heldOut.deals,
              brier: c.heldOut.brier,
              brierStage: c.heldOut.brierStage,
              brierRecalibratedStage: c.heldOut.brierRecalibratedStage,
            },
          },
  };
}
