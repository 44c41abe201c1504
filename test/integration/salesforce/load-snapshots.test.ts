import nock from 'nock';
import { isScorerError, type ScorerError } from '../../../src/lib/errors';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import type { ActiveFieldMap } from '../../../src/rules/schema';
import { loadSnapshots, type ApiCallKind } from '../../../src/salesforce';
import { parseSnapshot } from '../../../src/scoring';
import { API, connect, fromObject, idsIn, INSTANCE, oppId, queryResult, soqlOf, useNock } from './helpers';

useNock();
const fields = loadRulebookFile().fields;
const ID = oppId(1);

const attrs = (type: string, id: string) => ({ type, url: `${API}/sobjects/${type}/${id}` });

function opportunity(id: string, extra: Record<string, unknown> = {}) {
  return {
    attributes: attrs('Opportunity', id),
    Id: id,
    Name: 'Acme renewal',
    StageName: 'Proposal/Price Quote',
    Probability: 70,
    Amount: 120000,
    CloseDate: '2026-12-30',
    IsClosed: false,
    IsWon: false,
    ForecastCategoryName: 'Pipeline',
    CreatedDate: '2026-08-01T10:00:00.000+0000',
    OwnerId: '005000000000001AAA',
    Compelling_Event__c: 'Contract expiry',
    Cost_Of_Delay__c: null,
    Customer_Decision_Date__c: '2026-12-15',
    Strategic_Initiative__c: null,
    Discount_Percent__c: null,
    Commitment_Score__c: 41,
    Commitment_Flags__c: 'ONE_SIDED_EFFORT',
    OpportunityContactRoles: queryResult([
      {
        attributes: attrs('OpportunityContactRole', '00K000000000001AAA'),
        ContactId: '003000000000001AAA',
        Role: 'Economic Buyer',
        IsPrimary: true,
        CreatedDate: '2026-09-01T09:00:00.000+0000',
      },
    ]),
    OpportunityHistories: queryResult([
      {
        attributes: attrs('OpportunityHistory', '008000000000001AAA'),
        StageName: 'Prospecting',
        CloseDate: '2026-11-30',
        PrevCloseDate: null,
        Probability: 10,
        Amount: 100000,
        CreatedDate: '2026-08-01T10:00:00.000+0000',
      },
    ]),
    Buying_Commitments__r: queryResult([
      {
        attributes: attrs('Buying_Commitment__c', 'a00000000000001AAA'),
        Type__c: 'Access to decision maker',
        Owner_Side__c: 'Customer',
        Status__c: 'Given',
        Due_Date__c: '2026-10-01',
        Completed_Date__c: '2026-10-02',
        Contact__c: '003000000000001AAA',
        CreatedDate: '2026-09-20T09:00:00.000+0000',
      },
    ]),
    Tasks: queryResult([task(id, 1)]),
    Events: queryResult([event(id)]),
    ...extra,
  };
}

function task(whatId: string, n: number) {
  return {
    attributes: attrs('Task', `00T00000000000${n}AAA`),
    WhatId: whatId,
    Id: `00T00000000000${n}AAA`,
    Subject: `Call ${n}`,
    TaskSubtype: 'Call',
    Type: 'Call',
    CallType: 'Inbound',
    Status: 'Completed',
    ActivityDate: '2026-10-05',
    CompletedDateTime: '2026-10-05T15:00:00.000+0000',
    CreatedDate: '2026-10-05T15:00:00.000+0000',
    WhoId: '003000000000001AAA',
    OwnerId: '005000000000001AAA',
  };
}
function event(whatId: string) {
  return {
    attributes: attrs('Event', '00U000000000001AAA'),
    WhatId: whatId,
    Id: '00U000000000001AAA',
    Subject: 'Demo',
    StartDateTime: '2026-10-07T14:00:00.000+0000',
    EndDateTime: '2026-10-07T15:00:00.000+0000',
    WhoId: '003000000000001AAA',
    OwnerId: '005000000000001AAA',
    CreatedDate: '2026-10-01T08:00:00.000+0000',
  };
}
const email = (relatedToId: string) => ({
  attributes: attrs('EmailMessage', '02s000000000001AAA'),
  RelatedToId: relatedToId,
  Id: '02s000000000001AAA',
  Incoming: true,
  MessageDate: '2026-10-08T11:00:00.000+0000',
  FromAddress: 'cfo@acme.example',
  ToAddress: 'rep@seller.example',
  CreatedDate: '2026-10-08T11:00:00.000+0000',
});

/** One interceptor per query the loader may send; answers with the records for the ids in the query. */
function answerAll(scope: nock.Scope, recordsFor: (object: string, ids: string[]) => unknown[]) {
  for (const object of ['Opportunity', 'EmailMessage']) {
    scope
      .get(`${API}/query`)
      .query(fromObject(object))
      .reply(200, (uri) => {
        const soql = new URL(uri, INSTANCE).searchParams.get('q') ?? '';
        return queryResult(recordsFor(object, idsIn(soql)));
      });
  }
}

const records = (object: string, ids: string[]): unknown[] =>
  ids.flatMap((id): unknown[] => {
    if (object === 'Opportunity') return [opportunity(id)];
    return [email(id)];
  });

describe('loadSnapshots against the REST API', () => {
  it('builds a snapshot in the contract shape that parseSnapshot accepts', async () => {
    const scope = nock(INSTANCE);
    answerAll(scope, records);
    const { snapshots, current } = await loadSnapshots(connect(), [ID], fields);
    scope.done();

    const snap = snapshots.get(ID);
    expect(snap).toBeDefined();
    const deal = parseSnapshot(JSON.parse(JSON.stringify(snap)), fields);
    expect(deal.opportunity.StageName).toBe('Proposal/Price Quote');
    expect(deal.inputs.compellingEvent).toBe('Contract expiry');
    expect(deal.contactRoles).toHaveLength(1);
    expect(deal.tasks[0].CallType).toBe('Inbound');
    expect(deal.events).toHaveLength(1);
    expect(deal.emails[0].Incoming).toBe(true);
    expect(deal.history[0].StageName).toBe('Prospecting');
    expect(deal.commitments[0]).toMatchObject({ Owner_Side__c: 'Customer', Status__c: 'Given' });

    expect(JSON.stringify(snap)).not.toContain('attributes');
    expect(snap?.tasks[0]).not.toHaveProperty('WhatId');
    expect(snap?.opportunity).not.toHaveProperty('OpportunityContactRoles');
    expect(Object.keys(snap ?? {}).sort()).toEqual(
      ['commitments', 'contactRoles', 'emails', 'events', 'history', 'opportunity', 'tasks'].sort(),
    );
    expect(current.get(ID)).toMatchObject({
      Commitment_Score__c: 41,
      Commitment_Flags__c: 'ONE_SIDED_EFFORT',
    });
    expect(current.get(ID)).not.toHaveProperty('StageName');
  });

  it('selects only snapshot fields, bounds activities and uses the relationship from the field map', async () => {
    const seen: string[] = [];
    const scope = nock(INSTANCE);
    answerAll(scope, () => []);
    scope.on('request', (req: { path: string }) =>
      seen.push(soqlOf(Object.fromEntries(new URL(req.path, INSTANCE).searchParams))),
    );
    await loadSnapshots(connect(), [ID], fields, { activityDays: 90 });
    scope.done();
    const opp = seen.find((q) => q.includes(' FROM Opportunity WHERE ')) ?? '';
    expect(opp).toContain('FROM Buying_Commitments__r');
    expect(opp).toContain('FROM OpportunityContactRoles');
    expect(opp).toContain('FROM OpportunityHistories');
    expect(opp).toMatch(/FROM Tasks WHERE \(LastModifiedDate = LAST_N_DAYS:90 /);
    expect(opp).toMatch(/FROM Events WHERE \(LastModifiedDate = LAST_N_DAYS:90 /);
    expect(opp).toContain('Commitment_Adjusted_Probability__c');
    expect(opp).not.toMatch(/\bDescription\b/);
    const emails = seen.find((q) => q.includes(' FROM EmailMessage WHERE ')) ?? '';
    expect(emails).toContain('LAST_N_DAYS:90');
    expect(seen).toHaveLength(2);
  });

  it('sends the same number of queries for 1 and for 150 ids, and chunks 250 ids at 200', async () => {
    const ids150 = Array.from({ length: 150 }, (_, i) => oppId(i + 1));
    const ids250 = Array.from({ length: 250 }, (_, i) => oppId(i + 1));
    const callsFor = async (ids: string[], expectedRequests: number) => {
      const calls: ApiCallKind[] = [];
      const inLists: string[][] = [];
      const scope = nock(INSTANCE);
      for (let i = 0; i < expectedRequests / 2; i++)
        answerAll(scope, (object, got) => {
          if (object === 'Opportunity') inLists.push(got);
          return records(object, got);
        });
      const { snapshots } = await loadSnapshots(connect(), ids, fields, { onApiCall: (k) => calls.push(k) });
      scope.done(); // every expected request was made; an extra one would have found no interceptor
      expect(snapshots.size).toBe(ids.length);
      return { calls: calls.length, inLists };
    };
    expect((await callsFor([ID], 2)).calls).toBe(2);
    const big = await callsFor(ids150, 2);
    expect(big.calls).toBe(2);
    expect(big.inLists[0]).toHaveLength(150);
    const bigger = await callsFor(ids250, 4);
    expect(bigger.calls).toBe(4);
    expect(bigger.inLists.map((l) => l.length).sort()).toEqual([200, 50].sort());
  });

  it('follows nextRecordsUrl for top-level pages and for a paged child subquery', async () => {
    const calls: ApiCallKind[] = [];
    const scope = nock(INSTANCE);
    const firstHistory = opportunity(ID).OpportunityHistories;
    const pagedOpp = opportunity(ID, {
      OpportunityHistories: { ...firstHistory, done: false, nextRecordsUrl: `${API}/query/01gOPPHIST-1` },
      Tasks: { ...queryResult([task(ID, 1)]), done: false, nextRecordsUrl: `${API}/query/01gTASKS-1` },
    });
    scope
      .get(`${API}/query`)
      .query(fromObject('Opportunity'))
      .reply(200, queryResult([opportunity(oppId(2))], `${API}/query/01gOPPS-1`));
    scope.get(`${API}/query/01gOPPS-1`).reply(200, queryResult([pagedOpp]));
    scope.get(`${API}/query/01gOPPHIST-1`).reply(
      200,
      queryResult([
        {
          ...(firstHistory.records[0] as Record<string, unknown>),
          StageName: 'Negotiation/Review',
          CreatedDate: '2026-10-01T00:00:00Z',
        },
      ]),
    );
    scope.get(`${API}/query/01gTASKS-1`).reply(200, queryResult([task(ID, 2), task(ID, 3)]));
    scope.get(`${API}/query`).query(fromObject('EmailMessage')).reply(200, queryResult([]));

    const { snapshots } = await loadSnapshots(connect(), [ID, oppId(2)], fields, {
      onApiCall: (k) => calls.push(k),
    });
    scope.done();
    const snap = snapshots.get(ID);
    expect(snap?.tasks.map((t) => t.Subject)).toEqual(['Call 1', 'Call 2', 'Call 3']);
    expect(snap?.history.map((h) => h.StageName)).toEqual(['Prospecting', 'Negotiation/Review']);
    expect(snapshots.size).toBe(2);
    expect(calls).toHaveLength(5);
    expect(() => parseSnapshot(snap, fields)).not.toThrow();
  });

  it.each([
    ["006' OR Name != '"],
    ['006000000000001'.slice(0, 14)],
    ['001000000000001AAA'],
    ['006000000000001AAA) OR (Id != null'],
  ])('rejects %j before any request is made', async (bad) => {
    const calls: ApiCallKind[] = [];
    const err = await loadSnapshots(connect(), [ID, bad], fields, { onApiCall: (k) => calls.push(k) }).catch(
      (e: unknown) => e,
    );
    expect(isScorerError(err)).toBe(true);
    expect((err as ScorerError).code).toBe('RECORD_ID_INVALID');
    expect(calls).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('accepts a 15-character id and keys the result by the 18-character id the org returns', async () => {
    const id15 = '0065g00000AbCdE';
    const id18 = '0065g00000AbCdEAAV'; // the checksum suffix of 'AbCdE' is V
    const scope = nock(INSTANCE);
    answerAll(scope, (object, ids) => {
      expect(ids).toEqual([id18]);
      return records(object, ids);
    });
    const { snapshots } = await loadSnapshots(connect(), [id15, id18], fields);
    scope.done();
    expect([...snapshots.keys()]).toEqual([id18]);
  });

  it('maps an org whose yes-ledger has other names back to the canonical commitment fields', async () => {
    const custom: ActiveFieldMap = {
      ...fields,
      commitment: {
        object: 'Mutual_Step__c',
        relationship: 'Mutual_Steps__r',
        opportunity: 'Deal__c',
        type: 'Kind__c',
        ownerSide: 'Side__c',
        status: 'State__c',
        dueDate: 'Due__c',
        completedDate: 'Done_On__c',
        contact: 'Person__c',
      },
    };
    const opp = opportunity(ID, {
      Buying_Commitments__r: undefined,
      Mutual_Steps__r: queryResult([
        {
          attributes: attrs('Mutual_Step__c', 'a01000000000001AAA'),
          Kind__c: 'Security review',
          Side__c: 'Customer',
          State__c: 'Requested',
          Due__c: '2026-11-01',
          Done_On__c: null,
          Person__c: '003000000000002AAA',
          CreatedDate: '2026-10-01T00:00:00.000+0000',
        },
      ]),
    });
    const scope = nock(INSTANCE);
    answerAll(scope, (object, ids) => (object === 'Opportunity' ? [opp] : records(object, ids)));
    const { snapshots } = await loadSnapshots(connect(), [ID], custom);
    scope.done();
    expect(snapshots.get(ID)?.commitments).toEqual([
      {
        Type__c: 'Security review',
        Owner_Side__c: 'Customer',
        Status__c: 'Requested',
        Due_Date__c: '2026-11-01',
        Completed_Date__c: null,
        Contact__c: '003000000000002AAA',
        CreatedDate: '2026-10-01T00:00:00.000+0000',
      },
    ]);
    expect(parseSnapshot(snapshots.get(ID), custom).commitments[0].Status__c).toBe('Requested');
  });

  it('treats a missing EmailMessage object (no Enhanced Email) as no emails', async () => {
    const scope = nock(INSTANCE);
    scope
      .get(`${API}/query`)
      .query(fromObject('Opportunity'))
      .reply(200, queryResult(records('Opportunity', [ID])));
    scope
      .get(`${API}/query`)
      .query(fromObject('EmailMessage'))
      .reply(400, [{ message: "sObject type 'EmailMessage' is not supported.", errorCode: 'INVALID_TYPE' }]);
    const { snapshots } = await loadSnapshots(connect(), [ID], fields);
    scope.done();
    expect(snapshots.get(ID)?.emails).toEqual([]);
    expect(snapshots.get(ID)?.tasks).toHaveLength(1);
  });

  it('reports REQUEST_LIMIT_EXCEEDED on a query as ORG_LIMIT_EXCEEDED', async () => {
    const scope = nock(INSTANCE);
    for (const object of ['Opportunity', 'EmailMessage'])
      scope
        .get(`${API}/query`)
        .query(fromObject(object))
        .reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    const err = await loadSnapshots(connect(), [ID], fields).catch((e: unknown) => e);
    expect((err as ScorerError).code).toBe('ORG_LIMIT_EXCEEDED');
    expect((err as ScorerError).retryable).toBe(true);
    // The two queries are sent together; wait for all of them before checking the scope.
    await new Promise((r) => setTimeout(r, 50));
    scope.done();
  });
});
