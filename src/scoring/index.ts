import type { Rulebook } from '../rules/load-rulebook';
import { ScorerError } from '../lib/errors';
import { parseDateTime } from './dates';
import { scoreDeal, type ScoreResult } from './score-deal';
import { parseSnapshot } from './snapshot';

export { scoreDeal, type ScoreResult, type FlagResult } from './score-deal';
export { parseSnapshot, type Deal } from './snapshot';

/** Parses an `--as-of` / `asOf` value; the caller supplies "now" when it is absent. */
export function parseAsOf(value: string): number {
  const t = parseDateTime(value);
  if (t === undefined) throw new ScorerError('AS_OF_INVALID', `Invalid as-of moment "${value}"`);
  return t;
}

/** Snapshot JSON in, score result out: what `score --file` and `POST /v1/score` both run. */
export function scoreSnapshot(input: unknown, rulebook: Rulebook, asOf: number): ScoreResult {
  return scoreDeal(parseSnapshot(input, rulebook.fields), rulebook, asOf);
}
