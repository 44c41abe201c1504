import { ScorerError } from '../../../src/lib/errors';
import { parseSnapshot } from '../../../src/scoring/snapshot';
import {
  aCommitment,
  aContactRole,
  aDeal,
  aMeeting,
  aRulebookWith,
  aSellerTask,
  aStageMove,
  anInboundEmail,
  anOutboundCall,
  contactId,
  score,
  theDefaultRulebook,
  type JsonRecord,
} from '../../support/builders';

/** The deal snapshot: lists may be missing, unknown fields are ignored, errors name the path. */

const fields = theDefaultRulebook().fields;
const parse = (input: unknown) => parseSnapshot(input, fields);

/** The ScorerError thrown for `input`, or a failure when it parses. */
function rejection(input: unknown, parser: (i: unknown) => unknown = parse): ScorerError {
  try {
    parser(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ScorerError);
    return err as ScorerError;
  }
  throw new Error('the snapshot was accepted');
}

describe('what a snapshot may leave out', () => {
  it('an opportunity with only a stage is a deal with empty lists', () => {
    const deal = parse({ opportunity: { StageName: 'Prospecting' } });
    expect(deal.opportunity.StageName).toBe('Prospecting');
    expect(deal.opportunity.CloseDate).toBeNull();
    expect(deal.inputs).toEqual({
      compellingEvent: null,
      costOfDelay: null,
      customerDecisionDate: null,
      strategicInitiative: null,
      discountPercent: null,
    });
    for (const list of [
      deal.contactRoles,
      deal.tasks,
      deal.events,
      deal.emails,
      deal.history,
      deal.commitments,
    ])
      expect(list).toEqual([]);
  });

  it('lists given as null are empty', () => {
    const deal = parse({ ...aDeal(), tasks: null, emails: null, history: null });
    expect(deal.tasks).toEqual([]);
    expect(deal.emails).toEqual([]);
    expect(deal.history).toEqual([]);
  });

  it('records may leave out fields', () => {
    const deal = parse(aDeal({ tasks: [{ Status: 'Completed' }], emails: [{}], commitments: [{}] }));
    expect(deal.tasks[0]).toMatchObject({ Status: 'Completed', CreatedDate: null, CallType: null });
    expect(deal.emails[0].Incoming).toBeNull();
    expect(deal.commitments[0].Owner_Side__c).toBeNull();
  });

  it('a snapshot without lists scores', () => {
    expect(score(aDeal()).opportunityId).toBe('006000000000001AAA');
  });
});

describe('unknown fields', () => {
  it('are ignored at the top, in the opportunity and in records', () => {
    const snapshot = aDeal({
      opportunity: { Some_Other_Field__c: { nested: true }, attributes: { type: 'Opportunity' } },
      tasks: [{ ...anOutboundCall(2), Priority: 'High', attributes: { type: 'Task' } }],
    });
    const withExtras = { ...snapshot, account: { Name: 'Acme' }, version: 3 };
    const deal = parse(withExtras);
    expect(deal.tasks).toHaveLength(1);
    expect(deal.tasks[0]).not.toHaveProperty('Priority');
    expect(score(withExtras).commitmentScore).toBe(score(snapshot).commitmentScore);
  });

  it('the opportunity keeps every field as given for the write planner', () => {
    const deal = parse(aDeal({ opportunity: { Commitment_Score__c: 41, Custom__c: 'x' } }));
    expect(deal.opportunityFields).toMatchObject({ Commitment_Score__c: 41, Custom__c: 'x' });
  });
});

describe('dates', () => {
  it('are parsed to epoch milliseconds, with Salesforce offsets such as +0000', () => {
    const deal = parse(
      aDeal({
        closeDate: '2026-12-15',
        opportunity: { CreatedDate: '2026-09-01T10:00:00.000+0000', Customer_Decision_Date__c: '2026-12-10' },
      }),
    );
    expect(deal.opportunity.CloseDate).toBe(Date.UTC(2026, 11, 15));
    expect(deal.opportunity.CreatedDate).toBe(Date.UTC(2026, 8, 1, 10));
    expect(deal.inputs.customerDecisionDate).toBe(Date.UTC(2026, 11, 10));
  });
});

const fourTasks = () => [aSellerTask(1), aSellerTask(2), anOutboundCall(3), anOutboundCall(4)];
const badTask = (fieldsToSet: JsonRecord) => {
  const tasks = fourTasks();
  tasks[3] = { ...tasks[3], ...fieldsToSet };
  return aDeal({ tasks });
};

describe('a malformed snapshot is rejected with the path', () => {
  it.each<[string, unknown, string]>([
    [
      'a task date that is not a date',
      badTask({ CreatedDate: 'yesterday' }),
      'tasks[3].CreatedDate: invalid date',
    ],
    [
      'a date-time without a zone',
      badTask({ CompletedDateTime: '2026-11-20T10:00:00' }),
      'tasks[3].CompletedDateTime: invalid date',
    ],
    [
      'a date that does not exist',
      badTask({ ActivityDate: '2026-02-30' }),
      'tasks[3].ActivityDate: invalid date',
    ],
    ['a date given as a number', badTask({ CreatedDate: 1763640000000 }), 'tasks[3].CreatedDate:'],
    ['the opportunity is missing', { tasks: [] }, 'opportunity:'],
    ['the stage is missing', { opportunity: { Name: 'x' } }, 'opportunity.StageName:'],
    ['the stage is empty', { opportunity: { StageName: '' } }, 'opportunity.StageName: is required'],
    ['a probability above 100', aDeal({ probability: 150 }), 'opportunity.Probability:'],
    // Found by the fuzz proof: the newest history row's probability became a base probability of -1.
    [
      'a history probability below 0',
      aDeal({ history: [aStageMove('Prospecting', -1, 5)] }),
      'history[0].Probability:',
    ],
    [
      'an amount as text',
      aDeal({ opportunity: { Amount: '100000' } }),
      'opportunity.Amount: expected number, got string',
    ],
    [
      'a close date that does not exist',
      aDeal({ closeDate: '2026-13-01' }),
      'opportunity.CloseDate: invalid date',
    ],
    [
      'IsClosed as text',
      aDeal({ opportunity: { IsClosed: 'false' } }),
      'opportunity.IsClosed: expected boolean, got string',
    ],
    ['a list that is not a list', { ...aDeal(), emails: { Incoming: true } }, 'emails:'],
    [
      'Incoming as text',
      aDeal({ emails: [anInboundEmail(1), { ...anInboundEmail(2), Incoming: 'yes' }] }),
      'emails[1].Incoming:',
    ],
    [
      'an unknown commitment status',
      aDeal({ commitments: [{ ...aCommitment(), Status__c: 'Maybe' }] }),
      'commitments[0].Status__c:',
    ],
    [
      'an unknown owner side',
      aDeal({ commitments: [{ ...aCommitment(), Owner_Side__c: 'Partner' }] }),
      'commitments[0].Owner_Side__c:',
    ],
    [
      'a history close date that does not exist',
      aDeal({
        history: [aStageMove('Prospecting', 10, 5), aStageMove('Qualification', 20, 2, '2026-02-30')],
      }),
      'history[1].CloseDate: invalid date',
    ],
    [
      'a history probability as text',
      aDeal({ history: [{ ...aStageMove('Prospecting', 10, 5), Probability: 'ten' }] }),
      'history[0].Probability:',
    ],
    [
      'a contact role date that is not a date',
      aDeal({ contactRoles: [{ ...aContactRole('Evaluator', contactId(1), 3), CreatedDate: 'soon' }] }),
      'contactRoles[0].CreatedDate: invalid date',
    ],
    [
      'an event start that does not exist',
      aDeal({ events: [{ ...aMeeting(3, null), StartDateTime: '2026-11-31T10:00:00Z' }] }),
      'events[0].StartDateTime: invalid date',
    ],
  ])('%s', (_title, input, expected) => {
    const err = rejection(input);
    expect(err.code).toBe('SNAPSHOT_INVALID');
    expect(err.message).toContain(expected);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['a string', 'deal'],
  ])('%s is not a snapshot', (_title, input) => {
    expect(rejection(input).code).toBe('SNAPSHOT_INVALID');
  });

  it('names every problem, not only the first', () => {
    const input = aDeal({ opportunity: { Amount: 'lots' }, tasks: [{ CreatedDate: 'never' }] });
    const message = rejection(input).message;
    expect(message).toContain('opportunity.Amount:');
    expect(message).toContain('tasks[0].CreatedDate: invalid date');
  });

  it('stops listing after 20 problems and says there are more', () => {
    const tasks = Array.from({ length: 25 }, () => ({ CreatedDate: 'never' }));
    const message = rejection(aDeal({ tasks })).message;
    expect(message).toContain('tasks[19].CreatedDate');
    expect(message).not.toContain('tasks[20].CreatedDate');
    expect(message).toContain('(and 1 more)');
  });

  it('stops checking a list after 20 invalid rows, so a huge invalid list costs little', () => {
    const tasks = Array.from({ length: 1000 }, () => ({ CreatedDate: 'never', Status: 7 }));
    const err = rejection(aDeal({ tasks }));
    expect(err.context.problems).toHaveLength(20);
    // 20 rows of 2 problems each, then the note: the other 980 rows built no issue.
    expect(err.message).toMatch(/\(and 21 more\)$/);
  });

  it('scoring a malformed snapshot throws the same error', () => {
    const err = rejection(badTask({ CreatedDate: 'yesterday' }), (i) => score(i));
    expect(err.code).toBe('SNAPSHOT_INVALID');
    expect(err.message).toContain('tasks[3].CreatedDate: invalid date');
  });
});

describe('custom input fields', () => {
  it.each<[string, JsonRecord, string]>([
    [
      'a cost of delay as text',
      { Cost_Of_Delay__c: 'lots' },
      'opportunity.Cost_Of_Delay__c: expected a number',
    ],
    [
      'a compelling event as a number',
      { Compelling_Event__c: 42 },
      'opportunity.Compelling_Event__c: expected text',
    ],
    [
      'a strategic initiative as a list',
      { Strategic_Initiative__c: ['a'] },
      'opportunity.Strategic_Initiative__c: expected text',
    ],
    [
      'a decision date that is not a date',
      { Customer_Decision_Date__c: '15/12/2026' },
      'opportunity.Customer_Decision_Date__c: invalid date',
    ],
    [
      'a decision date as a number',
      { Customer_Decision_Date__c: 20261215 },
      'opportunity.Customer_Decision_Date__c: invalid date',
    ],
    [
      'a discount as text',
      { Discount_Percent__c: '10%' },
      'opportunity.Discount_Percent__c: expected a number',
    ],
  ])('%s is rejected naming the field', (_title, opportunity, expected) => {
    const err = rejection(aDeal({ opportunity }));
    expect(err.code).toBe('SNAPSHOT_INVALID');
    expect(err.message).toContain(expected);
  });

  it('are read through the rulebook field map, and errors name the org field', () => {
    const rb = aRulebookWith(['costOfDelay: Cost_Of_Delay__c', 'costOfDelay: Delay_Cost__c']);
    const deal = aDeal({ opportunity: { Cost_Of_Delay__c: 'not read', Delay_Cost__c: 9_000 } });
    expect(parseSnapshot(deal, rb.fields).inputs.costOfDelay).toBe(9_000);
    const err = rejection(aDeal({ opportunity: { Delay_Cost__c: 'lots' } }), (i) =>
      parseSnapshot(i, rb.fields),
    );
    expect(err.message).toContain('opportunity.Delay_Cost__c: expected a number');
  });

  it('a blank text input counts as not given', () => {
    expect(parse(aDeal({ opportunity: { Compelling_Event__c: ' \n ' } })).inputs.compellingEvent).toBeNull();
  });
});
