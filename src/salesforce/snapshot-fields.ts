import type { ActiveFieldMap } from '../rules/schema';

/**
 * The fields and queries behind a deal snapshot: exactly what the deal snapshot holds (src/scoring/snapshot.schema.json) plus the
 * current output values (the write planner compares against them), nothing more, so a query stays
 * small and the integration user needs read access to these fields only. Every id list passed in
 * here comes from `inList` over validated ids; the only other interpolated value is an integer.
 */

const OPPORTUNITY_STANDARD = [
  'Id',
  'Name',
  'StageName',
  'Probability',
  'Amount',
  'CloseDate',
  'IsClosed',
  'IsWon',
  'ForecastCategoryName',
  'CreatedDate',
  'OwnerId',
];
export const CONTACT_ROLE_FIELDS = ['ContactId', 'Role', 'IsPrimary', 'CreatedDate'];
export const HISTORY_FIELDS = [
  'StageName',
  'CloseDate',
  'PrevCloseDate',
  'Probability',
  'Amount',
  'CreatedDate',
];
export const TASK_FIELDS = [
  'Id',
  'Subject',
  'TaskSubtype',
  'Type',
  'CallType',
  'Status',
  'ActivityDate',
  'CompletedDateTime',
  'CreatedDate',
  'WhoId',
  'OwnerId',
];
export const EVENT_FIELDS = [
  'Id',
  'Subject',
  'StartDateTime',
  'EndDateTime',
  'WhoId',
  'OwnerId',
  'CreatedDate',
];
export const EMAIL_FIELDS = ['Id', 'Incoming', 'MessageDate', 'FromAddress', 'ToAddress', 'CreatedDate'];

/** SOQL rejects a field selected twice ("duplicate field selected"), e.g. when a map reuses a name. */
const unique = (names: readonly string[]): string[] => [...new Set(names)];

export function opportunityFields(fields: ActiveFieldMap): string[] {
  return unique([
    ...OPPORTUNITY_STANDARD,
    ...Object.values(fields.inputs).filter((n): n is string => n !== undefined),
    ...Object.values(fields.outputs),
  ]);
}

export function commitmentFields(fields: ActiveFieldMap): string[] {
  const c = fields.commitment;
  return unique([c.type, c.ownerSide, c.status, c.dueDate, c.completedDate, c.contact, 'CreatedDate']);
}

/**
 * One query brings a deal with everything but its emails: contact roles, stage history, commitments,
 * and its recent tasks and meetings as child subqueries of Opportunity (Tasks, Events). One query per
 * 200 deals instead of three keeps a burst near one read and one write per 200 deals.
 */
export function opportunityQuery(
  fields: ActiveFieldMap,
  ids: string,
  days: number,
  trackedFields: readonly string[] = [],
): string {
  const subqueries = [
    `(SELECT ${CONTACT_ROLE_FIELDS.join(', ')} FROM OpportunityContactRoles)`,
    // Full stage history, oldest first: close-date pushes and stage regressions span the deal's life.
    `(SELECT ${HISTORY_FIELDS.join(', ')} FROM OpportunityHistories ORDER BY CreatedDate ASC)`,
    `(SELECT ${commitmentFields(fields).join(', ')} FROM ${fields.commitment.relationship})`,
    `(SELECT ${TASK_FIELDS.join(', ')} FROM Tasks WHERE ${recentTasks(days)})`,
    `(SELECT ${EVENT_FIELDS.join(', ')} FROM Events WHERE ${recentEvents(days)})`,
    ...(trackedFields.length > 0 ? [fieldHistorySubquery(trackedFields)] : []),
  ];
  return `SELECT ${opportunityFields(fields).join(', ')}, ${subqueries.join(', ')} FROM Opportunity WHERE Id IN (${ids})`;
}

export const FIELD_HISTORY_FIELDS = ['Field', 'OldValue', 'NewValue', 'CreatedDate'];

/**
 * OpportunityFieldHistory rows (child relationship `Histories`) of the named fields, oldest first: what
 * a backtest needs to know a reason-to-act input as it was before the close. The names come from the
 * rulebook's field map, which the schema restricts to API names, so quoting them is safe.
 */
function fieldHistorySubquery(names: readonly string[]): string {
  const list = names.map((n) => `'${n}'`).join(', ');
  return `(SELECT ${FIELD_HISTORY_FIELDS.join(', ')} FROM Histories WHERE Field IN (${list}) ORDER BY CreatedDate ASC)`;
}

/**
 * Recent tasks: touched lately (completing a task modifies it) or due lately. LAST_N_DAYS with `=`
 * is the range from n days ago to the end of today, the one comparison whose meaning is unambiguous.
 */
function recentTasks(days: number): string {
  return `(LastModifiedDate = LAST_N_DAYS:${days} OR ActivityDate = LAST_N_DAYS:${days})`;
}

/** Recent events: touched lately or held lately (a meeting booked months ago and held last week). */
function recentEvents(days: number): string {
  return `(LastModifiedDate = LAST_N_DAYS:${days} OR StartDateTime = LAST_N_DAYS:${days})`;
}

/** Recent emails: sent or received lately; drafts have no MessageDate, so creation counts too. */
export function emailQuery(ids: string, days: number): string {
  return (
    `SELECT RelatedToId, ${EMAIL_FIELDS.join(', ')} FROM EmailMessage WHERE RelatedToId IN (${ids}) ` +
    `AND (MessageDate = LAST_N_DAYS:${days} OR CreatedDate = LAST_N_DAYS:${days})`
  );
}
