import { ScorerError } from '../lib/errors';
import { toDateString } from '../scoring/dates';

/**
 * A forecast period: a fiscal quarter (`2026-Q4`), a whole fiscal year (`2026`) or `all` open deals. Fiscal years
 * start in the rulebook's `fiscalYearStartMonth` and are named after the calendar year they start
 * in (Salesforce's default "based on the starting month"), so with a February start 2026-Q1 is
 * February to April 2026.
 */
export interface Period {
  label: string;
  /** First and last day, inclusive, as `YYYY-MM-DD`; both null for `all` (every open deal). */
  from: string | null;
  to: string | null;
}

export const ALL_OPEN: Period = { label: 'all', from: null, to: null };

/** "closing 2026-10-01 to 2026-12-31", or "closing any time" for `all`. */
export function describeClosing(p: Period): string {
  return p.from === null || p.to === null ? 'closing any time' : `closing ${p.from} to ${p.to}`;
}

const QUARTER = /^(\d{4})-Q([1-4])$/;
const YEAR = /^(\d{4})$/;

export function parsePeriod(text: string, fiscalYearStartMonth: number): Period {
  if (text.trim().toLowerCase() === 'all') return ALL_OPEN;
  const q = QUARTER.exec(text.trim().toUpperCase());
  if (q) return quarter(+q[1], +q[2], fiscalYearStartMonth);
  const y = YEAR.exec(text.trim());
  if (y) {
    const start = Date.UTC(+y[1], fiscalYearStartMonth - 1, 1);
    const end = Date.UTC(+y[1], fiscalYearStartMonth - 1 + 12, 0);
    return { label: y[1], from: toDateString(start), to: toDateString(end) };
  }
  throw new ScorerError(
    'PERIOD_INVALID',
    `"${text}" is not a forecast period: give a fiscal quarter such as 2026-Q4, a fiscal year such as 2026, or all`,
  );
}

/** The fiscal quarter that holds `asOf`. */
export function currentPeriod(asOf: number, fiscalYearStartMonth: number): Period {
  const d = new Date(asOf);
  const monthsIn = (d.getUTCMonth() - (fiscalYearStartMonth - 1) + 12) % 12;
  const fiscalYear =
    d.getUTCMonth() >= fiscalYearStartMonth - 1 ? d.getUTCFullYear() : d.getUTCFullYear() - 1;
  return quarter(fiscalYear, Math.floor(monthsIn / 3) + 1, fiscalYearStartMonth);
}

function quarter(fiscalYear: number, q: number, fiscalYearStartMonth: number): Period {
  const firstMonth = fiscalYearStartMonth - 1 + (q - 1) * 3; // may run past December; Date.UTC rolls the year
  const start = Date.UTC(fiscalYear, firstMonth, 1);
  const end = Date.UTC(fiscalYear, firstMonth + 3, 0);
  return { label: `${fiscalYear}-Q${q}`, from: toDateString(start), to: toDateString(end) };
}
