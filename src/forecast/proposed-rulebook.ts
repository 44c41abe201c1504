/**
 * The proposed rulebook is the base file edited in place (comments and layout kept): the fitted α, β,
 * commitment weight and flag weights, no caps, and a `calibration` block saying what it was fitted on.
 */
import { parseDocument } from 'yaml';
import type { CalibrationSource } from '../rules/schema';

export interface Fit {
  alpha: number;
  beta: number;
  commitmentWeight: number;
  weights: Map<string, number>;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

export function applyFit(baseText: string, fit: Fit, calibration: CalibrationSource | undefined): string {
  const doc = parseDocument(baseText);
  doc.setIn(['probability', 'alpha'], round3(fit.alpha));
  doc.setIn(['probability', 'beta'], round3(fit.beta));
  doc.setIn(['probability', 'commitmentWeight'], round3(fit.commitmentWeight));
  const flags = doc.getIn(['flags']) as { items?: unknown[] } | undefined;
  const count = flags?.items?.length ?? 0;
  for (let i = 0; i < count; i++) {
    const code = doc.getIn(['flags', i, 'code']);
    const w = typeof code === 'string' ? fit.weights.get(code) : undefined;
    if (w !== undefined) doc.setIn(['flags', i, 'weight'], round3(w));
    if (doc.hasIn(['flags', i, 'cap'])) doc.deleteIn(['flags', i, 'cap']);
  }
  if (calibration) {
    doc.setIn(['calibration'], calibration);
    doc.commentBefore =
      ` Proposed by \`commitment-scorer calibrate\` (verdict: ${calibration.verdict}). Check it with\n` +
      ` \`commitment-scorer rules check FILE\`, then point RULES_FILE at it to use it.\n` +
      (doc.commentBefore ? `\n${doc.commentBefore}` : '');
  }
  return doc.toString({ lineWidth: 0 });
}
