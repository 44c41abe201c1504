import type { FieldMap } from '../rules/schema';
import type { ScoreResult } from '../scoring';

/**
 * Turns score results into record updates, writing only what differs from the values the org holds.
 * Equal values produce no update at all: that is what ends the echo loop for certain, and it keeps
 * API calls and field history down. The scored-at stamp never counts as a difference, or every
 * rescore would write again; it is sent along when something else changed.
 */

export interface RecordUpdate {
  Id: string;
  [field: string]: string | number | null;
}

export function planWrites(
  results: readonly ScoreResult[],
  current: ReadonlyMap<string, Readonly<Record<string, unknown>>>,
  outputs: FieldMap['outputs'],
): RecordUpdate[] {
  const updates: RecordUpdate[] = [];
  for (const result of results) {
    if (result.opportunityId === null) continue;
    const now = current.get(result.opportunityId) ?? {};
    const update: RecordUpdate = { Id: result.opportunityId };
    let changed = false;
    for (const [field, value] of Object.entries(result.fields)) {
      if (field === outputs.scoredAt) continue;
      if (!sameValue(now[field], value, field === outputs.flags)) {
        update[field] = value;
        changed = true;
      }
    }
    if (changed) {
      update[outputs.scoredAt] = result.fields[outputs.scoredAt] ?? null;
      updates.push(update);
    }
  }
  return updates;
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
