import type { Connection } from 'jsforce';
import {
  activityDaysFor,
  closedDealsWhere,
  fieldsWithHistory,
} from '../../../src/salesforce/load-closed-deals';

/** A connection whose query answers with `answer(soql)`; enough for the one-page reads here. */
function fakeConnection(answer: (soql: string) => Promise<unknown>): Connection {
  return { query: answer } as unknown as Connection;
}

describe('reading closed deals', () => {
  it('counts a field as tracked when the org holds any history row for it', async () => {
    const asked: string[] = [];
    const conn = fakeConnection(async (soql) => {
      asked.push(soql);
      return {
        records: soql.includes("'Cost_Of_Delay__c'") ? [{ Id: '017000000000001AAA' }] : [],
        done: true,
      };
    });
    const tracked = await fieldsWithHistory(conn, ['Compelling_Event__c', 'Cost_Of_Delay__c'], {});
    expect([...tracked]).toEqual(['Cost_Of_Delay__c']);
    expect(asked).toEqual([
      "SELECT Id FROM OpportunityFieldHistory WHERE Field = 'Compelling_Event__c' LIMIT 1",
      "SELECT Id FROM OpportunityFieldHistory WHERE Field = 'Cost_Of_Delay__c' LIMIT 1",
    ]);
  });

  it('treats an org that shows the integration user no field history as tracking nothing', async () => {
    const conn = fakeConnection(() =>
      Promise.reject(
        Object.assign(new Error("sObject type 'OpportunityFieldHistory' is not supported."), {
          errorCode: 'INVALID_TYPE',
        }),
      ),
    );
    expect([...(await fieldsWithHistory(conn, ['Cost_Of_Delay__c'], {}))]).toEqual([]);
  });

  it('lets any other failure through', async () => {
    const conn = fakeConnection(() =>
      Promise.reject(Object.assign(new Error('Session expired'), { errorCode: 'INVALID_SESSION_ID' })),
    );
    await expect(fieldsWithHistory(conn, ['Cost_Of_Delay__c'], {})).rejects.toThrow('Session expired');
  });

  it('puts only checked dates into SOQL, and asks for activity back to the earliest day looked at', () => {
    expect(closedDealsWhere('2026-01-01', '2026-06-30')).toBe(
      'IsClosed = true AND CloseDate >= 2026-01-01 AND CloseDate <= 2026-06-30',
    );
    expect(() => closedDealsWhere("2026-01-01' OR Id != '", '2026-06-30')).toThrow(RangeError);
    const now = Date.parse('2026-11-15T12:00:00Z');
    // 318½ days back to 1 Jan (rounded up), plus a 90-day horizon and 60 days for the windows.
    expect(activityDaysFor('2026-01-01', 90, now)).toBe(319 + 90 + 60);
    expect(() => activityDaysFor('2010-01-01', 90, now)).toThrow('more than 3,650 days');
  });
});
