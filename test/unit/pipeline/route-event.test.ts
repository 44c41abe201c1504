import { createEchoFilter } from '../../../src/pipeline/echo-filter';
import { parseChangeEvent, replayIdOf, routeEvent } from '../../../src/pipeline/route-event';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';

const OPP = '006000000000001AAA';
const OPP2 = '006000000000002AAA';
const TASK = '00T000000000001AAA';
const isEcho = createEchoFilter({
  clientId: 'commitment-scorer',
  integrationUserId: '005000000000009AAA',
  outputFields: ['Commitment_Score__c'],
});
const opts = { commitment: loadRulebookFile().fields.commitment, isEcho };

function message(header: Record<string, unknown>, fields: Record<string, unknown> = {}, replayId = 1001) {
  return {
    schema: 's',
    event: { replayId },
    payload: {
      ChangeEventHeader: {
        entityName: 'Opportunity',
        recordIds: [OPP],
        changeType: 'UPDATE',
        changedFields: ['StageName', 'LastModifiedDate'],
        changeOrigin: 'com/salesforce/api/rest/62.0',
        commitUser: '005000000000001AAA',
        commitTimestamp: 1_700_000_000_000,
        ...header,
      },
      ...fields,
    },
  };
}

const route = (header: Record<string, unknown>, fields?: Record<string, unknown>) =>
  routeEvent(parseChangeEvent(message(header, fields)), opts);

describe('routing change events', () => {
  it('rescores every record of a merged opportunity event', () => {
    expect(route({ recordIds: [OPP, OPP2] })).toEqual({ kind: 'score', ids: [OPP, OPP2] });
  });

  it('skips the echo of its own write', () => {
    expect(route({ changeOrigin: 'com/salesforce/api/rest/62.0;client=commitment-scorer' })).toEqual({
      kind: 'skip',
      reason: 'echo:origin',
    });
  });

  it('rescores the named deals on GAP_UPDATE, and sweeps on GAP_OVERFLOW and wildcard ids', () => {
    expect(route({ changeType: 'GAP_UPDATE', changedFields: [] })).toEqual({ kind: 'score', ids: [OPP] });
    expect(route({ changeType: 'GAP_OVERFLOW', recordIds: [] })).toMatchObject({ kind: 'sweep' });
    expect(route({ recordIds: ['006*'] })).toMatchObject({ kind: 'sweep' });
  });

  it('has nothing to score for a deleted opportunity', () => {
    expect(route({ changeType: 'DELETE', changedFields: [] })).toMatchObject({ kind: 'skip' });
  });

  it('finds the opportunity of a new task in the event itself', () => {
    expect(route({ entityName: 'Task', recordIds: [TASK], changeType: 'CREATE' }, { WhatId: OPP })).toEqual({
      kind: 'score',
      ids: [OPP],
    });
  });

  it('looks up the opportunity when an update leaves the parent field out', () => {
    expect(
      route({ entityName: 'Task', recordIds: [TASK], changedFields: ['Status'] }, { Status: 'Completed' }),
    ).toEqual({
      kind: 'resolve',
      entity: 'Task',
      field: 'WhatId',
      recordIds: [TASK],
    });
  });

  it('ignores a task about an account, and routes contact roles and commitments by their lookup', () => {
    expect(
      route(
        { entityName: 'Task', recordIds: [TASK], changeType: 'CREATE' },
        { WhatId: '001000000000001AAA' },
      ),
    ).toMatchObject({ kind: 'skip' });
    expect(
      route(
        { entityName: 'OpportunityContactRole', recordIds: ['00K000000000001AAA'], changeType: 'CREATE' },
        { OpportunityId: OPP },
      ),
    ).toEqual({ kind: 'score', ids: [OPP] });
    expect(
      route(
        { entityName: 'Buying_Commitment__c', recordIds: ['a01000000000001AAA'], changeType: 'CREATE' },
        { Opportunity__c: OPP2 },
      ),
    ).toEqual({ kind: 'score', ids: [OPP2] });
    expect(route({ entityName: 'Account', recordIds: ['001000000000001AAA'] })).toMatchObject({
      kind: 'skip',
    });
  });

  it('rejects a malformed event, naming the path, and still knows its replay id', () => {
    const bad = { event: { replayId: 77 }, payload: { ChangeEventHeader: { entityName: 'Opportunity' } } };
    expect(() => parseChangeEvent(bad)).toThrow(/payload\.ChangeEventHeader\.recordIds/);
    expect(replayIdOf(bad)).toBe(77);
    expect(replayIdOf('junk')).toBeNull();
  });

  it('rejects record ids that are not opportunity ids', () => {
    expect(() => route({ recordIds: ["006' OR Name != '"] })).toThrow(/invalid record id/);
    expect(() => route({ recordIds: ['001000000000001AAA'] })).toThrow(/invalid record id/);
    expect(() => route({ recordIds: [] })).toThrow(/names no record/);
  });
});
