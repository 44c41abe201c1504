import { reviewDeal } from '../../../src/forecast/deal-review';
import { whatWouldMove } from '../../../src/scoring/what-would-move';
import {
  aCommitment,
  aHealthyDeal,
  anOutboundEmail,
  aStageMove,
  AS_OF,
  score,
  STAGES,
  theDefaultRulebook,
} from '../../support/builders';

const rulebook = theDefaultRulebook();

describe('the deal review', () => {
  it('counts customer yeses and seller actions week by week, oldest week first', () => {
    const review = reviewDeal(aHealthyDeal(), rulebook, AS_OF);
    expect(review.weeks).toHaveLength(12);
    const last = review.weeks[11];
    // The healthy deal: a meeting 3 days ago, an inbound email 5 days ago, outbound emails 2 and 6 days ago.
    expect(last).toEqual({ from: '2026-11-13', customerYeses: 2, sellerActions: 2 });
    expect(review.weeks[10]).toEqual({ from: '2026-11-06', customerYeses: 2, sellerActions: 0 });
  });

  it('states the reason to act, the cost of delay accrued since the first close date, and whether the close date agrees', () => {
    const deal = aHealthyDeal({
      closeDate: '2026-12-15',
      opportunity: { Cost_Of_Delay__c: 30_000, Customer_Decision_Date__c: '2027-01-31' },
      history: [
        aStageMove(STAGES.qualification, 20, 60, '2026-10-31'),
        aStageMove(STAGES.proposal, 70, 20, '2026-12-15', '2026-10-31'),
      ],
    });
    const r = reviewDeal(deal, rulebook, AS_OF).reasonToAct;
    expect(r.compellingEvent).toEqual({ met: true, text: 'Current contract ends 2026-12-31' });
    // 2026-10-31 → 2026-11-20T12:00: 20.5 days at 30,000 a month.
    expect(r.costOfDelay).toEqual({
      met: true,
      perMonth: 30_000,
      firstCloseDate: '2026-10-31',
      accrued: Math.round((30_000 * 20.5) / (365.25 / 12)),
    });
    expect(r.decisionDate).toEqual({ met: true, date: '2027-01-31', closeDate: '2026-12-15', agrees: false });
    expect(r.strategicInitiative.met).toBe(true);
  });

  it('accrues no cost before the first close date has passed', () => {
    const r = reviewDeal(aHealthyDeal(), rulebook, AS_OF).reasonToAct.costOfDelay;
    expect(r).toMatchObject({ firstCloseDate: '2026-12-15', accrued: 0 });
  });

  it('lists the customer-owned plan steps as done, overdue or open, and leaves the seller’s out', () => {
    const deal = aHealthyDeal({
      commitments: [
        aCommitment({ side: 'Customer', status: 'Done', completedDaysAgo: 12, dueInDays: -14 }),
        aCommitment({
          side: 'Customer',
          status: 'Requested',
          dueInDays: -10,
          createdDaysAgo: 20,
          type: 'Security review',
        }),
        aCommitment({
          side: 'Customer',
          status: 'Requested',
          dueInDays: -3,
          createdDaysAgo: 20,
          type: 'Legal review',
        }),
        aCommitment({ side: 'Seller', status: 'Done', completedDaysAgo: 2 }),
      ],
    });
    const plan = reviewDeal(deal, rulebook, AS_OF).plan;
    expect(plan.map((s) => [s.type, s.state])).toEqual([
      ['Information shared', 'done'],
      ['Security review', 'overdue'],
      ['Legal review', 'open'],
    ]);
  });

  it('carries every flag with its sentence, both probabilities, and what would move each flag', () => {
    const deal = aHealthyDeal({
      opportunity: { Compelling_Event__c: null, Cost_Of_Delay__c: null },
      emails: Array.from({ length: 30 }, (_, i) => anOutboundEmail(1 + (i % 25))),
    });
    const review = reviewDeal(deal, rulebook, AS_OF);
    const scored = score(deal);
    expect(review.flags).toEqual(
      scored.flags.map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
    );
    expect(review.stageProbability).toBe(scored.baseProbability);
    expect(review.adjustedProbability).toBe(scored.adjustedProbability);
    expect(review.moves).toEqual(whatWouldMove(deal, rulebook, AS_OF));
    expect(review.moves.map((m) => m.code)).toEqual(scored.flags.map((f) => f.code));
  });
});
