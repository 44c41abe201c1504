import { whatWouldMove } from '../../../src/scoring/what-would-move';
import {
  aHealthyDeal,
  adding,
  aCommitment,
  anOutboundEmail,
  flagCodes,
  score,
  theDefaultRulebook,
  AS_OF,
} from '../../support/builders';

/**
 * For a deal with a known flag, clearing that flag's condition by hand gives the probability the
 * "what would move it" answer states: the answer is the pure core scoring a changed snapshot.
 */
describe('what would move a deal', () => {
  const rulebook = theDefaultRulebook();

  it('names the compelling event for NO_REASON_TO_ACT, with the probability scoring the changed deal gives', () => {
    const deal = aHealthyDeal({ opportunity: { Compelling_Event__c: null, Cost_Of_Delay__c: null } });
    expect(flagCodes(deal)).toEqual(['NO_REASON_TO_ACT']);

    const [move] = whatWouldMove(deal, rulebook, AS_OF);
    const byHand = score(
      adding(deal, { opportunity: { Compelling_Event__c: 'Their old system is switched off on 1 Jan' } }),
    );

    expect(move.code).toBe('NO_REASON_TO_ACT');
    expect(move.ask).toBe('a compelling event the customer states');
    expect(byHand.flags).toEqual([]);
    expect(move.adjustedProbability).toBe(byHand.adjustedProbability);
    expect(move.change).toBe(byHand.adjustedProbability - score(deal).adjustedProbability);
    expect(move.change).toBeGreaterThan(0);
    expect(move.remainingFlags).toEqual([]);
  });

  it('names the finished steps for CUSTOMER_STEPS_OVERDUE, and scoring them done gives the same probability', () => {
    const deal = adding(aHealthyDeal(), {
      commitments: [
        aCommitment({ side: 'Customer', status: 'Requested', dueInDays: -10, createdDaysAgo: 20 }),
      ],
    });
    expect(flagCodes(deal)).toContain('CUSTOMER_STEPS_OVERDUE');

    const move = whatWouldMove(deal, rulebook, AS_OF).find((m) => m.code === 'CUSTOMER_STEPS_OVERDUE');
    const done = structuredClone(deal);
    const step = done.commitments![done.commitments!.length - 1];
    step.Status__c = 'Done';
    step.Completed_Date__c = new Date(AS_OF).toISOString().slice(0, 10);
    const byHand = score(done);

    expect(byHand.flags.map((f) => f.code)).not.toContain('CUSTOMER_STEPS_OVERDUE');
    expect(move).toMatchObject({
      ask: 'the customer finishing its overdue steps',
      adjustedProbability: byHand.adjustedProbability,
    });
  });

  it('asks for enough customer replies to end ONE_SIDED_EFFORT', () => {
    const deal = adding(aHealthyDeal(), {
      // 30 more outbound emails: 32 seller actions against 4 yeses needs 4 more yeses to reach 0.25.
      emails: Array.from({ length: 30 }, (_, i) => anOutboundEmail(1 + (i % 25))),
    });
    expect(flagCodes(deal)).toContain('ONE_SIDED_EFFORT');
    const move = whatWouldMove(deal, rulebook, AS_OF).find((m) => m.code === 'ONE_SIDED_EFFORT');
    expect(move?.ask).toBe('5 replies or calls from the customer');
    expect(move?.remainingFlags).not.toContain('ONE_SIDED_EFFORT');
    expect(move!.adjustedProbability).toBeGreaterThan(score(deal).adjustedProbability);
  });

  it('says so when no single yes clears a flag, and leaves the probability as it is', () => {
    const deal = aHealthyDeal({
      history: [
        {
          StageName: 'Proposal/Price Quote',
          CloseDate: '2026-11-30',
          PrevCloseDate: '2026-11-15',
          Probability: 70,
          Amount: 50000,
          CreatedDate: '2026-10-20T10:00:00Z',
        },
        {
          StageName: 'Proposal/Price Quote',
          CloseDate: '2026-12-15',
          PrevCloseDate: '2026-11-30',
          Probability: 70,
          Amount: 50000,
          CreatedDate: '2026-11-01T10:00:00Z',
        },
      ],
    });
    expect(flagCodes(deal)).toContain('CLOSE_DATE_SLIPPING');
    const move = whatWouldMove(deal, rulebook, AS_OF).find((m) => m.code === 'CLOSE_DATE_SLIPPING');
    expect(move).toMatchObject({
      ask: null,
      change: 0,
      adjustedProbability: score(deal).adjustedProbability,
    });
  });

  it('gives one answer per flag, in the order of the flags, and leaves the snapshot unchanged', () => {
    const deal = aHealthyDeal({
      opportunity: { Compelling_Event__c: null, Cost_Of_Delay__c: null, Strategic_Initiative__c: null },
      amount: 150_000,
    });
    const before = JSON.stringify(deal);
    const moves = whatWouldMove(deal, rulebook, AS_OF);
    expect(moves.map((m) => m.code)).toEqual(flagCodes(deal));
    expect(JSON.stringify(deal)).toBe(before);
  });
});
