import {
  DAY_MS,
  daysBeforeQuarterEnd,
  daysBetween,
  parseDate,
  parseDateTime,
  toDateString,
} from '../../../src/scoring/dates';

describe('parseDate', () => {
  it.each([
    ['2026-11-20', Date.UTC(2026, 10, 20)],
    ['2026-02-28', Date.UTC(2026, 1, 28)],
    ['2028-02-29', Date.UTC(2028, 1, 29)], // leap year
    ['2026-12-31', Date.UTC(2026, 11, 31)],
  ])('%s is UTC midnight', (text, expected) => {
    expect(parseDate(text)).toBe(expected);
  });

  it.each([
    '2026-02-30',
    '2026-02-29', // not a leap year
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-11-00',
    '2026-1-5',
    '20261120',
    '2026-11-20T00:00:00Z',
    ' 2026-11-20',
    '',
  ])('rejects %p', (text) => {
    expect(parseDate(text)).toBeUndefined();
  });
});

describe('parseDateTime', () => {
  it.each([
    ['2026-11-20T12:00:00Z', Date.UTC(2026, 10, 20, 12)],
    ['2026-11-20T12:00:00.000Z', Date.UTC(2026, 10, 20, 12)],
    ['2026-11-20T12:00:00.000+0000', Date.UTC(2026, 10, 20, 12)], // as the Salesforce REST API writes it
    ['2026-11-20T14:00:00+02:00', Date.UTC(2026, 10, 20, 12)],
    ['2026-11-20T14:00:00+0200', Date.UTC(2026, 10, 20, 12)],
    ['2026-11-20T06:30:00-05:30', Date.UTC(2026, 10, 20, 12)],
    ['2026-11-20T01:00:00+02:00', Date.UTC(2026, 10, 19, 23)], // the offset crosses midnight
    ['2026-11-20T12:00Z', Date.UTC(2026, 10, 20, 12)],
    ['2026-11-20T12:00:00.5Z', Date.UTC(2026, 10, 20, 12, 0, 0, 500)],
    ['2026-11-20T12:00:00.123456Z', Date.UTC(2026, 10, 20, 12, 0, 0, 123)],
    ['2026-11-20', Date.UTC(2026, 10, 20)], // a bare date is UTC midnight
  ])('%s', (text, expected) => {
    expect(parseDateTime(text)).toBe(expected);
  });

  it.each(['2026-12-31T23:59:59.9999Z', '2026-11-20T12:00:00.987654321+01:00', '2026-02-28T23:59:59.9995Z'])(
    'reads the fraction of a second as Date.parse does: %s',
    (text) => {
      expect(parseDateTime(text)).toBe(Date.parse(text));
    },
  );

  it.each([
    '2026-02-30T10:00:00Z',
    '2026-11-20T24:00:00Z',
    '2026-11-20T12:60:00Z',
    '2026-11-20T12:00:60Z',
    '2026-11-20T12:00:00+24:00',
    '2026-11-20T12:00:00+02:60',
    '2026-11-20T12:00:00', // no zone: the moment is ambiguous
    '2026-11-20 12:00:00Z',
    'yesterday',
    '',
  ])('rejects %p', (text) => {
    expect(parseDateTime(text)).toBeUndefined();
  });
});

describe('toDateString and daysBetween', () => {
  it('formats the UTC day', () => {
    expect(toDateString(Date.UTC(2026, 10, 20, 23, 59))).toBe('2026-11-20');
  });

  it.each([
    [0, 0, 0],
    [0, DAY_MS, 1],
    [0, DAY_MS - 1, 0],
    [0, -1, -1], // rounds toward minus infinity
    [0, -DAY_MS, -1],
    [0, -DAY_MS - 1, -2],
    [Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1), 365],
  ])('from %i to %i is %i days', (a, b, expected) => {
    expect(daysBetween(a, b)).toBe(expected);
  });
});

describe('daysBeforeQuarterEnd', () => {
  const d = (text: string) => parseDate(text) as number;

  it.each([
    // calendar quarters
    ['2026-12-31', 1, 0],
    ['2026-12-30', 1, 1],
    ['2026-10-01', 1, 91],
    ['2026-03-31', 1, 0],
    ['2026-01-01', 1, 89],
    ['2026-02-28', 1, 31],
    ['2028-02-29', 1, 31], // leap day
    ['2026-06-30', 1, 0],
    ['2026-07-01', 1, 91],
    ['2026-09-30', 1, 0],
    // fiscal year from February: Feb-Apr, May-Jul, Aug-Oct, Nov-Jan
    ['2026-12-31', 2, 31],
    ['2027-01-31', 2, 0],
    ['2027-01-01', 2, 30],
    ['2026-11-01', 2, 91],
    ['2026-04-30', 2, 0],
    ['2026-02-01', 2, 88],
    ['2028-02-01', 2, 89], // leap year
    // fiscal year from December: Dec-Feb, Mar-May, Jun-Aug, Sep-Nov
    ['2026-01-15', 12, 44],
    ['2026-12-01', 12, 89], // runs into next year's February
    ['2027-11-30', 12, 0],
    // fiscal year from November: Nov-Jan, Feb-Apr, ...
    ['2026-11-15', 11, 77],
  ])(
    '%s with the fiscal year starting in month %i is %i days before the quarter end',
    (date, start, expected) => {
      expect(daysBeforeQuarterEnd(d(date), start)).toBe(expected);
    },
  );

  it('is never negative and below 92 for every day of four years and every start month', () => {
    for (let start = 1; start <= 12; start++) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2030, 0, 1); t += DAY_MS) {
        const days = daysBeforeQuarterEnd(t, start);
        expect(days >= 0 && days < 92).toBe(true);
        // The day after a quarter end starts the next quarter, which is at least 88 days long.
        if (days === 0) expect(daysBeforeQuarterEnd(t + DAY_MS, start)).toBeGreaterThanOrEqual(88);
        else expect(daysBeforeQuarterEnd(t + DAY_MS, start)).toBe(days - 1);
      }
    }
  });
});
