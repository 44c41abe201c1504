import { calibrationLine, calibrationOf } from '../../../src/forecast/calibration';
import { currentPeriod, parsePeriod } from '../../../src/forecast/period';
import { ForecastAccumulator, NO_FLAGS, type ForecastDeal, type GroupBy } from '../../../src/forecast/report';
import { isScorerError } from '../../../src/lib/errors';
import { theDefaultRulebook } from '../../support/builders';

const period = parsePeriod('2026-Q4', 1);

function aForecastDeal(over: Partial<ForecastDeal> = {}): ForecastDeal {
  return {
    id: '006000000000001AAA',
    name: 'Deal',
    ownerId: '005000000000001AAA',
    stage: 'Proposal/Price Quote',
    amount: 100_000,
    closeDate: '2026-12-15',
    stageProbability: 70,
    adjustedProbability: 30,
    flags: [],
    ...over,
  };
}

function accumulate(by: GroupBy, deals: ForecastDeal[], top = 20) {
  const acc = new ForecastAccumulator({
    period,
    by,
    asOf: '2026-11-20T12:00:00.000Z',
    rulesVersion: 'default@00000000',
    calibration: { calibrated: false },
    top,
  });
  for (const d of deals) acc.add(d);
  return acc;
}

describe('forecast periods', () => {
  it('reads a fiscal quarter and a fiscal year, with the fiscal year start month', () => {
    expect(parsePeriod('2026-Q4', 1)).toEqual({ label: '2026-Q4', from: '2026-10-01', to: '2026-12-31' });
    expect(parsePeriod('2026-q1', 2)).toEqual({ label: '2026-Q1', from: '2026-02-01', to: '2026-04-30' });
    expect(parsePeriod('2026-Q4', 2)).toEqual({ label: '2026-Q4', from: '2026-11-01', to: '2027-01-31' });
    expect(parsePeriod('2026', 4)).toEqual({ label: '2026', from: '2026-04-01', to: '2027-03-31' });
    expect(parsePeriod('all', 1)).toEqual({ label: 'all', from: null, to: null });
  });

  it('names a bad period and how to write one', () => {
    for (const bad of ['2026-Q5', 'Q4', 'next quarter', '2026-13']) {
      let caught: unknown;
      try {
        parsePeriod(bad, 1);
      } catch (err) {
        caught = err;
      }
      expect(isScorerError(caught) && caught.code).toBe('PERIOD_INVALID');
      expect((caught as Error).message).toContain(`"${bad}"`);
    }
  });

  it('finds the fiscal quarter holding a moment', () => {
    expect(currentPeriod(Date.UTC(2026, 10, 20), 1).label).toBe('2026-Q4');
    expect(currentPeriod(Date.UTC(2027, 0, 10), 2)).toEqual({
      label: '2026-Q4',
      from: '2026-11-01',
      to: '2027-01-31',
    });
  });
});

describe('the forecast report', () => {
  it('sums count, amount, stage-weighted and adjusted amounts, and their gap', () => {
    const report = accumulate('owner', [
      aForecastDeal({ id: '006A', amount: 100_000, stageProbability: 70, adjustedProbability: 30 }),
      aForecastDeal({
        id: '006B',
        amount: 50_000,
        stageProbability: 50,
        adjustedProbability: 55,
        ownerId: '005B',
      }),
    ]).report(new Map([['005000000000001AAA', 'Ada Lovelace']]));
    expect(report.totals).toEqual({
      count: 2,
      amount: 150_000,
      stageWeighted: 95_000,
      adjusted: 57_500,
      gap: 37_500,
    });
    expect(report.groups).toEqual([
      {
        key: '005000000000001AAA',
        label: 'Ada Lovelace',
        count: 1,
        amount: 100_000,
        stageWeighted: 70_000,
        adjusted: 30_000,
        gap: 40_000,
      },
      {
        key: '005B',
        label: '005B',
        count: 1,
        amount: 50_000,
        stageWeighted: 25_000,
        adjusted: 27_500,
        gap: -2_500,
      },
    ]);
  });

  it('counts flags, groups by flag with a row for deals without one, and by stage', () => {
    const deals = [
      aForecastDeal({
        id: '006A',
        flags: [
          { code: 'X', message: 'x' },
          { code: 'Y', message: 'y' },
        ],
      }),
      aForecastDeal({ id: '006B', flags: [{ code: 'X', message: 'x' }], stage: 'Negotiation/Review' }),
      aForecastDeal({ id: '006C' }),
    ];
    const byFlag = accumulate('flag', deals).report();
    expect(byFlag.flagCounts).toEqual([
      { code: 'X', count: 2 },
      { code: 'Y', count: 1 },
    ]);
    // Groups go largest gap first: X holds two deals' gaps, the others one each.
    expect(byFlag.groups.map((g) => [g.key, g.count])).toEqual([
      ['X', 2],
      [NO_FLAGS, 1],
      ['Y', 1],
    ]);
    const byStage = accumulate('stage', deals).report();
    expect(byStage.groups.map((g) => [g.key, g.count])).toEqual([
      ['Proposal/Price Quote', 2],
      ['Negotiation/Review', 1],
    ]);
  });

  it('keeps only the deals with the largest gap, largest first, with their top flag and its sentence', () => {
    const deals = [10, 50, 30, 70, 20].map((adj, i) =>
      aForecastDeal({
        id: `006${i}`,
        adjustedProbability: adj,
        flags: [
          { code: 'F', message: `sentence ${i}` },
          { code: 'G', message: 'g' },
        ],
      }),
    );
    const report = accumulate('owner', deals, 3).report();
    expect(report.largestGaps.map((d) => [d.id, d.gap])).toEqual([
      ['0060', 60_000],
      ['0064', 50_000],
      ['0062', 40_000],
    ]);
    expect(report.largestGaps[0].topFlag).toEqual({ code: 'F', message: 'sentence 0' });
    expect(report.totals.count).toBe(5);
  });
});

describe('the calibration status', () => {
  it('says "rules only, not calibrated" when the rulebook has no calibration block', () => {
    const c = calibrationOf(theDefaultRulebook());
    expect(c).toEqual({ calibrated: false });
    expect(calibrationLine(c)).toBe('Adjusted probabilities: rules only, not calibrated.');
  });

  it('reads a calibration block and states its figures', () => {
    const rulebook = {
      ...theDefaultRulebook(),
      calibration: {
        deals: 412,
        won: 103,
        lost: 309,
        from: '2025-01-01',
        to: '2026-06-30',
        horizonDays: 30,
        base: 'default@abc123',
        heldOut: {
          deals: 103,
          brier: 0.181,
          brierStage: 0.243,
          brierRecalibratedStage: 0.19,
          brierBase: 0.2,
          auc: 0.74,
          ece: 0.03,
          slope: 0.97,
        },
        caps: 'dropped' as const,
        verdict: 'adopt' as const,
      },
    };
    const c = calibrationOf(rulebook);
    expect(c).toEqual({ calibrated: true, deals: 412, heldOutBrier: 0.181, stageBrier: 0.243 });
    expect(calibrationLine(c)).toBe(
      'Adjusted probabilities: calibrated on 412 closed deals; held-out Brier 0.181 against 0.243 for the stage probability.',
    );
  });
});
