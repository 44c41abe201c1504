import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import {
  aClosedDeal,
  aCommitment,
  aContactRole,
  aDeal,
  aHealthyDeal,
  aMeeting,
  aRulebookWith,
  aStageMove,
  adding,
  anInboundEmail,
  anOutboundEmail,
  contactId,
  flagCodes,
  score,
  signalsOf,
  STAGES,
  type DealOverrides,
  type JsonRecord,
  type SnapshotJson,
} from '../../support/builders';
import { AS_OF, DAY_MS } from '../../support/clock';
import { scoreSnapshot } from '../../../src/scoring';

/**
 * Each default flag at its boundary: one deal on which it just fires, one on which it just does not.
 * Every case starts from a healthy deal on which no flag fires and changes only what the flag is about.
 */

const C1 = contactId(1);
const C2 = contactId(2);

const DEFAULT_CODES = loadRulebookFile()
  .flags.map((f) => f.code)
  .sort();

/** The healthy deal with `yeses` customer meetings and `actions` outbound emails in the last 30 days. */
function withEffort(yeses: number, actions: number): SnapshotJson {
  return aHealthyDeal({
    events: Array.from({ length: yeses }, (_, i) => aMeeting(1 + (i % 20), i % 2 === 0 ? C1 : C2)),
    emails: Array.from({ length: actions }, (_, i) => anOutboundEmail(1 + (i % 25))),
    // The plan step was done before the window, so it is not a yes in it.
    commitments: [aCommitment({ status: 'Done', completedDaysAgo: 40 })],
  });
}

/** The healthy deal whose every customer yes happened `daysAgo` days ago (and none since). */
function lastYesDaysAgo(daysAgo: number): SnapshotJson {
  return aHealthyDeal({
    contactRoles: [aContactRole('Economic Buyer', C1, daysAgo), aContactRole('Technical Buyer', C2, daysAgo)],
    events: [aMeeting(daysAgo, C1), aMeeting(daysAgo, C2)],
    emails: [anOutboundEmail(3)],
    commitments: [aCommitment({ status: 'Done', completedDaysAgo: daysAgo })],
  });
}

/** The healthy deal whose reason-to-act inputs are replaced by `inputs` (all null otherwise). */
function withInputs(inputs: JsonRecord, overrides: DealOverrides = {}): SnapshotJson {
  return aHealthyDeal({
    ...overrides,
    opportunity: {
      Compelling_Event__c: null,
      Cost_Of_Delay__c: null,
      Customer_Decision_Date__c: null,
      Strategic_Initiative__c: null,
      ...inputs,
    },
  });
}

/** History in which the stage advanced to Proposal `advanceDaysAgo` days ago, from a stage entered 40 days ago. */
function advancedDaysAgo(advanceDaysAgo: number, yesDaysAgo: number): SnapshotJson {
  return aHealthyDeal({
    contactRoles: [aContactRole('Economic Buyer', C1, 50), aContactRole('Technical Buyer', C2, 50)],
    events: [aMeeting(yesDaysAgo, C1), aMeeting(46, C2)],
    emails: [anOutboundEmail(3)],
    commitments: [aCommitment({ status: 'Done', completedDaysAgo: 50 })],
    history: [
      aStageMove(STAGES.qualification, 20, 60, '2026-12-15'),
      aStageMove(STAGES.valueProposition, 50, 40, '2026-12-15', '2026-12-15'),
      aStageMove(STAGES.proposal, 70, advanceDaysAgo, '2026-12-15', '2026-12-15'),
    ],
  });
}

const pushes = (n: number) => {
  const dates = ['2026-11-01', '2026-11-20', '2026-12-01', '2026-12-15'].slice(-(n + 1));
  return aHealthyDeal({
    history: [
      aStageMove(STAGES.qualification, 20, 60, dates[0]),
      ...dates
        .slice(1)
        .map((d, i) =>
          aStageMove(
            i === n - 1 ? STAGES.proposal : STAGES.qualification,
            i === n - 1 ? 70 : 20,
            50 - i * 15,
            d,
            dates[i],
          ),
        ),
    ],
  });
};

type FlagCase = [title: string, deal: () => SnapshotJson, fires: boolean];

const FLAG_CASES: Record<string, FlagCase[]> = {
  ONE_SIDED_EFFORT: [
    ['6 seller actions and 1 yes (balance 0.17) fires', () => withEffort(1, 6), true],
    ['9 seller actions and 2 yeses (balance 0.22, just under 0.25) fires', () => withEffort(2, 9), true],
    ['6 seller actions and no yes fires', () => withEffort(0, 6), true],
    ['5 seller actions and 1 yes (balance 0.2) does not: too little effort', () => withEffort(1, 5), false],
    ['8 seller actions and 2 yeses (balance exactly 0.25) does not', () => withEffort(2, 8), false],
  ],
  NO_RECENT_CUSTOMER_YES: [
    ['the last yes 22 days ago fires', () => lastYesDaysAgo(22), true],
    ['the last yes 21 days ago does not', () => lastYesDaysAgo(21), false],
    ['no yes ever on a deal created 22 days ago fires', () => aDeal({ createdDaysAgo: 22 }), true],
    ['no yes yet on a deal created 21 days ago does not', () => aDeal({ createdDaysAgo: 21 }), false],
  ],
  NO_REASON_TO_ACT: [
    ['at Proposal with no compelling event and no cost of delay fires', () => withInputs({}), true],
    ['a cost of delay of 0 is none, so it fires', () => withInputs({ Cost_Of_Delay__c: 0 }), true],
    [
      'a decision date and an initiative do not stop it',
      () => withInputs({ Customer_Decision_Date__c: '2026-12-15', Strategic_Initiative__c: 'X' }),
      true,
    ],
    [
      'one stage before Proposal does not',
      () => withInputs({}, { stage: STAGES.perceptionAnalysis, history: [] }),
      false,
    ],
    [
      'a compelling event alone stops it',
      () => withInputs({ Compelling_Event__c: 'Audit in January' }),
      false,
    ],
    ['a cost of delay alone stops it', () => withInputs({ Cost_Of_Delay__c: 1 }), false],
  ],
  SELLER_DRIVEN_CLOSE_DATE: [
    [
      '6 days before the quarter end with no decision date and no event fires',
      () => withInputs({ Cost_Of_Delay__c: 1 }, { closeDate: '2026-12-25' }),
      true,
    ],
    [
      '7 days before the quarter end does not',
      () => withInputs({ Cost_Of_Delay__c: 1 }, { closeDate: '2026-12-24' }),
      false,
    ],
    [
      'a customer decision date stops it',
      () => withInputs({ Customer_Decision_Date__c: '2026-12-25' }, { closeDate: '2026-12-25' }),
      false,
    ],
    [
      'a compelling event stops it',
      () => withInputs({ Compelling_Event__c: 'Audit' }, { closeDate: '2026-12-31' }),
      false,
    ],
  ],
  CLOSE_DATE_SLIPPING: [
    ['pushed out twice fires', () => pushes(2), true],
    ['pushed out three times fires', () => pushes(3), true],
    ['pushed out once does not', () => pushes(1), false],
  ],
  SINGLE_THREADED: [
    [
      'one contact engaged fires',
      () => aHealthyDeal({ events: [aMeeting(3, C1)], emails: [anOutboundEmail(2)] }),
      true,
    ],
    [
      'no contact engaged fires',
      () =>
        aHealthyDeal({
          events: [],
          emails: [anOutboundEmail(2)],
          commitments: [aCommitment({ status: 'Done', completedDaysAgo: 12 })],
        }),
      true,
    ],
    [
      'two contacts engaged does not',
      () => aHealthyDeal({ events: [aMeeting(3, C1), aMeeting(10, C2)], emails: [anOutboundEmail(2)] }),
      false,
    ],
    [
      'a second contact who only wrote in counts',
      () => aHealthyDeal({ events: [aMeeting(3, C1)], emails: [anInboundEmail(2)] }),
      false,
    ],
  ],
  NO_DECISION_MAKER: [
    [
      'at Proposal with no decision-maker role fires',
      () => aHealthyDeal({ contactRoles: [aContactRole('Technical Buyer', C1, 40)] }),
      true,
    ],
    [
      'one stage before Proposal does not',
      () =>
        aHealthyDeal({
          stage: STAGES.perceptionAnalysis,
          history: [],
          contactRoles: [aContactRole('Technical Buyer', C1, 40)],
        }),
      false,
    ],
    [
      'a Decision Maker role stops it',
      () => aHealthyDeal({ contactRoles: [aContactRole('Decision Maker', C2, 40)] }),
      false,
    ],
  ],
  NO_MUTUAL_PLAN: [
    ['at Proposal with no commitments fires', () => aHealthyDeal({ commitments: [] }), true],
    [
      'seller-owned steps are not a mutual plan',
      () =>
        aHealthyDeal({ commitments: [aCommitment({ side: 'Seller', status: 'Done', completedDaysAgo: 5 })] }),
      true,
    ],
    [
      'a declined customer step is not a plan',
      () => aHealthyDeal({ commitments: [aCommitment({ status: 'Declined' })] }),
      true,
    ],
    [
      'one customer step still requested stops it',
      () => aHealthyDeal({ commitments: [aCommitment({ status: 'Requested', dueInDays: 10 })] }),
      false,
    ],
    [
      'one stage before Proposal does not',
      () => aHealthyDeal({ stage: STAGES.perceptionAnalysis, history: [], commitments: [] }),
      false,
    ],
  ],
  CUSTOMER_STEPS_OVERDUE: [
    [
      'a customer step due 7 days before today fires',
      () => adding(aHealthyDeal(), { commitments: [aCommitment({ status: 'Requested', dueInDays: -7 })] }),
      true,
    ],
    [
      'due 6 days before today is within the grace',
      () => adding(aHealthyDeal(), { commitments: [aCommitment({ status: 'Requested', dueInDays: -6 })] }),
      false,
    ],
    [
      'a done step long past its due date does not',
      () =>
        adding(aHealthyDeal(), {
          commitments: [aCommitment({ status: 'Done', dueInDays: -30, completedDaysAgo: 20 })],
        }),
      false,
    ],
  ],
  NOT_STRATEGICALLY_ALIGNED: [
    [
      '100,000 with no initiative and no sponsor fires',
      () => withInputs({ Compelling_Event__c: 'Audit' }, { amount: 100_000 }),
      true,
    ],
    ['99,999 does not', () => withInputs({ Compelling_Event__c: 'Audit' }, { amount: 99_999 }), false],
    [
      'a strategic initiative stops it',
      () =>
        withInputs(
          { Compelling_Event__c: 'Audit', Strategic_Initiative__c: 'Cloud first' },
          { amount: 100_000 },
        ),
      false,
    ],
    [
      'an executive sponsor stops it',
      () =>
        adding(withInputs({ Compelling_Event__c: 'Audit' }, { amount: 100_000 }), {
          contactRoles: [aContactRole('Executive Sponsor', contactId(3), 30)],
        }),
      false,
    ],
  ],
  STAGE_AHEAD_OF_COMMITMENT: [
    ['advanced 14 days ago with no yes since the stage before fires', () => advancedDaysAgo(14, 45), true],
    ['advanced 15 days ago does not', () => advancedDaysAgo(15, 45), false],
    ['one yes since the stage before stops it', () => advancedDaysAgo(14, 39), false],
  ],
  DISCOUNT_TO_ACCELERATE: [
    [
      'a 10 % discount, 13 days before the quarter end, no reason to act fires',
      () => withInputs({ Discount_Percent__c: 10 }, { closeDate: '2026-12-18' }),
      true,
    ],
    [
      '14 days before the quarter end does not',
      () => withInputs({ Discount_Percent__c: 10 }, { closeDate: '2026-12-17' }),
      false,
    ],
    [
      'no discount does not',
      () => withInputs({ Discount_Percent__c: 0 }, { closeDate: '2026-12-18' }),
      false,
    ],
    ['no discount field on the deal does not', () => withInputs({}, { closeDate: '2026-12-18' }), false],
    [
      'a cost of delay stops it',
      () => withInputs({ Discount_Percent__c: 10, Cost_Of_Delay__c: 5_000 }, { closeDate: '2026-12-18' }),
      false,
    ],
  ],
};

describe('the healthy deal the cases start from', () => {
  it('fires no flag', () => {
    expect(flagCodes(aHealthyDeal())).toEqual([]);
  });
});

describe('every default flag has a boundary pair', () => {
  it('covers the 12 codes of the shipped rulebook', () => {
    expect(Object.keys(FLAG_CASES).sort()).toEqual(DEFAULT_CODES);
    expect(DEFAULT_CODES).toHaveLength(12);
  });

  for (const [code, cases] of Object.entries(FLAG_CASES)) {
    describe(code, () => {
      it('has at least one case that fires and one that does not', () => {
        expect(cases.some(([, , fires]) => fires)).toBe(true);
        expect(cases.some(([, , fires]) => !fires)).toBe(true);
      });

      it.each(cases)('%s', (_title, deal, fires) => {
        const codes = flagCodes(deal());
        if (fires) expect(codes).toContain(code);
        else expect(codes).not.toContain(code);
      });
    });
  }

  it('a discount never fires the flag when the org names another discount field', () => {
    const rb = aRulebookWith(['discountPercent: Discount_Percent__c', 'discountPercent: Deal_Discount__c']);
    const deal = withInputs({ Discount_Percent__c: 10 }, { closeDate: '2026-12-18' });
    expect(flagCodes(deal)).toContain('DISCOUNT_TO_ACCELERATE');
    expect(flagCodes(deal, rb)).not.toContain('DISCOUNT_TO_ACCELERATE');
  });
});

describe('messages and evidence', () => {
  it('ONE_SIDED_EFFORT states the counts and window, and its evidence holds values and thresholds', () => {
    const flag = score(withEffort(1, 6)).flags.find((f) => f.code === 'ONE_SIDED_EFFORT');
    expect(flag).toBeDefined();
    expect(flag?.severity).toBe('critical');
    expect(flag?.message).toBe(
      '6 seller actions against 1 customer yes in the last 30 days: the seller is doing the work alone.',
    );
    expect(flag?.evidence).toEqual({
      sellerActions: 6,
      balance: 0.17,
      customerYeses: 1,
      thresholds: { sellerActions: '≥ 6', balance: '< 0.25' },
    });
  });

  it('plural and singular nouns follow the number', () => {
    const flag = score(withEffort(2, 9)).flags.find((f) => f.code === 'ONE_SIDED_EFFORT');
    expect(flag?.message).toMatch(/^9 seller actions against 2 customer yeses in the last 30 days/);
  });

  it('NOT_STRATEGICALLY_ALIGNED states the amount with thousands separators', () => {
    const flag = score(withInputs({ Compelling_Event__c: 'Audit' }, { amount: 250_000 })).flags.find(
      (f) => f.code === 'NOT_STRATEGICALLY_ALIGNED',
    );
    expect(flag?.severity).toBe('info');
    expect(flag?.message).toBe(
      'A deal of 250,000 with no strategic initiative and no executive sponsor on the customer side.',
    );
    expect(flag?.evidence).toEqual({
      amount: 250_000,
      hasStrategicInitiative: false,
      hasExecutiveSponsor: false,
      thresholds: { amount: '≥ 100000', hasStrategicInitiative: '= false', hasExecutiveSponsor: '= false' },
    });
  });

  it('CUSTOMER_STEPS_OVERDUE names the count and the grace period', () => {
    const deal = adding(aHealthyDeal(), {
      commitments: [
        aCommitment({ status: 'Requested', dueInDays: -10 }),
        aCommitment({ status: 'Requested', dueInDays: -20 }),
      ],
    });
    const flag = score(deal).flags.find((f) => f.code === 'CUSTOMER_STEPS_OVERDUE');
    expect(flag?.message).toBe(
      "2 customer-owned steps are more than 7 days overdue: the customer's attention is elsewhere.",
    );
    expect(flag?.evidence).toMatchObject({ customerStepsOverdue: 2 });
  });
});

describe('closed deals', () => {
  const oneSided = (): DealOverrides => ({
    emails: Array.from({ length: 8 }, (_, i) => anOutboundEmail(i + 1)),
  });

  it('closed won: 100 % and no flags, however one-sided the history', () => {
    const result = score(aClosedDeal(true, oneSided()));
    expect(result.adjustedProbability).toBe(100);
    expect(result.flags).toEqual([]);
    expect(result.fields.Commitment_Flags__c).toBeNull();
    expect(result.fields.Commitment_Adjusted_Probability__c).toBe(100);
  });

  it('closed lost: 0 % and no flags', () => {
    const result = score(aClosedDeal(false, oneSided()));
    expect(result.adjustedProbability).toBe(0);
    expect(result.flags).toEqual([]);
  });

  it('a deal that closes only after asOf is still open then (backtest)', () => {
    const deal = aClosedDeal(true, {
      ...oneSided(),
      history: [
        aStageMove(STAGES.proposal, 70, 30, '2026-12-15'),
        aStageMove(STAGES.won, 100, -5, '2026-12-15'),
      ],
    });
    const result = score(deal);
    expect(result.baseProbability).toBe(70);
    expect(result.adjustedProbability).toBeLessThan(70);
    expect(result.flags.map((f) => f.code)).toContain('ONE_SIDED_EFFORT');
  });

  it('a deal closed won in history by asOf is closed even though the record is open now', () => {
    const deal = aDeal({
      history: [aStageMove(STAGES.proposal, 70, 30), aStageMove(STAGES.won, 100, 5)],
      ...oneSided(),
    });
    const result = score(deal);
    expect(result.adjustedProbability).toBe(100);
    expect(result.flags).toEqual([]);
  });
});

describe('flag order', () => {
  const RANK = { critical: 0, warning: 1, info: 2 } as const;

  it('puts critical before warning before info', () => {
    const deal = aDeal({
      amount: 200_000,
      emails: Array.from({ length: 8 }, (_, i) => anOutboundEmail(i + 1)),
    });
    const flags = score(deal).flags;
    expect(flags.map((f) => f.severity)).toEqual(expect.arrayContaining(['critical', 'warning', 'info']));
    const ranks = flags.map((f) => RANK[f.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(flags[0].code).toBe('ONE_SIDED_EFFORT');
  });

  it('within a severity, the heavier weight first, then the code', () => {
    // A bare deal at Proposal: no yes for 60 days, no decision maker, no reason, one thread, no plan.
    expect(flagCodes(aDeal())).toEqual([
      'NO_RECENT_CUSTOMER_YES', // warning -0.7
      'NO_DECISION_MAKER', // warning -0.6
      'NO_REASON_TO_ACT', // warning -0.6
      'SINGLE_THREADED', // warning -0.4
      'NO_MUTUAL_PLAN', // info -0.3
    ]);
  });
});

describe('the fields written back', () => {
  const deal = () =>
    aDeal({
      amount: 200_000,
      emails: [
        anInboundEmail(1),
        anInboundEmail(2),
        ...Array.from({ length: 3 }, (_, i) => anOutboundEmail(i + 3)),
      ],
    });

  it('uses the rulebook output names, with flags ;-joined in order and one warning per line', () => {
    const result = score(deal());
    expect(Object.keys(result.fields).sort()).toEqual(
      [
        'Commitment_Score__c',
        'Commitment_Adjusted_Probability__c',
        'Commitment_Flags__c',
        'Commitment_Warnings__c',
        'Commitment_Balance__c',
        'Last_Customer_Yes_Date__c',
        'Commitment_Scored_At__c',
        'Commitment_Rules_Version__c',
        'Commitment_Calibration__c',
      ].sort(),
    );
    expect(result.fields.Commitment_Calibration__c).toBe('rules only, not yet calibrated');
    expect(result.flags.length).toBeGreaterThan(1);
    expect(result.fields.Commitment_Flags__c).toBe(result.flags.map((f) => f.code).join(';'));
    expect(result.fields.Commitment_Warnings__c).toBe(result.flags.map((f) => f.message).join('\n'));
    expect(result.fields.Commitment_Score__c).toBe(result.commitmentScore);
    expect(result.fields.Commitment_Adjusted_Probability__c).toBe(result.adjustedProbability);
    expect(result.fields.Last_Customer_Yes_Date__c).toBe('2026-11-19');
    expect(result.fields.Commitment_Scored_At__c).toBe('2026-11-20T12:00:00.000Z');
  });

  it('follows a rulebook that renames an output field', () => {
    const rb = aRulebookWith(['score: Commitment_Score__c', 'score: Deal_Commitment__c']);
    const result = score(deal(), rb);
    expect(result.fields).toHaveProperty('Deal_Commitment__c', result.commitmentScore);
    expect(result.fields).not.toHaveProperty('Commitment_Score__c');
  });

  it('values fit their types: score and probability whole 0-100, version within 40 characters', () => {
    for (const snapshot of [deal(), aHealthyDeal(), aDeal(), aClosedDeal(true)]) {
      const f = score(snapshot).fields;
      for (const key of ['Commitment_Score__c', 'Commitment_Adjusted_Probability__c']) {
        const value = f[key] as number;
        expect(Number.isInteger(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(100);
      }
      expect(String(f.Commitment_Rules_Version__c).length).toBeLessThanOrEqual(40);
    }
  });

  it('a rulebook name of the longest allowed length still gives a version within Text(40)', () => {
    const rb = aRulebookWith(['name: default', `name: ${'n'.repeat(30)}`]);
    const version = score(deal(), rb).fields.Commitment_Rules_Version__c as string;
    expect(version).toMatch(/^n{30}@[0-9a-f]{8}$/);
    expect(version.length).toBeLessThanOrEqual(40);
  });

  it('the balance has two decimals', () => {
    const result = score(deal()); // 2 yeses / 3 actions
    expect(result.balance).toBe(0.67);
    expect(result.fields.Commitment_Balance__c).toBe(0.67);
  });

  it('the balance is capped at 999.99 to fit Number(5,2)', () => {
    const snapshot = aDeal({
      emails: [anOutboundEmail(1), ...Array.from({ length: 1200 }, (_, i) => anInboundEmail(1 + (i % 25)))],
    });
    expect(signalsOf(snapshot).balance).toBe(1200);
    expect(score(snapshot).fields.Commitment_Balance__c).toBe(999.99);
  });

  it('no seller action: the balance field is empty, not infinite', () => {
    const result = score(aDeal({ emails: [anInboundEmail(2)] }));
    expect(result.balance).toBeNull();
    expect(result.fields.Commitment_Balance__c).toBeNull();
  });

  it('no flags: the flags and warnings fields are empty', () => {
    const f = score(aHealthyDeal()).fields;
    expect(f.Commitment_Flags__c).toBeNull();
    expect(f.Commitment_Warnings__c).toBeNull();
  });
});

describe('a closing stage the rulebook does not list', () => {
  it('trusts the record: a deal now in "Closed - Signed" with IsClosed and IsWon is won, with no flags', () => {
    const snapshot = aDeal({
      opportunity: { StageName: 'Closed - Signed', IsClosed: true, IsWon: true, Probability: 100 },
      history: [aStageMove('Closed - Signed', 100, 2)],
    });
    const result = score(snapshot);
    expect(result.adjustedProbability).toBe(100);
    expect(result.flags).toEqual([]);
  });

  it('but scores the deal as open as of a moment before it reached that stage', () => {
    const snapshot = aDeal({
      opportunity: { StageName: 'Closed - Signed', IsClosed: true, IsWon: true, Probability: 100 },
      history: [aStageMove('Proposal/Price Quote', 75, 40), aStageMove('Closed - Signed', 100, 2)],
    });
    const earlier = scoreSnapshot(snapshot, loadRulebookFile(), AS_OF - 10 * DAY_MS);
    expect(earlier.baseProbability).toBe(75);
    expect(earlier.adjustedProbability).toBeLessThan(100);
  });
});

describe('sentences that do not change overnight', () => {
  const day = (snapshot: SnapshotJson, daysLater: number) =>
    scoreSnapshot(snapshot, loadRulebookFile(), AS_OF + daysLater * DAY_MS).flags;
  const message = (flags: { code: string; message: string }[], code: string) =>
    flags.find((f) => f.code === code)?.message;

  it('NO_RECENT_CUSTOMER_YES names the date of the last yes, and reads the same a day later', () => {
    const deal = lastYesDaysAgo(30);
    const today = message(day(deal, 0), 'NO_RECENT_CUSTOMER_YES');
    expect(today).toBe('Nothing from the customer since 21 Oct 2026: no meeting, reply, call or commitment.');
    expect(message(day(deal, 1), 'NO_RECENT_CUSTOMER_YES')).toBe(today);
  });

  it('STAGE_AHEAD_OF_COMMITMENT names the day the stage moved, and reads the same a day later', () => {
    const deal = advancedDaysAgo(5, 45);
    const today = message(day(deal, 0), 'STAGE_AHEAD_OF_COMMITMENT');
    expect(today).toMatch(/^The stage moved to Proposal\/Price Quote on 15 Nov 2026, yet/);
    expect(message(day(deal, 1), 'STAGE_AHEAD_OF_COMMITMENT')).toBe(today);
  });

  it('no shipped sentence names a count of days since something', () => {
    const text = loadRulebookFile()
      .source.flags.map((f) => f.message)
      .join('\n');
    expect(text).not.toMatch(
      /\{(daysSinceLastYes|daysSinceStageAdvance|stageAgeDays|dealAgeDays|daysToClose)\b/,
    );
  });
});
