import type { FieldMap, RulebookSource } from '../rules/schema';
import type { ScoreResult } from '../scoring';

/**
 * Turns score results into record updates, writing only what a person would notice. Equal values
 * produce no update at all: that is what ends the echo loop for certain. A deal is written when its
 * flags, warnings, last-yes date or rules version change, or when its adjusted probability, score or
 * balance moves by at least its step from the value the org holds (so small daily drifts add up until
 * they are worth a write, and are never lost). The scored-at stamp never counts, or every rescore
 * would write again; it is sent along, with every field that differs, when the deal is written.
 */

export type WriteSteps = RulebookSource['writeSteps'];
export const DEFAULT_WRITE_STEPS: WriteSteps = { adjustedProbability: 1, score: 5, balance: 0.1 };

export interface RecordUpdate {
  Id: string;
  [field: string]: string | number | null;
}

export function planWrites(
  results: readonly ScoreResult[],
  current: ReadonlyMap<string, Readonly<Record<string, unknown>>>,
  outputs: FieldMap['outputs'],
  steps: WriteSteps = DEFAULT_WRITE_STEPS,
  balanceTarget = 1,
): RecordUpdate[] {
  const stepOf = new Map<string, { step: number; ceiling: number }>([
    [outputs.adjustedProbability, { step: steps.adjustedProbability, ceiling: Infinity }],
    [outputs.score, { step: steps.score, ceiling: Infinity }],
    // Every balance at or above the rulebook's target is a healthy dance: 2.3 → 3.5 tells nobody
    // anything (and happens whenever an old seller action leaves the window), 0.5 → 0.3 does.
    [outputs.balance, { step: steps.balance, ceiling: balanceTarget }],
  ]);
  const updates: RecordUpdate[] = [];
  for (const result of results) {
    if (result.opportunityId === null) continue;
    const now = current.get(result.opportunityId) ?? {};
    const update: RecordUpdate = { Id: result.opportunityId };
    let noticed = false;
    for (const [field, value] of Object.entries(result.fields)) {
      if (field === outputs.scoredAt) continue;
      if (sameValue(now[field], value, field === outputs.flags)) continue;
      update[field] = value;
      if (!noticed) noticed = worthAWrite(now[field], value, stepOf.get(field));
    }
    if (noticed) {
      update[outputs.scoredAt] = result.fields[outputs.scoredAt] ?? null;
      updates.push(update);
    }
  }
  return updates;
}

/** A differing value: any change counts, except a number that moved by less than its step. */
function worthAWrite(
  stored: unknown,
  next: string | number | null,
  rule: { step: number; ceiling: number } | undefined,
): boolean {
  if (rule === undefined || typeof stored !== 'number' || typeof next !== 'number') return true;
  const moved = Math.abs(Math.min(stored, rule.ceiling) - Math.min(next, rule.ceiling));
  // The tolerance keeps 0.30 → 0.20 a full step of 0.1 despite binary fractions.
  return moved >= rule.step - 1e-9;
}

function sameValue(stored: unknown, next: string | number | null, multiSelect: boolean): boolean {
  const a = stored === undefined || stored === '' ? null : stored;
  const b = next === '' ? null : next;
  if (a === null || b === null) return a === b;
  if (typeof b === 'number') return typeof a === 'number' && Math.abs(a - b) < 1e-9;
  if (typeof a !== 'string') return false;
  // The org returns multi-select values in picklist order, not ours; compare them as sets.
  if (multiSelect) return a.split(';').sort().join(';') === b.split(';').sort().join(';');
  // Long text may come back with CRLF line ends.
  return a.replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');
}
