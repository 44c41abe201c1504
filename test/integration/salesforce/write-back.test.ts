import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import type { ScorerError } from '../../../src/lib/errors';
import type { RecordUpdate } from '../../../src/pipeline/plan-writes';
import { apiUsageRatio, writeBack, type ApiCallKind, type WriteBackOptions } from '../../../src/salesforce';
import { DeadLetterStore } from '../../../src/state/dead-letters';
import { API, CLIENT_ID, connect, INSTANCE, oppId, queryResult, useNock } from './helpers';

useNock();

interface CollectionsBody {
  allOrNone: boolean;
  records: { id?: string; Id?: string; attributes: { type: string } }[];
}

let dir: string;
let store: DeadLetterStore;
let sleeps: number[];
let calls: ApiCallKind[];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'writeback-'));
  store = new DeadLetterStore(dir);
  sleeps = [];
  calls = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const options = (extra: Partial<WriteBackOptions> = {}): WriteBackOptions => ({
  deadLetters: store,
  replayId: 4711,
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  random: () => 0.5,
  now: () => new Date('2026-10-10T12:00:00Z'),
  onApiCall: (k) => calls.push(k),
  ...extra,
});

const update = (n: number): RecordUpdate => ({
  Id: oppId(n),
  Commitment_Score__c: 40 + n,
  Commitment_Flags__c: null,
});
const ok = (id: string) => ({ id, success: true, errors: [] });
const fail = (statusCode: string, message: string, fields: string[] = []) => ({
  success: false,
  errors: [{ statusCode, message, fields }],
});
const collections = () =>
  nock(INSTANCE, { reqheaders: { 'sforce-call-options': `client=${CLIENT_ID}` } }).matchHeader(
    'content-type',
    /application\/json/,
  );
const ids = (body: CollectionsBody) => body.records.map((r) => r.id);

describe('writeBack with sObject Collections', () => {
  it('writes the successes, retries a locked row and dead-letters a validation failure', async () => {
    const [a, b, c] = [update(1), update(2), update(3)];
    const bodies: CollectionsBody[] = [];
    const scope = collections()
      .patch(`${API}/composite/sobjects`, (body: CollectionsBody) => {
        bodies.push(body);
        return body.records.length === 3;
      })
      .reply(200, [
        ok(a.Id),
        fail('UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record'),
        fail('FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Close date must be in the future', ['CloseDate']),
      ])
      .patch(`${API}/composite/sobjects`, (body: CollectionsBody) => {
        bodies.push(body);
        return body.records.length === 1;
      })
      .reply(200, [ok(b.Id)]);

    const summary = await writeBack(connect(), [a, b, c], options());
    scope.done();

    expect(summary).toMatchObject({ written: 2, retried: 1, deadLettered: 1 });
    expect(bodies[0].allOrNone).toBe(false);
    // jsforce turns our Id into the collections API's lowercase id and adds the type.
    expect(bodies[0].records[0]).toEqual({
      id: a.Id,
      attributes: { type: 'Opportunity' },
      Commitment_Score__c: 41,
      Commitment_Flags__c: null,
    });
    expect(bodies[0].records[0]).not.toHaveProperty('Id');
    expect(ids(bodies[1])).toEqual([b.Id]);
    expect(sleeps).toEqual([375]); // 500 ms cap, equal jitter at random() = 0.5
    expect(calls).toEqual(['write', 'write']);
    expect(await store.list()).toEqual([
      {
        at: '2026-10-10T12:00:00.000Z',
        replayId: 4711,
        recordIds: [c.Id],
        code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        reason: 'Close date must be in the future (CloseDate)',
      },
    ]);
  });

  it('splits more than 200 updates into calls of at most 200', async () => {
    const updates = Array.from({ length: 250 }, (_, i) => update(i + 1));
    const sizes: number[] = [];
    const scope = collections()
      .patch(`${API}/composite/sobjects`)
      .times(2)
      .reply(200, (_uri, body) => {
        const records = (body as CollectionsBody).records;
        sizes.push(records.length);
        return records.map((r) => ok(r.id ?? ''));
      });
    const summary = await writeBack(connect(), updates, options());
    scope.done();
    expect(sizes).toEqual([200, 50]);
    expect(summary).toMatchObject({ written: 250, retried: 0, deadLettered: 0 });
  });

  it('turns a 403 REQUEST_LIMIT_EXCEEDED into a retryable ORG_LIMIT_EXCEEDED', async () => {
    const scope = collections()
      .patch(`${API}/composite/sobjects`)
      .reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    const err = (await writeBack(connect(), [update(1)], options()).catch((e: unknown) => e)) as ScorerError;
    scope.done();
    expect(err.code).toBe('ORG_LIMIT_EXCEEDED');
    expect(err.retryable).toBe(true);
    expect(sleeps).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it('retries a whole call that failed with a 503 page or a 500 UNKNOWN_EXCEPTION (jsforce never retries PATCH)', async () => {
    const scope = collections()
      .patch(`${API}/composite/sobjects`)
      .reply(503, '<html>Service Unavailable</html>', { 'content-type': 'text/html' })
      .patch(`${API}/composite/sobjects`)
      .reply(500, [{ message: 'An unexpected error occurred.', errorCode: 'UNKNOWN_EXCEPTION' }])
      .patch(`${API}/composite/sobjects`)
      .reply(200, [ok(oppId(1))]);
    const summary = await writeBack(connect(), [update(1)], options());
    scope.done();
    expect(summary).toMatchObject({ written: 1, retried: 2, deadLettered: 0 });
    expect(sleeps).toEqual([375, 750]);
  });

  it('dead-letters a row still locked after the last attempt', async () => {
    const scope = collections()
      .patch(`${API}/composite/sobjects`)
      .times(3)
      .reply(200, [fail('UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record')]);
    const summary = await writeBack(connect(), [update(1)], options({ maxAttempts: 3, replayId: null }));
    scope.done();
    expect(summary).toMatchObject({ written: 0, retried: 2, deadLettered: 1 });
    const [letter] = await store.list();
    expect(letter).toMatchObject({ replayId: null, recordIds: [oppId(1)], code: 'UNABLE_TO_LOCK_ROW' });
  });

  it('fails without dead-lettering when the request itself is rejected (a missing field)', async () => {
    const scope = collections()
      .patch(`${API}/composite/sobjects`)
      .reply(400, [{ message: "No such column 'Commitment_Score__c'", errorCode: 'INVALID_FIELD' }]);
    const err = (await writeBack(connect(), [update(1)], options()).catch((e: unknown) => e)) as ScorerError;
    scope.done();
    expect(err.code).toBe('ORG_REQUEST_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.context.salesforceCode).toBe('INVALID_FIELD');
  });

  it('refuses to write once Sforce-Limit-Info shows the org at its configured share', async () => {
    const conn = connect();
    const scope = nock(INSTANCE)
      .get(`${API}/query`)
      .query(true)
      .reply(200, queryResult([]), { 'Sforce-Limit-Info': 'api-usage=8000/10000' });
    await conn.query('SELECT Id FROM Opportunity LIMIT 1');
    scope.done();
    expect(apiUsageRatio(conn)).toBeCloseTo(0.8);

    const err = (await writeBack(conn, [update(1)], options()).catch((e: unknown) => e)) as ScorerError;
    expect(err.code).toBe('ORG_LIMIT_EXCEEDED');
    expect(calls).toEqual([]); // no PATCH was attempted

    const relaxed = collections()
      .patch(`${API}/composite/sobjects`)
      .reply(200, [ok(oppId(1))]);
    const summary = await writeBack(conn, [update(1)], options({ maxApiUsage: 0.9 }));
    relaxed.done();
    expect(summary.written).toBe(1);
  });

  it('makes no call for an empty plan', async () => {
    expect(await writeBack(connect(), [], options())).toMatchObject({
      written: 0,
      retried: 0,
      deadLettered: 0,
    });
    expect(calls).toEqual([]);
  });
});
