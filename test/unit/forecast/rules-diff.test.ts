import { RulesDiffAccumulator, type DiffDeal } from '../../../src/forecast/rules-diff';
import type { Rulebook } from '../../../src/rules/load-rulebook';
import {
  aCommitment,
  aHealthyDeal,
  aMeeting,
  aRulebookWith,
  anInboundEmail,
  contactId,
  flagCodes,
  score,
  theDefaultRulebook,
  type SnapshotJson,
} from '../../support/builders';

/**
 * A small rulebook change with known movements: NO_RECENT_CUSTOMER_YES fires after 60 silent days
 * instead of 21, and NO_REASON_TO_ACT weighs twice as much. A deal silent for 30 days loses the first
 * flag and moves up; a deal with no reason to act keeps its flag and moves down; a healthy deal stays.
 */
const before = theDefaultRulebook();
const after = aRulebookWith(
  ['when: { signal: daysSinceLastYes, gt: 21 }', 'when: { signal: daysSinceLastYes, gt: 60 }'],
  [
    '    weight: -0.21\n    when:\n      all:\n        - { signal: stage, atLeast: Proposal/Price Quote }\n        - { signal: hasCompellingEvent, eq: false }',
    '    weight: -0.42\n    when:\n      all:\n        - { signal: stage, atLeast: Proposal/Price Quote }\n        - { signal: hasCompellingEvent, eq: false }',
  ],
);

const healthy = {
  ...aHealthyDeal(),
  opportunity: { ...aHealthyDeal().opportunity, Id: '006000000000001AAA', Name: 'Healthy' },
};
const silent = aHealthyDeal({
  opportunity: { Id: '006000000000002AAA', Name: 'Silent' },
  events: [aMeeting(30, contactId(1)), aMeeting(32, contactId(2))],
  emails: [anInboundEmail(31)],
  commitments: [
    aCommitment({ side: 'Customer', status: 'Done', completedDaysAgo: 33, contactId: contactId(1) }),
  ],
});
const noReason = aHealthyDeal({
  opportunity: {
    Id: '006000000000003AAA',
    Name: 'No reason',
    Compelling_Event__c: null,
    Cost_Of_Delay__c: null,
  },
});

function sideOf(snapshot: SnapshotJson, rules: Rulebook) {
  const r = score(snapshot, rules);
  return { adjustedProbability: r.adjustedProbability, flags: r.flags.map((f) => f.code) };
}

function diff(deals: SnapshotJson[], top = 20) {
  const acc = new RulesDiffAccumulator({ before: before.version, after: after.version }, top);
  for (const s of deals) {
    const deal: DiffDeal = {
      id: String(s.opportunity.Id),
      name: String(s.opportunity.Name),
      before: sideOf(s, before),
      after: sideOf(s, after),
    };
    acc.add(deal);
  }
  return acc.report();
}

describe('rules diff', () => {
  it('starts from the deals the test means', () => {
    expect(flagCodes(healthy)).toEqual([]);
    expect(flagCodes(silent)).toEqual(['NO_RECENT_CUSTOMER_YES']);
    expect(flagCodes(noReason)).toEqual(['NO_REASON_TO_ACT']);
    expect(before.version).not.toBe(after.version);
  });

  it('counts the deals that gain and lose each flag', () => {
    const report = diff([healthy, silent, noReason]);
    expect(report.deals).toBe(3);
    expect(report.flags).toEqual([
      { code: 'NO_RECENT_CUSTOMER_YES', before: 1, after: 0, gained: 0, lost: 1 },
      { code: 'NO_REASON_TO_ACT', before: 1, after: 1, gained: 0, lost: 0 },
    ]);
  });

  it('moves the silent deal up and the deal with no reason to act down, by what scoring each gives', () => {
    const report = diff([healthy, silent, noReason]);
    const up = score(silent, after).adjustedProbability - score(silent, before).adjustedProbability;
    const down = score(noReason, after).adjustedProbability - score(noReason, before).adjustedProbability;
    expect(up).toBeGreaterThan(0);
    expect(down).toBeLessThan(0);
    expect(report.movers.map((m) => [m.name, m.change, m.gained, m.lost])).toEqual(
      [
        ['Silent', up, [], ['NO_RECENT_CUSTOMER_YES']],
        ['No reason', down, [], []],
      ].sort((a, b) => Math.abs(b[1] as number) - Math.abs(a[1] as number)),
    );
    expect(report.change).toMatchObject({ up: 1, down: 1, unchanged: 1, median: 0 });
    expect(report.change.mean).toBeCloseTo((up + down) / 3, 2);
    const binOf = (c: number) => report.change.bins.find((b) => c >= b.from && c <= b.to)!;
    expect(binOf(up).count).toBe(binOf(up) === binOf(down) ? 2 : 1);
    expect(report.change.bins.find((b) => b.label === '0')!.count).toBe(1);
    expect(report.change.bins.reduce((n, b) => n + b.count, 0)).toBe(3);
    expect(report.backtest).toBeNull();
  });

  it('keeps only the top movers, and none when nothing changes', () => {
    expect(diff([healthy, silent, noReason], 1).movers).toHaveLength(1);
    const same = new RulesDiffAccumulator({ before: 'a', after: 'a' });
    same.add({
      id: '006A',
      name: null,
      before: { adjustedProbability: 40, flags: ['X'] },
      after: { adjustedProbability: 40, flags: ['X'] },
    });
    expect(same.report().movers).toEqual([]);
    expect(same.report().change).toMatchObject({ up: 0, down: 0, unchanged: 1, mean: 0, median: 0 });
  });
});
