import type { Connection } from 'jsforce';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { newestModstamp } from '../../../src/salesforce/modstamps';
import { valueOf } from '../../../src/sandbox/store';
import { connect } from './helpers';

let sb: Sandbox;
let conn: Connection;

beforeAll(async () => {
  sb = await startSandbox({ deals: 60, seed: 11, queryBatchSize: 25 });
  conn = connect(sb);
});
afterAll(() => sb.close());
afterEach(() => sb.faults.reset());

const openIds = (n: number): string[] =>
  [...sb.store.all('Opportunity')]
    .filter((o) => !o.IsClosed)
    .slice(0, n)
    .map((o) => o.Id);

interface Opp {
  Id: string;
  Owner: { Name: string };
  OpportunityContactRoles: { totalSize: number; records: { Role: string }[] } | null;
  Tasks: { records: { Subject: string }[] } | null;
}

describe('sandbox REST through jsforce', () => {
  it('answers a query with child subqueries and parent fields', async () => {
    const ids = openIds(5);
    const res = await conn.query<Opp>(
      `SELECT Id, Name, Owner.Name, (SELECT ContactId, Role FROM OpportunityContactRoles), (SELECT Subject FROM Tasks ORDER BY CreatedDate DESC LIMIT 3) FROM Opportunity WHERE Id IN ('${ids.join("','")}')`,
    );
    expect(res.totalSize).toBe(5);
    for (const r of res.records) {
      const owner = sb.store.get('User', String(sb.store.get('Opportunity', r.Id)?.OwnerId));
      expect(r.Owner.Name).toBe(owner?.Name);
      const roles = sb.store.children('OpportunityContactRole', 'OpportunityId', r.Id).length;
      expect(r.OpportunityContactRoles?.totalSize ?? 0).toBe(roles);
      expect(r.Tasks?.records.length).toBeLessThanOrEqual(3);
    }
  });

  it('pages with nextRecordsUrl and jsforce fetches every page', async () => {
    const first = await conn.query('SELECT Id FROM Opportunity');
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(25);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g/);
    const all = await conn.query('SELECT Id FROM Opportunity').run({ autoFetch: true, maxFetch: 10000 });
    expect(new Set(all.records.map((r: { Id?: string }) => r.Id)).size).toBe(60);
    const more = await conn.queryMore(String(first.nextRecordsUrl));
    expect(more.records[0]).not.toEqual(first.records[0]);
  });

  it('updates collections with row-level results and partial failures', async () => {
    const ids = openIds(4);
    sb.faults.lockRows([ids[3]], 1);
    const res = await conn.sobject('Opportunity').update(
      [
        { Id: ids[0], Commitment_Score__c: 42, Commitment_Flags__c: 'ONE_SIDED_EFFORT;SINGLE_THREADED' },
        { Id: ids[1], Commitment_Flags__c: 'NOT_A_FLAG' },
        { Id: ids[2], Made_Up__c: 1 },
        { Id: ids[3], Commitment_Score__c: 1 },
      ],
      { allOrNone: false },
    );
    expect(res.map((r) => r.success)).toEqual([true, false, false, false]);
    const codes = res.map((r) =>
      r.success ? null : (r.errors[0] as unknown as { statusCode: string }).statusCode,
    );
    expect(codes).toEqual([
      null,
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      'INVALID_FIELD',
      'UNABLE_TO_LOCK_ROW',
    ]);
    expect(sb.store.get('Opportunity', ids[0])?.Commitment_Score__c).toBe(42);
    expect(sb.store.get('Opportunity', ids[3])?.Commitment_Score__c ?? null).toBeNull();
    const log = sb.writeLog.filter((w) => w.id === ids[0]).pop();
    expect(log).toMatchObject({
      op: 'update',
      clientId: 'commitment-scorer',
      userId: sb.integrationUserId,
      fields: { Commitment_Score__c: 42 },
    });
  });

  it('rolls back every row under allOrNone and rejects more than 200 records', async () => {
    const ids = openIds(2);
    const res = await conn.sobject('Opportunity').update(
      [
        { Id: ids[0], Commitment_Score__c: 77 },
        { Id: ids[1], Commitment_Flags__c: 'BAD' },
      ],
      { allOrNone: true },
    );
    expect(res.every((r) => !r.success)).toBe(true);
    expect((res[0].errors[0] as unknown as { statusCode: string }).statusCode).toBe(
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    );
    expect(sb.store.get('Opportunity', ids[0])?.Commitment_Score__c).not.toBe(77);
    const many = Array.from({ length: 201 }, () => ({ Id: ids[0], Commitment_Score__c: 1 }));
    await expect(conn.sobject('Opportunity').update(many, { allOrNone: false })).rejects.toMatchObject({
      name: 'EXCEEDED_ID_LIMIT',
    });
  });

  it('creates, reads, updates and deletes single records', async () => {
    const oppId = openIds(1)[0];
    const created = await conn
      .sobject('Task')
      .create({ WhatId: oppId, Subject: 'Sandbox test', Status: 'Completed' });
    expect(created.success).toBe(true);
    const id = String(created.id);
    const got = await conn.sobject('Task').retrieve(id);
    expect(got).toMatchObject({ Subject: 'Sandbox test', IsClosed: true, OwnerId: sb.integrationUserId });
    await conn.sobject('Task').update({ Id: id, Subject: 'Renamed' });
    expect(sb.store.get('Task', id)?.Subject).toBe('Renamed');
    await conn.sobject('Task').destroy(id);
    expect(sb.store.get('Task', id)).toBeUndefined();
    await expect(conn.sobject('Task').update({ Id: id, Subject: 'x' })).rejects.toMatchObject({
      name: 'ENTITY_IS_DELETED',
    });
    await expect(conn.sobject('Opportunity').update({ Id: oppId, IsWon: true })).rejects.toMatchObject({
      name: 'INVALID_FIELD_FOR_INSERT_UPDATE',
    });
  });

  it('describes objects with picklists and child relationships', async () => {
    const d = await conn.sobject('Opportunity').describe();
    const flags = d.fields.find((f) => f.name === 'Commitment_Flags__c');
    expect(flags?.type).toBe('multipicklist');
    expect(flags?.picklistValues?.map((p) => p.value)).toContain('ONE_SIDED_EFFORT');
    expect(d.childRelationships.map((c) => c.relationshipName)).toEqual(
      expect.arrayContaining([
        'OpportunityContactRoles',
        'Tasks',
        'Events',
        'OpportunityHistories',
        'Histories',
        'EmailMessages',
        'Buying_Commitments__r',
      ]),
    );
    const g = await conn.describeGlobal();
    expect(g.sobjects.map((s) => s.name)).toContain('Buying_Commitment__c');
  });

  it('sends Sforce-Limit-Info, counts calls and serves /limits and the versions list', async () => {
    const before = sb.stats.calls.query;
    await conn.query('SELECT COUNT() FROM Opportunity');
    expect(sb.stats.calls.query).toBe(before + 1);
    expect(conn.limitInfo.apiUsage?.used).toBe(sb.stats.apiUsage());
    expect(conn.limitInfo.apiUsage?.limit).toBe(15000);
    const limits = await conn.limits();
    expect(limits.DailyApiRequests.Max).toBe(15000);
    const versions = await fetch(`${sb.url}/services/data`);
    expect(versions.headers.get('sforce-limit-info')).toBeNull();
    expect((await versions.json()) as unknown[]).toContainEqual(expect.objectContaining({ version: '62.0' }));
    const stats = (await (await fetch(`${sb.url}/__sandbox/stats`)).json()) as {
      calls: { query: number; limits: number };
    };
    expect(stats.calls.query).toBe(sb.stats.calls.query);
    expect(stats.calls.limits).toBeGreaterThan(0);
  });

  it('answers Salesforce-shaped errors: bad token, malformed query, limits, 401 and 503 faults', async () => {
    const bad = await fetch(`${sb.url}/services/data/v62.0/query?q=SELECT+Id+FROM+Opportunity`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/15000$/);
    expect(await bad.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
    await expect(conn.query('SELECT Id FROM Opportunity WHERE')).rejects.toMatchObject({
      name: 'MALFORMED_QUERY',
    });
    await expect(conn.query('SELECT Bogus__c FROM Opportunity')).rejects.toMatchObject({
      name: 'INVALID_FIELD',
    });
    sb.faults.requestLimitExceeded = true;
    await expect(conn.query('SELECT Id FROM Opportunity LIMIT 1')).rejects.toMatchObject({
      name: 'REQUEST_LIMIT_EXCEEDED',
    });
    sb.faults.requestLimitExceeded = false;
    await fetch(`${sb.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ unauthorizedNext: 1 }),
    });
    await expect(conn.query('SELECT Id FROM Opportunity LIMIT 1')).rejects.toMatchObject({
      name: 'INVALID_SESSION_ID',
    });
    sb.faults.unavailableNext = 1;
    // jsforce retries a GET after a 503, so the query still succeeds, one retry later.
    const res = await conn.query('SELECT Id FROM Opportunity LIMIT 1');
    expect(res.records).toHaveLength(1);
    expect(sb.faults.unavailableNext).toBe(0);
  });

  it('drops connections on demand and jsforce retries the GET', async () => {
    sb.faults.dropNextRest = 1;
    const res = await conn.query('SELECT Id FROM Opportunity LIMIT 2');
    expect(res.records).toHaveLength(2);
    expect(sb.faults.dropNextRest).toBe(0);
  });

  it('answers a Composite call of query subrequests as one API call, and the newest SystemModstamp', async () => {
    const before = { ...sb.stats.calls };
    const newest = await newestModstamp(conn, ['Opportunity', 'Task'], {});
    expect(sb.stats.calls.composite).toBe(before.composite + 1);
    expect(sb.stats.calls.query).toBe(before.query);
    const stamps = ['Opportunity', 'Task'].flatMap((t) =>
      [...sb.store.all(t)].map((r) => Date.parse(String(valueOf(r, 'SystemModstamp')))),
    );
    expect(newest).toBe(Math.max(...stamps));
    // A subrequest the org refuses fails the whole check, naming the object.
    await expect(newestModstamp(conn, ['Opportunity', 'NoSuchThing__c'], {})).rejects.toThrow(
      /NoSuchThing__c/,
    );
  });
});
