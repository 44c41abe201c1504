import fc from 'fast-check';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { scoreSnapshot } from '../../../src/scoring';

/**
 * Properties over generated deals: the scoring core is pure, a further customer yes never lowers the
 * adjusted probability under the default rulebook, and nothing dated after `asOf` changes the result.
 */

const rulebook = loadRulebookFile();
const AS_OF = Date.parse('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
const STAGES = [...rulebook.source.stages.order];
const ROLES = [
  'Economic Buyer',
  'Decision Maker',
  'Technical Buyer',
  'Evaluator',
  'Executive Sponsor',
  'Influencer',
];
const CONTACTS = ['003000000000001AAA', '003000000000002AAA', '003000000000003AAA', '003000000000004AAA'];

const at = (daysAgo: number) => new Date(AS_OF - daysAgo * DAY).toISOString();
const day = (daysAgo: number) => at(daysAgo).slice(0, 10);
const pastDays = fc.integer({ min: 0, max: 120 });
const futureDays = fc.integer({ min: -60, max: -1 }); // negative "days ago" = after asOf
const contact = fc.constantFrom(...CONTACTS, null);

const task = (days: fc.Arbitrary<number>) =>
  fc
    .record({
      kind: fc.constantFrom('Call', 'Email', 'Task'),
      callType: fc.constantFrom('Inbound', 'Outbound', 'Internal', null),
      done: fc.boolean(),
      d: days,
      who: contact,
    })
    .map(({ kind, callType, done, d, who }) => ({
      TaskSubtype: kind,
      Type: kind === 'Task' ? 'Other' : kind,
      CallType: kind === 'Call' ? callType : null,
      Status: done ? 'Completed' : 'Not Started',
      CompletedDateTime: done ? at(d) : null,
      CreatedDate: at(d + (d >= 0 ? 1 : 0)),
      WhoId: who,
    }));
const event = (days: fc.Arbitrary<number>) =>
  fc.record({ d: days, who: contact }).map(({ d, who }) => ({
    StartDateTime: at(d),
    EndDateTime: at(d - 0.05),
    CreatedDate: at(d >= 0 ? d + 3 : d),
    WhoId: who,
  }));
const email = (days: fc.Arbitrary<number>) =>
  fc.record({ incoming: fc.boolean(), d: days }).map(({ incoming, d }) => ({
    Incoming: incoming,
    MessageDate: at(d),
    FromAddress: incoming ? 'buyer@customer.example' : 'ae@vendor.example',
  }));
const role = (days: fc.Arbitrary<number>) =>
  fc
    .record({ r: fc.constantFrom(...ROLES), who: fc.constantFrom(...CONTACTS), d: days })
    .map(({ r, who, d }) => ({
      ContactId: who,
      Role: r,
      IsPrimary: false,
      CreatedDate: at(d),
    }));
const commitment = (days: fc.Arbitrary<number>) =>
  fc
    .record({
      side: fc.constantFrom('Customer', 'Seller'),
      status: fc.constantFrom('Requested', 'Given', 'Declined', 'Done'),
      d: days,
      due: fc.integer({ min: -30, max: 60 }),
      done: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
      who: contact,
    })
    .map(({ side, status, d, due, done, who }) => ({
      Type__c: 'Mutual plan agreed',
      Owner_Side__c: side,
      Status__c: status,
      Due_Date__c: day(due),
      Completed_Date__c: done === null || d < 0 ? null : day(Math.min(done, d)),
      Contact__c: who,
      CreatedDate: at(d),
    }));
const historyRow = (days: fc.Arbitrary<number>) =>
  fc
    .record({
      stage: fc.constantFrom(...STAGES),
      d: days,
      close: fc.integer({ min: -20, max: 200 }),
      pushed: fc.boolean(),
    })
    .map(({ stage, d, close, pushed }) => ({
      StageName: stage,
      CloseDate: day(-close),
      PrevCloseDate: pushed ? day(-close + 10) : null,
      Probability: 10 + STAGES.indexOf(stage) * 10,
      Amount: 50000,
      CreatedDate: at(d),
    }));

const records = (days: fc.Arbitrary<number>, max: number) =>
  fc.record({
    tasks: fc.array(task(days), { maxLength: max }),
    events: fc.array(event(days), { maxLength: max }),
    emails: fc.array(email(days), { maxLength: max }),
    contactRoles: fc.array(role(days), { maxLength: 3 }),
    commitments: fc.array(commitment(days), { maxLength: 4 }),
    history: fc.array(historyRow(days), { maxLength: 4 }),
  });

const deal = fc
  .record({
    stage: fc.constantFrom(...STAGES),
    probability: fc.integer({ min: 0, max: 100 }),
    amount: fc.integer({ min: 1000, max: 500000 }),
    close: fc.integer({ min: -20, max: 200 }),
    age: fc.integer({ min: 1, max: 300 }),
    why: fc.option(fc.constant('Contract renewal on 31 Dec'), { nil: null }),
    cost: fc.option(fc.integer({ min: 1, max: 90000 }), { nil: null }),
    discount: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
    lists: records(pastDays, 8),
  })
  .map((d) => ({
    opportunity: {
      Id: '006000000000001AAA',
      StageName: d.stage,
      Probability: d.probability,
      Amount: d.amount,
      CloseDate: day(-d.close),
      IsClosed: false,
      IsWon: false,
      CreatedDate: at(d.age),
      Compelling_Event__c: d.why,
      Cost_Of_Delay__c: d.cost,
      Discount_Percent__c: d.discount,
    },
    ...d.lists,
  }));

type Snapshot = Record<string, unknown>;
const score = (s: unknown) => scoreSnapshot(s, rulebook, AS_OF);

const aCustomerYes = fc.oneof(
  event(pastDays).map((e) => ({ list: 'events', record: { ...e, WhoId: CONTACTS[1] } })),
  email(pastDays).map((e) => ({ list: 'emails', record: { ...e, Incoming: true } })),
  task(pastDays).map((t) => ({
    list: 'tasks',
    record: {
      ...t,
      TaskSubtype: 'Call',
      Type: 'Call',
      CallType: 'Inbound',
      Status: 'Completed',
      CompletedDateTime: t.CreatedDate,
    },
  })),
  commitment(pastDays).map((c) => ({
    list: 'commitments',
    record: { ...c, Owner_Side__c: 'Customer', Status__c: 'Given' },
  })),
  role(pastDays).map((r) => ({ list: 'contactRoles', record: r })),
);

const withAdded = (snapshot: Snapshot, list: string, record: object) => ({
  ...snapshot,
  [list]: [...((snapshot[list] as object[] | undefined) ?? []), record],
});

describe('scoring properties', () => {
  it('gives the same result for the same deal, rulebook and moment', () => {
    fc.assert(
      fc.property(deal, (snapshot) => {
        expect(score(JSON.parse(JSON.stringify(snapshot)))).toEqual(score(snapshot));
      }),
      { numRuns: 300 },
    );
  });

  it('never lowers the adjusted probability or the commitment score when the customer gives another yes', () => {
    fc.assert(
      fc.property(deal, aCustomerYes, (snapshot, yes) => {
        const before = score(snapshot);
        const after = score(withAdded(snapshot as Snapshot, yes.list, yes.record));
        expect(after.adjustedProbability).toBeGreaterThanOrEqual(before.adjustedProbability);
        expect(after.commitmentScore).toBeGreaterThanOrEqual(before.commitmentScore);
      }),
      { numRuns: 500 },
    );
  });

  it('ignores every record dated after the scoring moment', () => {
    fc.assert(
      fc.property(deal, records(futureDays, 4), (snapshot, later) => {
        const merged = { ...snapshot } as Record<string, unknown>;
        for (const [list, items] of Object.entries(later)) {
          merged[list] = [...((snapshot as unknown as Record<string, object[]>)[list] ?? []), ...items];
        }
        expect(score(merged)).toEqual(score(snapshot));
      }),
      { numRuns: 300 },
    );
  });
});
