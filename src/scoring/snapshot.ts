import { z } from 'zod';
import { ScorerError } from '../lib/errors';
import type { ActiveFieldMap } from '../rules/schema';
import { parseDate, parseDateTime } from './dates';

/**
 * The deal snapshot (README, "Deal snapshot"; JSON Schema in snapshot.schema.json), parsed once into a `Deal` whose dates are epoch milliseconds,
 * so scoring does no string work. Lists may be missing; unknown fields are ignored; a wrong type is
 * rejected with its path (`tasks[3].CreatedDate: invalid date`).
 */

const text = z
  .string()
  .nullish()
  .transform((v) => v ?? null);
const bool = z
  .boolean()
  .nullish()
  .transform((v) => v ?? null);
const num = z
  .number()
  .finite()
  .nullish()
  .transform((v) => v ?? null);
/** A nullable date string parsed to epoch ms by `parse`, or rejected with `message`. */
const epochField = (parse: (text: string) => number | undefined, message: string) =>
  z
    .string()
    .nullish()
    .transform((v, ctx) => {
      if (v === null || v === undefined) return null;
      const t = parse(v);
      if (t === undefined) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return t;
    });
const date = epochField(parseDate, 'invalid date (expected YYYY-MM-DD)');
const dateTime = epochField(parseDateTime, 'invalid date (expected ISO-8601 such as 2026-10-02T09:30:00Z)');
/**
 * Which row schema each snapshot list checks, for the generated JSON Schema (json-schema.ts). Filled
 * once while this module builds its schemas, read only after: schema objects are its keys.
 */
export const listRows = new WeakMap<object, z.ZodTypeAny>();
/** Rows of one list checked before a list is given up on: the message shows 20 problems at most. */
const MAX_BAD_ROWS = 20;

/**
 * A list checked row by row that stops after MAX_BAD_ROWS invalid rows. Zod would otherwise build an
 * issue for every field of every bad row: a posted snapshot of 1,000 invalid rows a list cost ~65 ms
 * of the one event loop, and a few clients posting them held /healthz for over a second.
 */
const list = <T extends z.ZodTypeAny>(item: T) => {
  const rows = z.array(z.unknown());
  // The JSON Schema shows the row shape the transform checks (the array itself takes anything).
  listRows.set(rows, item);
  return rows.nullish().transform((rows, ctx) => {
    const out: z.output<T>[] = [];
    let bad = 0;
    for (const [i, row] of (rows ?? []).entries()) {
      const result = item.safeParse(row);
      if (result.success) {
        out.push(result.data as z.output<T>);
        continue;
      }
      for (const issue of result.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: [i, ...issue.path] });
      if (++bad >= MAX_BAD_ROWS) {
        const unchecked = (rows ?? []).length - i - 1;
        if (unchecked > 0)
          ctx.addIssue({ code: 'custom', message: `${unchecked} more rows not checked`, path: [] });
        return z.NEVER;
      }
    }
    return out;
  });
};

/** A probability in percent; Salesforce keeps both the deal's and its history's within 0–100. */
const percent = z
  .number()
  .min(0)
  .max(100)
  .nullish()
  .transform((v) => v ?? null);

const opportunitySchema = z.object({
  Id: text,
  Name: text,
  StageName: z.string().min(1, 'is required'),
  Probability: percent,
  Amount: num,
  CloseDate: date,
  IsClosed: bool,
  IsWon: bool,
  ForecastCategoryName: text,
  CreatedDate: dateTime,
  OwnerId: text,
});

const contactRoleSchema = z.object({ ContactId: text, Role: text, IsPrimary: bool, CreatedDate: dateTime });
const taskSchema = z.object({
  Id: text,
  Subject: text,
  TaskSubtype: text,
  Type: text,
  CallType: text,
  Status: text,
  ActivityDate: date,
  CompletedDateTime: dateTime,
  CreatedDate: dateTime,
  WhoId: text,
  OwnerId: text,
});
const eventSchema = z.object({
  Id: text,
  Subject: text,
  StartDateTime: dateTime,
  EndDateTime: dateTime,
  WhoId: text,
  OwnerId: text,
  CreatedDate: dateTime,
});
const emailSchema = z.object({
  Id: text,
  Incoming: bool,
  MessageDate: dateTime,
  FromAddress: text,
  ToAddress: text,
  CreatedDate: dateTime,
});
const historySchema = z.object({
  StageName: text,
  CloseDate: date,
  PrevCloseDate: date,
  // The newest row's probability is the deal's base probability.
  Probability: percent,
  Amount: num,
  CreatedDate: dateTime,
});
const commitmentSchema = z.object({
  Type__c: text,
  Owner_Side__c: z
    .enum(['Customer', 'Seller'])
    .nullish()
    .transform((v) => v ?? null),
  Status__c: z
    .enum(['Requested', 'Given', 'Declined', 'Done'])
    .nullish()
    .transform((v) => v ?? null),
  Due_Date__c: date,
  Completed_Date__c: date,
  Contact__c: text,
  CreatedDate: dateTime,
});

export const snapshotSchema = z.object({
  opportunity: z.looseObject(opportunitySchema.shape),
  contactRoles: list(contactRoleSchema),
  tasks: list(taskSchema),
  events: list(eventSchema),
  emails: list(emailSchema),
  history: list(historySchema),
  commitments: list(commitmentSchema),
});

export type Opportunity = z.infer<typeof opportunitySchema>;
export type ContactRole = z.infer<typeof contactRoleSchema>;
export type Task = z.infer<typeof taskSchema>;
export type CalendarEvent = z.infer<typeof eventSchema>;
export type Email = z.infer<typeof emailSchema>;
export type HistoryRow = z.infer<typeof historySchema>;
export type Commitment = z.infer<typeof commitmentSchema>;

/** The reason-to-act inputs, read through the rulebook's field map. */
export interface DealInputs {
  compellingEvent: string | null;
  costOfDelay: number | null;
  customerDecisionDate: number | null;
  strategicInitiative: string | null;
  discountPercent: number | null;
}

export interface Deal {
  opportunity: Opportunity;
  /** The opportunity's fields as given, for the write planner's comparison with current values. */
  opportunityFields: Record<string, unknown>;
  inputs: DealInputs;
  contactRoles: ContactRole[];
  tasks: Task[];
  events: CalendarEvent[];
  emails: Email[];
  history: HistoryRow[];
  commitments: Commitment[];
}

export function parseSnapshot(input: unknown, fields: ActiveFieldMap): Deal {
  const result = snapshotSchema.safeParse(input);
  if (!result.success) throw snapshotError(result.error.issues);
  const raw = result.data.opportunity as Record<string, unknown>;
  const issues: { path: (string | number)[]; message: string }[] = [];
  const inputs: DealInputs = {
    compellingEvent: readText(raw, fields.inputs.compellingEvent, issues),
    costOfDelay: readNumber(raw, fields.inputs.costOfDelay, issues),
    customerDecisionDate: readDate(raw, fields.inputs.customerDecisionDate, issues),
    strategicInitiative: readText(raw, fields.inputs.strategicInitiative, issues),
    discountPercent: readNumber(raw, fields.inputs.discountPercent, issues),
  };
  if (issues.length > 0) throw snapshotError(issues);
  const { opportunity, ...lists } = result.data;
  return { opportunity: opportunity as Opportunity, opportunityFields: raw, inputs, ...lists };
}

function readText(
  raw: Record<string, unknown>,
  field: string | undefined,
  issues: { path: (string | number)[]; message: string }[],
) {
  // No field: the org has none, so the input is absent on every deal (see rules/org-check.ts).
  const v = field === undefined ? undefined : raw[field];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') {
    issues.push({ path: ['opportunity', String(field)], message: 'expected text' });
    return null;
  }
  return v.trim() === '' ? null : v;
}

function readNumber(
  raw: Record<string, unknown>,
  field: string | undefined,
  issues: { path: (string | number)[]; message: string }[],
) {
  // No field: the org has none, so the input is absent on every deal (see rules/org-check.ts).
  const v = field === undefined ? undefined : raw[field];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    issues.push({ path: ['opportunity', String(field)], message: 'expected a number' });
    return null;
  }
  return v;
}

function readDate(
  raw: Record<string, unknown>,
  field: string | undefined,
  issues: { path: (string | number)[]; message: string }[],
) {
  // No field: the org has none, so the input is absent on every deal (see rules/org-check.ts).
  const v = field === undefined ? undefined : raw[field];
  if (v === null || v === undefined) return null;
  const t = typeof v === 'string' ? parseDate(v) : undefined;
  if (t === undefined)
    issues.push({ path: ['opportunity', String(field)], message: 'invalid date (expected YYYY-MM-DD)' });
  return t ?? null;
}

function snapshotError(issues: readonly { path: PropertyKey[]; message: string }[]): ScorerError {
  const lines = issues.slice(0, 20).map((i) => `${formatPath(i.path)}: ${normaliseMessage(i.message)}`);
  const more = issues.length > 20 ? ` (and ${issues.length - 20} more)` : '';
  return new ScorerError('SNAPSHOT_INVALID', `Invalid deal snapshot: ${lines.join('; ')}${more}`, {
    context: { problems: lines },
  });
}

function normaliseMessage(message: string): string {
  return message.replace(/^Invalid input: expected (\w+), received (\w+)$/, 'expected $1, got $2');
}

export function formatPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (out, part) =>
        typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part),
      '',
    ) || '(snapshot)'
  );
}
