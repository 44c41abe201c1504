/**
 * The fixed moment every scoring test is scored at, and helpers that place records relative to it.
 * Days are whole 24-hour steps back from AS_OF (a negative number of days ago is in the future).
 * Date-only values (`YYYY-MM-DD`) are UTC midnight of that day, i.e. 12 hours before AS_OF's time of day.
 */

export const AS_OF = Date.parse('2026-11-20T12:00:00Z');
export const DAY_MS = 86_400_000;

/** ISO-8601 date-time `daysAgo` days before AS_OF (fractions allowed: 0.5 is six in the morning). */
export function isoDaysAgo(daysAgo: number): string {
  return new Date(AS_OF - daysAgo * DAY_MS).toISOString();
}

/** `YYYY-MM-DD` of the day `daysAgo` days before AS_OF's day. */
export function dateDaysAgo(daysAgo: number): string {
  return isoDaysAgo(daysAgo).slice(0, 10);
}

/** `YYYY-MM-DD` of the day `days` days after AS_OF's day (negative: in the past). */
export function dateInDays(days: number): string {
  return dateDaysAgo(-days);
}
