/** Date handling for Salesforce REST values, in epoch milliseconds (UTC), with no clock. */

export const DAY_MS = 86_400_000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Salesforce REST writes offsets without a colon ("+0000"); ISO-8601 allows both.
const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/** `YYYY-MM-DD` → UTC midnight, or undefined when it is not a real calendar date. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  return utcIfValid(+m[1], +m[2], +m[3], 0, 0, 0, 0);
}

/** ISO-8601 date-time with Z or an offset → epoch ms; a bare date is accepted as UTC midnight. */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME_RE.exec(text);
  if (!m) return parseDate(text);
  // Truncate to milliseconds as Date.parse does: rounding up could reach the next second (or day).
  const ms = m[7] ? +m[7].padEnd(3, '0').slice(0, 3) : 0;
  const local = utcIfValid(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, ms);
  if (local === undefined) return undefined;
  if (m[8] === 'Z') return local;
  const sign = m[8][0] === '-' ? -1 : 1;
  const digits = m[8].slice(1).replace(':', '');
  const offsetMinutes = +digits.slice(0, 2) * 60 + +digits.slice(2);
  if (+digits.slice(0, 2) > 23 || +digits.slice(2) > 59) return undefined;
  return local - sign * offsetMinutes * 60_000;
}

function utcIfValid(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  return new Date(t).getUTCDate() === d ? t : undefined;
}

export function toDateString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whole days from a to b (b − a), rounding toward minus infinity. */
export function daysBetween(a: number, b: number): number {
  return Math.floor((b - a) / DAY_MS);
}

/**
 * Days from a close date to the last day of the seller's fiscal quarter it falls in; 0 when the
 * close date is that last day. Quarters start in `fiscalYearStartMonth` (1-12) and every 3 months after.
 */
export function daysBeforeQuarterEnd(closeDate: number, fiscalYearStartMonth: number): number {
  const d = new Date(closeDate);
  const month = d.getUTCMonth(); // 0-11
  const start = fiscalYearStartMonth - 1;
  const offset = (month - start + 12) % 12;
  const lastMonthOfQuarter = month + (2 - (offset % 3)); // may run past December; Date.UTC rolls the year
  const quarterEnd = Date.UTC(d.getUTCFullYear(), lastMonthOfQuarter + 1, 0);
  return Math.round((quarterEnd - Date.UTC(d.getUTCFullYear(), month, d.getUTCDate())) / DAY_MS);
}
