/**
 * Closed deals as a backtest reads them: the parsed snapshot (full history), the outcome, and the
 * OpportunityFieldHistory rows of the reason-to-act inputs, from which `inputsAsOf` rebuilds those
 * inputs as they stood on an earlier day.
 */
import { ScorerError } from '../lib/errors';
import type { Rulebook } from '../rules/load-rulebook';
import { parseDate, parseDateTime } from '../scoring/dates';
import { parseSnapshot, type Deal, type DealInputs } from '../scoring/snapshot';

/** The four reason-to-act inputs whose history decides what a deal looked like before its close. */
export const TRACKED_INPUTS = [
  'compellingEvent',
  'costOfDelay',
  'customerDecisionDate',
  'strategicInitiative',
] as const;
export type TrackedInput = (typeof TRACKED_INPUTS)[number];

export interface FieldChange {
  field: string;
  oldValue: unknown;
  newValue: unknown;
  at: number;
}

export interface ClosedDeal {
  id: string;
  deal: Deal;
  won: boolean;
  /** The close date, midnight UTC. */
  closeAt: number;
  /** This deal's field history rows, oldest first. */
  fieldHistory: FieldChange[];
}

/**
 * A raw snapshot (with an optional `fieldHistory` list) to a closed deal, or an error saying why it is
 * not one. `where` names the source ("deals.jsonl:12", "opportunity 006…") in every message.
 */
export function toClosedDeal(raw: unknown, rulebook: Rulebook, where: string): ClosedDeal {
  let deal: Deal;
  try {
    deal = parseSnapshot(raw, rulebook.fields);
  } catch (err) {
    throw new ScorerError('SNAPSHOT_INVALID', `${where}: ${(err as Error).message}`, { cause: err });
  }
  const opp = deal.opportunity;
  const won = rulebook.wonStages.has(opp.StageName) || (opp.IsClosed === true && opp.IsWon === true);
  const lost = rulebook.lostStages.has(opp.StageName) || (opp.IsClosed === true && opp.IsWon === false);
  if (!won && !lost)
    throw new ScorerError(
      'SNAPSHOT_INVALID',
      `${where}: opportunity.StageName: "${opp.StageName}" is not a closed stage (the rulebook's won: ${[...rulebook.wonStages].join(', ')}; lost: ${[...rulebook.lostStages].join(', ')}), so this is not a closed deal`,
    );
  if (opp.CloseDate === null)
    throw new ScorerError(
      'SNAPSHOT_INVALID',
      `${where}: opportunity.CloseDate: a closed deal needs its close date`,
    );
  return {
    id: opp.Id ?? where,
    deal,
    won,
    closeAt: opp.CloseDate,
    fieldHistory: parseFieldHistory((raw as { fieldHistory?: unknown }).fieldHistory, where),
  };
}

function parseFieldHistory(rows: unknown, where: string): FieldChange[] {
  if (rows === undefined || rows === null) return [];
  if (!Array.isArray(rows))
    throw new ScorerError('SNAPSHOT_INVALID', `${where}: fieldHistory: expected a list`);
  const out = rows.map((row: unknown, i): FieldChange => {
    const r = (row ?? {}) as Record<string, unknown>;
    const at = typeof r.CreatedDate === 'string' ? parseDateTime(r.CreatedDate) : undefined;
    if (typeof r.Field !== 'string' || at === undefined)
      throw new ScorerError(
        'SNAPSHOT_INVALID',
        `${where}: fieldHistory[${i}]: expected Field (text) and CreatedDate (ISO-8601)`,
      );
    return { field: r.Field, oldValue: r.OldValue ?? null, newValue: r.NewValue ?? null, at };
  });
  return out.sort((a, b) => a.at - b.at);
}

/** Which of the tracked inputs have any history row among these deals: the org (or file) tracks those. */
export function trackedFieldsOf(deals: readonly ClosedDeal[], rulebook: Rulebook): Set<TrackedInput> {
  const byName = new Map(TRACKED_INPUTS.map((k) => [rulebook.fields.inputs[k], k] as const));
  const out = new Set<TrackedInput>();
  for (const d of deals)
    for (const row of d.fieldHistory) {
      const key = byName.get(row.field);
      if (key) out.add(key);
    }
  return out;
}

/**
 * The inputs as they were at `asOf`. For a tracked field: the old value of the first change after
 * `asOf`, or the current value when nothing changed since (a value set on creation has no row). A
 * long text area's rows carry no values, only that it changed: it counts as filled at `asOf` when it
 * had been edited by then. An untracked field is read as it is now, which may show the future.
 */
export function inputsAsOf(
  d: ClosedDeal,
  rulebook: Rulebook,
  tracked: ReadonlySet<TrackedInput>,
  asOf: number,
): DealInputs {
  const inputs: DealInputs = { ...d.deal.inputs };
  const set = inputs as unknown as Record<TrackedInput, string | number | null>;
  for (const key of tracked) {
    const name = rulebook.fields.inputs[key];
    const rows = d.fieldHistory.filter((r) => r.field === name);
    const next = rows.find((r) => r.at > asOf);
    if (!next) continue;
    if (next.oldValue === null && next.newValue === null) {
      const editedBefore = rows.some((r) => r.at <= asOf);
      set[key] = editedBefore ? (d.deal.inputs[key] ?? '(filled in)') : null;
      continue;
    }
    set[key] = coerce(key, next.oldValue);
  }
  return inputs;
}

/** History values arrive as text or numbers whatever the field's type. */
function coerce(key: TrackedInput, value: unknown): string | number | null {
  if (value === null || value === undefined || value === '') return null;
  if (key === 'costOfDelay') {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) ? n : null;
  }
  if (key === 'customerDecisionDate')
    return typeof value === 'string' ? (parseDate(value.slice(0, 10)) ?? null) : null;
  return String(value);
}

/** True when this deal reads an untracked input that is filled in now: it may carry the future. */
export function mayLeak(d: ClosedDeal, tracked: ReadonlySet<TrackedInput>): boolean {
  return TRACKED_INPUTS.some((k) => !tracked.has(k) && d.deal.inputs[k] !== null);
}
