import {
  inputsAsOf,
  mayLeak,
  toClosedDeal,
  trackedFieldsOf,
  TRACKED_INPUTS,
} from '../../../src/forecast/closed-deals';
import { viewAtHorizon } from '../../../src/forecast/horizon-view';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { generateOrg } from '../../../src/sandbox/generator';
import { closedSnapshots } from '../../../src/sandbox/closed-snapshots';

const rulebook = loadRulebookFile();
const DAY = 86_400_000;
const at = (d: string) => Date.parse(`${d}T12:00:00Z`);

function closedDeal(fieldHistory: unknown[], inputs: Record<string, unknown>) {
  return toClosedDeal(
    {
      opportunity: {
        Id: '006000000000001AAA',
        StageName: 'Closed Won',
        IsClosed: true,
        IsWon: true,
        CloseDate: '2026-06-30',
        CreatedDate: '2026-01-05T09:00:00Z',
        ...inputs,
      },
      history: [
        {
          StageName: 'Qualification',
          Probability: 10,
          CloseDate: '2026-06-30',
          CreatedDate: '2026-01-05T09:00:00Z',
        },
        {
          StageName: 'Proposal/Price Quote',
          Probability: 75,
          CloseDate: '2026-06-30',
          CreatedDate: '2026-04-01T09:00:00Z',
        },
        {
          StageName: 'Closed Won',
          Probability: 100,
          CloseDate: '2026-06-30',
          CreatedDate: '2026-06-30T16:00:00Z',
        },
      ],
      fieldHistory,
    },
    rulebook,
    'deal.jsonl:1',
  );
}

describe('inputs as they were before the close', () => {
  const deal = closedDeal(
    [
      { Field: 'Cost_Of_Delay__c', OldValue: null, NewValue: 20000, CreatedDate: '2026-03-01T10:00:00Z' },
      { Field: 'Cost_Of_Delay__c', OldValue: 20000, NewValue: 45000, CreatedDate: '2026-05-20T10:00:00Z' },
      {
        Field: 'Customer_Decision_Date__c',
        OldValue: null,
        NewValue: '2026-06-30',
        CreatedDate: '2026-06-10T10:00:00Z',
      },
      // A long text area: Salesforce records that it changed, not its values.
      { Field: 'Compelling_Event__c', OldValue: null, NewValue: null, CreatedDate: '2026-04-15T10:00:00Z' },
    ],
    {
      Cost_Of_Delay__c: 45000,
      Customer_Decision_Date__c: '2026-06-30',
      Compelling_Event__c: 'Contract ends in June',
      Strategic_Initiative__c: 'Cost leadership',
    },
  );
  const tracked = trackedFieldsOf([deal], rulebook);

  it('knows which inputs the file or org tracks: those with any history row', () => {
    expect([...tracked].sort()).toEqual(['compellingEvent', 'costOfDelay', 'customerDecisionDate']);
  });

  it('takes the old value of the first change after the day, or the value now when nothing changed since', () => {
    expect(inputsAsOf(deal, rulebook, tracked, at('2026-02-01')).costOfDelay).toBeNull();
    expect(inputsAsOf(deal, rulebook, tracked, at('2026-04-01')).costOfDelay).toBe(20000);
    expect(inputsAsOf(deal, rulebook, tracked, at('2026-06-01')).costOfDelay).toBe(45000);
    expect(inputsAsOf(deal, rulebook, tracked, at('2026-06-01')).customerDecisionDate).toBeNull();
    expect(inputsAsOf(deal, rulebook, tracked, at('2026-06-20')).customerDecisionDate).toBe(
      Date.parse('2026-06-30'),
    );
  });

  it('counts a long text area as filled once it had been edited', () => {
    expect(inputsAsOf(deal, rulebook, tracked, at('2026-04-01')).compellingEvent).toBeNull();
    expect(inputsAsOf(deal, rulebook, tracked, at('2026-05-01')).compellingEvent).toBe(
      'Contract ends in June',
    );
  });

  it('reads an untracked input as it is now and counts the deal as one that may leak', () => {
    expect(inputsAsOf(deal, rulebook, tracked, at('2026-02-01')).strategicInitiative).toBe('Cost leadership');
    expect(mayLeak(deal, tracked)).toBe(true);
    expect(mayLeak(deal, new Set(TRACKED_INPUTS))).toBe(false);
  });

  it('sees the stage of that day and leaves out deals that did not exist yet', () => {
    const view30 = viewAtHorizon([deal], [rulebook], tracked, 30);
    expect(view30.samples[0]).toMatchObject({ won: 1, stage: 0.75 });
    expect(viewAtHorizon([deal], [rulebook], tracked, 100).samples[0].stage).toBe(0.1);
    expect(viewAtHorizon([deal], [rulebook], tracked, 200)).toMatchObject({ samples: [], notYetCreated: 1 });
  });

  it('names a field history row it cannot read', () => {
    expect(() => closedDeal([{ Field: 'Cost_Of_Delay__c', CreatedDate: 'last week' }], {})).toThrow(
      'deal.jsonl:1: fieldHistory[0]: expected Field (text) and CreatedDate (ISO-8601)',
    );
  });
});

describe("the sandbox's closed deals", () => {
  const NOW = Date.parse('2026-11-15T12:00:00Z');
  const org = generateOrg({ deals: 300, seed: 2, now: NOW, plantedEffect: 1, closedShare: 1 });
  const deals = closedSnapshots(org).map((s, i) => toClosedDeal(s, rulebook, `#${i}`));

  it('have a life before the close: created 130+ days earlier, an open stage 90 days before, activity then', () => {
    expect(deals.length).toBeGreaterThan(250);
    for (const d of deals) {
      expect(d.closeAt - (d.deal.opportunity.CreatedDate as number)).toBeGreaterThanOrEqual(129 * DAY);
    }
    const view = viewAtHorizon(deals, [rulebook], trackedFieldsOf(deals, rulebook), 90);
    expect(view.samples.length).toBe(deals.length);
    const withActivity = deals.filter((d) =>
      d.deal.tasks.some((t) => (t.CreatedDate as number) < d.closeAt - 90 * DAY),
    );
    expect(withActivity.length / deals.length).toBeGreaterThan(0.9);
  });

  it('enter some reason-to-act inputs late, with field history dated before the close', () => {
    const rows = deals.flatMap((d) => d.fieldHistory.map((r) => ({ r, d })));
    expect(rows.length).toBeGreaterThan(100);
    for (const { r, d } of rows) expect(r.at).toBeLessThan(d.closeAt);
    const lateInputs = rows.filter(({ r, d }) => r.at > d.closeAt - 30 * DAY);
    expect(lateInputs.length).toBeGreaterThan(0);
  });
});
