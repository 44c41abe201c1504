import { SandboxClock } from '../../../src/sandbox/clock';
import { ChangeEventBus, channels, entityChannel, RETENTION_MS } from '../../../src/sandbox/change-events';
import { mergeChanges } from '../../../src/sandbox/write-effects';

const change = (entity: string, id: string, fields: Record<string, unknown>) => ({
  entity,
  recordIds: [id],
  changeType: 'UPDATE',
  changedFields: [...Object.keys(fields), 'LastModifiedDate'],
  fields: { ...fields, LastModifiedDate: '2026-11-23T00:00:00.000Z' },
});

describe('change-event bus', () => {
  it('names channels as Salesforce does, custom objects included', () => {
    expect(entityChannel('Opportunity')).toBe('/data/OpportunityChangeEvent');
    expect(entityChannel('Buying_Commitment__c')).toBe('/data/Buying_Commitment__ChangeEvent');
    expect(channels('Task')).toEqual([
      '/data/TaskChangeEvent',
      '/data/ChangeEvents',
      '/data/Commitment_Scorer__chn',
    ]);
  });

  it('numbers events increasingly, keeps them 72 hours and then refuses replay ids from before', () => {
    const clock = new SandboxClock(new Date('2026-11-23T00:00:00Z'));
    const bus = new ChangeEventBus(clock);
    const tx = { user: '005x', origin: 'com/salesforce/api/rest/62.0' };
    const [a] = bus.publishTransaction([change('Opportunity', '006a', { Amount: 1 })], tx);
    clock.advance(RETENTION_MS / 2);
    const [b, c] = bus.publishTransaction(
      [change('Opportunity', '006b', { Amount: 2 }), change('Task', '00Tc', { Subject: 'x' })],
      tx,
    );
    expect(b.replayId).toBeGreaterThan(a.replayId);
    expect([
      b.data.payload.ChangeEventHeader.sequenceNumber,
      c.data.payload.ChangeEventHeader.sequenceNumber,
    ]).toEqual([1, 2]);
    expect(b.data.payload.ChangeEventHeader.transactionKey).toBe(
      c.data.payload.ChangeEventHeader.transactionKey,
    );
    expect(bus.retained('/data/OpportunityChangeEvent', -Infinity).map((e) => e.replayId)).toEqual([
      a.replayId,
      b.replayId,
    ]);
    expect(bus.isValidReplayId(a.replayId)).toBe(true);
    expect(bus.isValidReplayId(c.replayId + 5)).toBe(false);
    clock.advance(RETENTION_MS / 2 + 1000);
    expect(bus.retained('/data/OpportunityChangeEvent', -Infinity).map((e) => e.replayId)).toEqual([
      b.replayId,
    ]);
    expect(bus.isValidReplayId(a.replayId - 1)).toBe(false);
    expect(bus.isValidReplayId(a.replayId)).toBe(true);
    expect(bus.isValidReplayId(-2)).toBe(true);
  });

  it('merges identical updates of un-enriched entities only', () => {
    const merged = mergeChanges([
      change('Opportunity', '006a', { Commitment_Score__c: 5 }),
      change('Opportunity', '006b', { Commitment_Score__c: 5 }),
      change('Opportunity', '006c', { Commitment_Score__c: 6 }),
      change('Task', '00Ta', { Subject: 'x', WhatId: '006a' }),
      change('Task', '00Tb', { Subject: 'x', WhatId: '006a' }),
    ]);
    expect(merged.map((m) => m.recordIds)).toEqual([['006a', '006b'], ['006c'], ['00Ta'], ['00Tb']]);
  });
});
