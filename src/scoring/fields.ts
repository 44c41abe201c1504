import { calibrationLine } from '../rules/calibration-line';
import type { Rulebook } from '../rules/load-rulebook';
import type { ScoreResult } from './score-deal';

/**
 * The write-back values, keyed by the org's field names from the rulebook's map. Each value fits its
 * field as manifests/ types it: Number(3,0), Percent(3,0), restricted multi-select (`;`-joined codes),
 * Long text (32,768), Number(5,2), Date, Date/Time, Text(40), Text(255).
 */
export type OutputFields = Record<string, string | number | null>;

const LONG_TEXT_LIMIT = 32_768;
const BALANCE_MAX = 999.99; // Number(5,2)

export function buildFields(result: Omit<ScoreResult, 'fields'>, rulebook: Rulebook): OutputFields {
  const out = rulebook.fields.outputs;
  const warnings = result.flags.map((f) => f.message).join('\n');
  return {
    [out.score]: clampInt(result.commitmentScore, 0, 100),
    [out.adjustedProbability]: clampInt(result.adjustedProbability, 0, 100),
    [out.flags]: result.flags.length === 0 ? null : result.flags.map((f) => f.code).join(';'),
    [out.warnings]: warnings === '' ? null : warnings.slice(0, LONG_TEXT_LIMIT),
    [out.balance]:
      result.balance === null ? null : Math.min(BALANCE_MAX, Math.round(result.balance * 100) / 100),
    [out.lastCustomerYesDate]: result.lastCustomerYesDate,
    [out.scoredAt]: result.asOf,
    [out.rulesVersion]: result.rulesVersion.slice(0, 40),
    // The same line on every deal of one rulebook, so it is written only when the rulebook changes.
    ...(out.calibration ? { [out.calibration]: calibrationLine(rulebook.calibration).slice(0, 255) } : {}),
  };
}

function clampInt(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(value)));
}
