import { createEchoFilter, type ChangeEventHeader } from '../../../src/pipeline/echo-filter';

const OUTPUTS = ['Commitment_Score__c', 'Commitment_Flags__c', 'Commitment_Scored_At__c'];
const INTEGRATION = '005000000000009AAA';
const isEcho = createEchoFilter({
  clientId: 'commitment-scorer',
  integrationUserId: INTEGRATION,
  outputFields: OUTPUTS,
});
const header = (over: Partial<ChangeEventHeader>): ChangeEventHeader => ({
  entityName: 'Opportunity',
  recordIds: ['006000000000001AAA'],
  changeType: 'UPDATE',
  changedFields: ['StageName', 'LastModifiedDate'],
  changeOrigin: 'com/salesforce/api/rest/62.0',
  commitUser: '005000000000001AAA',
  ...over,
});

describe('the echo filter', () => {
  it('skips the echo of its own write by the client id in changeOrigin', () => {
    expect(isEcho(header({ changeOrigin: 'com/salesforce/api/rest/62.0;client=commitment-scorer' }))).toBe(
      'origin',
    );
  });

  it('does not mistake another client whose id merely starts the same', () => {
    expect(
      isEcho(header({ changeOrigin: 'com/salesforce/api/rest/62.0;client=commitment-scorer-2' })),
    ).toBeUndefined();
  });

  it('skips the integration user changing only output and system fields (15- or 18-character id)', () => {
    const changedFields = ['Commitment_Score__c', 'Commitment_Flags__c', 'LastModifiedDate'];
    expect(isEcho(header({ commitUser: INTEGRATION, changedFields }))).toBe('integration-user-output-only');
    expect(isEcho(header({ commitUser: INTEGRATION.slice(0, 15), changedFields }))).toBe(
      'integration-user-output-only',
    );
  });

  it('keeps the integration user changing a field that is not ours (a flow in our transaction)', () => {
    expect(
      isEcho(header({ commitUser: INTEGRATION, changedFields: ['Commitment_Score__c', 'NextStep'] })),
    ).toBeUndefined();
  });

  it('keeps a seller changing our fields by hand', () => {
    expect(isEcho(header({ changedFields: ['Commitment_Score__c', 'LastModifiedDate'] }))).toBeUndefined();
  });
});
