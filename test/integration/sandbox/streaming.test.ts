import type { Connection } from 'jsforce';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import {
  CLIENT_ID,
  connect,
  sleep,
  streamingClient,
  until,
  type CdcMessage,
  type FayeClient,
} from './helpers';

const OPP = '/data/OpportunityChangeEvent';
let sb: Sandbox;
let conn: Connection;
const clients: FayeClient[] = [];

beforeAll(async () => {
  sb = await startSandbox({ deals: 30, seed: 5, cometdTimeoutMs: 300, cometdClientTimeoutMs: 1500 });
  conn = connect(sb);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
  sb.faults.reset();
});
afterAll(() => sb.close());

const openIds = (): string[] => [...sb.store.all('Opportunity')].filter((o) => !o.IsClosed).map((o) => o.Id);

async function listen(channel: string, replayFrom: number, onAuth?: (m: unknown) => void) {
  const got: CdcMessage[] = [];
  const client = streamingClient(conn, channel, replayFrom, onAuth);
  clients.push(client);
  await client.subscribe(channel, (m) => got.push(m));
  return { got, client };
}

const score = (id: string, v: number) =>
  conn.sobject('Opportunity').update({ Id: id, Commitment_Score__c: v });

describe('sandbox CometD through jsforce', () => {
  it('delivers change events with the client id, the user and only the fields that changed', async () => {
    const [id] = openIds();
    const { got } = await listen(OPP, -1);
    await score(id, 11);
    await score(id, 11);
    const seller = connect(sb, sb.sellerToken);
    await seller.sobject('Opportunity').update({ Id: id, NextStep: 'Send the mutual plan' });
    await until(() => got.length >= 3);
    const [first, noop, bySeller] = got.map((m) => m.payload);
    expect(first.ChangeEventHeader).toMatchObject({
      entityName: 'Opportunity',
      recordIds: [id],
      changeType: 'UPDATE',
      changeOrigin: `com/salesforce/api/rest/62.0;client=${CLIENT_ID}`,
      commitUser: sb.integrationUserId,
      sequenceNumber: 1,
    });
    expect(first.ChangeEventHeader.changedFields).toContain('Commitment_Score__c');
    expect(first.Commitment_Score__c).toBe(11);
    expect(noop.ChangeEventHeader.changedFields).toEqual(['LastModifiedDate']);
    expect(Object.keys(noop).sort()).toEqual(['ChangeEventHeader', 'LastModifiedDate']);
    expect(bySeller.ChangeEventHeader.commitUser).toBe(sb.sellerUserId);
    expect(bySeller.ChangeEventHeader.changedFields).toEqual(
      expect.arrayContaining(['NextStep', 'LastModifiedById']),
    );
    expect(got[1].event.replayId).toBeGreaterThan(got[0].event.replayId);
  });

  it('replays retained events with -2 and resumes after a stored replay id', async () => {
    const [a, b] = openIds();
    await score(a, 21);
    await score(b, 22);
    const all = await listen(OPP, -2);
    await until(() => all.got.some((m) => m.payload.Commitment_Score__c === 22));
    const stored = all.got.find((m) => m.payload.Commitment_Score__c === 21)?.event.replayId as number;
    const resumed = await listen(OPP, stored);
    await until(() => resumed.got.length > 0);
    await sleep(100);
    expect(resumed.got.map((m) => m.event.replayId).every((r) => r > stored)).toBe(true);
    expect(resumed.got.map((m) => m.payload.Commitment_Score__c)).toContain(22);
    expect(resumed.got.map((m) => m.payload.Commitment_Score__c)).not.toContain(21);
  });

  it('enriches Task, contact role and commitment events and publishes them on every channel', async () => {
    const [opp] = openIds();
    const task = await listen('/data/TaskChangeEvent', -1);
    const custom = await listen('/data/Commitment_Scorer__chn', -1);
    const all = await listen('/data/ChangeEvents', -1);
    const t = await conn.sobject('Task').create({ WhatId: opp, Subject: 'Call', Status: 'Completed' });
    await conn.sobject('Task').update({ Id: String(t.id), Subject: 'Call back' });
    await conn.sobject('Buying_Commitment__c').create({
      Opportunity__c: opp,
      Type__c: 'Budget confirmed',
      Owner_Side__c: 'Customer',
      Status__c: 'Given',
    });
    const contact = [...sb.store.all('Contact')][0].Id;
    const ocr = await conn
      .sobject('OpportunityContactRole')
      .create({ OpportunityId: opp, ContactId: contact, Role: 'Decision Maker' });
    await conn.sobject('OpportunityContactRole').update({ Id: String(ocr.id), Role: 'Economic Buyer' });
    await until(() => task.got.length >= 2 && custom.got.length >= 5 && all.got.length >= 5);
    const role = custom.got
      .filter((m) => m.payload.ChangeEventHeader.entityName === 'OpportunityContactRole')
      .pop();
    expect(role?.payload).toMatchObject({ OpportunityId: opp, Role: 'Economic Buyer' });
    expect(role?.payload.ChangeEventHeader.changedFields).toEqual(['Role', 'LastModifiedDate']);
    expect(task.got[1].payload).toMatchObject({ Subject: 'Call back', WhatId: opp });
    expect(task.got[1].payload.ChangeEventHeader.changedFields).not.toContain('WhatId');
    const bc = custom.got.find((m) => m.payload.ChangeEventHeader.entityName === 'Buying_Commitment__c');
    expect(bc?.payload).toMatchObject({ Opportunity__c: opp, Status__c: 'Given' });
    await expect(
      conn.sobject('Buying_Commitment__c').create({ Opportunity__c: opp, Status__c: 'Maybe' }),
    ).rejects.toMatchObject({
      name: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    });
  });

  it('merges one change to many records of a composite call into one event', async () => {
    const ids = openIds().slice(3, 6);
    // First make the integration user the last modifier everywhere, so the next change is identical.
    await conn.sobject('Opportunity').update(
      ids.map((Id) => ({ Id, Commitment_Rules_Version__c: 'default@before' })),
      { allOrNone: false },
    );
    const { got } = await listen(OPP, -1);
    await conn.sobject('Opportunity').update(
      ids.map((Id) => ({ Id, Commitment_Rules_Version__c: 'default@merge' })),
      { allOrNone: false },
    );
    await until(() => got.length >= 1);
    await sleep(100);
    expect(got).toHaveLength(1);
    expect(got[0].payload.ChangeEventHeader.recordIds).toEqual(ids);
  });

  it('recovers from 403::Unknown client by re-handshaking, with nothing lost', async () => {
    const [id] = openIds();
    const { got } = await listen(OPP, -1);
    const handshakesBefore = sb.stats.calls.cometd;
    await score(id, 31);
    await until(() => got.length === 1);
    sb.faults.unknownClientNextConnect = 1;
    await score(id, 32);
    await until(() => got.length === 2);
    await score(id, 33); // published while the client re-handshakes
    await until(() => got.length >= 3, 8000);
    await sleep(400);
    expect(got.map((m) => m.payload.Commitment_Score__c)).toEqual([31, 32, 33]);
    expect(sb.faults.unknownClientNextConnect).toBe(0);
    expect(sb.stats.calls.cometd).toBeGreaterThan(handshakesBefore + 3);
  });

  it('surfaces 401::Authentication invalid through the AuthFailure extension', async () => {
    const failures: unknown[] = [];
    await listen(OPP, -1, (m) => failures.push(m));
    sb.faults.authInvalidNextConnect = 1;
    const [id] = openIds();
    await score(id, 41); // wakes the held connect, so the next one meets the fault
    await until(() => failures.length > 0);
    expect(failures[0]).toMatchObject({
      channel: '/meta/connect',
      error: '401::Authentication invalid',
      advice: { reconnect: 'none' },
    });
  });

  it('refuses invalid and expired replay ids with the Salesforce error, and publishes gap events', async () => {
    const bogus = streamingClient(conn, OPP, 987654321);
    clients.push(bogus);
    await expect(Promise.resolve(bogus.subscribe(OPP, () => undefined))).rejects.toMatchObject({
      message: expect.stringContaining('The replayId {987654321} you provided was invalid'),
    });
    const [id] = openIds();
    const { got } = await listen(OPP, -1);
    sb.publishGap({ entity: 'Opportunity', changeType: 'GAP_UPDATE', recordIds: [id] });
    sb.publishGap({ entity: 'Opportunity', changeType: 'GAP_OVERFLOW' });
    await until(() => got.length >= 2);
    expect(got[0].payload.ChangeEventHeader).toMatchObject({
      changeType: 'GAP_UPDATE',
      recordIds: [id],
      changedFields: [],
    });
    expect(Object.keys(got[0].payload)).toEqual(['ChangeEventHeader']);
    expect(got[1].payload.ChangeEventHeader).toMatchObject({ changeType: 'GAP_OVERFLOW', recordIds: [] });
    const oldId = got[0].event.replayId;
    sb.clock.advance(73 * 3_600_000);
    const expired = streamingClient(conn, OPP, oldId);
    clients.push(expired);
    await expect(Promise.resolve(expired.subscribe(OPP, () => undefined))).rejects.toMatchObject({
      message: expect.stringContaining(`The replayId {${oldId}} you provided was invalid`),
    });
    const fresh = await listen(OPP, -2);
    await sleep(150);
    expect(fresh.got).toHaveLength(0);
  });

  it('forgets clients that stop polling; raw Bayeux subscribe, unsubscribe, drop and disconnect', async () => {
    const post = async (body: unknown) =>
      (await (
        await fetch(`${sb.url}/cometd/62.0`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `OAuth ${sb.accessToken}` },
          body: JSON.stringify(body),
        })
      ).json()) as Record<string, unknown>[];
    const [hs] = await post([
      { channel: '/meta/handshake', id: '1', version: '1.0', supportedConnectionTypes: ['long-polling'] },
    ]);
    expect(hs).toMatchObject({ successful: true, ext: { replay: true, 'payload.format': true } });
    sb.clock.advance(2000);
    await sleep(800);
    const [reply] = await post([
      { channel: '/meta/connect', id: '2', clientId: hs.clientId, connectionType: 'long-polling' },
    ]);
    expect(reply).toMatchObject({
      successful: false,
      error: '403::Unknown client',
      advice: { reconnect: 'handshake' },
    });
    const [hs2] = await post([
      { channel: '/meta/handshake', id: '3', version: '1.0', supportedConnectionTypes: ['long-polling'] },
    ]);
    sb.faults.invalidReplayNextSubscribe = 1;
    const sub = (id: string) => ({
      channel: '/meta/subscribe',
      id,
      clientId: hs2.clientId,
      subscription: OPP,
      ext: { replay: { [OPP]: -1 } },
    });
    const [refused] = await post([sub('4')]);
    expect(refused).toMatchObject({
      successful: false,
      error: expect.stringContaining('The replayId {-1} you provided was invalid'),
    });
    expect((await post([sub('5')]))[0]).toMatchObject({ successful: true, subscription: OPP });
    const [unsub] = await post([
      { channel: '/meta/unsubscribe', id: '6', clientId: hs2.clientId, subscription: OPP },
    ]);
    expect(unsub).toMatchObject({ successful: true });
    sb.faults.dropNextCometd = 1;
    await expect(
      post([{ channel: '/meta/connect', id: '7', clientId: hs2.clientId, connectionType: 'long-polling' }]),
    ).rejects.toThrow();
    const [bye] = await post([{ channel: '/meta/disconnect', id: '8', clientId: hs2.clientId }]);
    expect(bye).toMatchObject({ successful: true });
    const denied = await fetch(`${sb.url}/cometd/62.0`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'OAuth nope' },
      body: JSON.stringify([{ channel: '/meta/handshake', id: '1' }]),
    });
    expect(await denied.json()).toEqual([
      expect.objectContaining({
        error: '403::Handshake denied',
        ext: { sfdc: { failureReason: '401::Authentication invalid' } },
      }),
    ]);
  });
});
