import type { StoredEvent } from '../../../src/sandbox/change-events';
import { staleDeals } from './org-oracle';
import { openIds, sellerConnection, settled, startStack, until, type Stack } from './stack';

let stack: Stack;
let deals: string[];
beforeAll(async () => {
  stack = await startStack();
  await stack.service.sweep('test waits for the first sweep');
  await settled(stack);
  deals = openIds(stack.sandbox);
});
afterAll(() => stack.close());

const today = () => new Date().toISOString().slice(0, 10);

/** A contact of the deal's account, as a seller would pick one. */
function contactOf(oppId: string): string {
  const accountId = stack.sandbox.store.get('Opportunity', oppId)?.AccountId;
  const contact = [...stack.sandbox.store.all('Contact')].find((c) => c.AccountId === accountId);
  if (!contact) throw new Error(`no contact on the account of ${oppId}`);
  return contact.Id;
}

/** Runs `change` and waits until the service has scored `oppId` again and finished every event. */
async function expectRescored(oppId: string, change: () => Promise<unknown>): Promise<void> {
  const before = stack.scored.get(oppId) ?? 0;
  await change();
  await until(() => (stack.scored.get(oppId) ?? 0) > before);
  await settled(stack);
  expect(await staleDeals(stack.sandbox, [oppId])).toEqual([]);
}

describe('changes to related records', () => {
  it("rescores the deal when a customer's email is logged as a task on it", async () => {
    const oppId = deals[0];
    await expectRescored(oppId, () =>
      sellerConnection(stack.sandbox)
        .sobject('Task')
        .create({
          WhatId: oppId,
          WhoId: contactOf(oppId),
          Subject: 'Email: Re: next steps',
          Status: 'Completed',
          ActivityDate: today(),
          TaskSubtype: 'Email',
          Type: 'Email',
        }),
    );
  });

  it('rescores the deal when a contact role is added', async () => {
    const oppId = deals[1];
    await expectRescored(oppId, () =>
      sellerConnection(stack.sandbox)
        .sobject('OpportunityContactRole')
        .create({
          OpportunityId: oppId,
          ContactId: contactOf(oppId),
          Role: 'Economic Buyer',
          IsPrimary: false,
        }),
    );
  });

  it('rescores the deal when a buying commitment is recorded', async () => {
    const oppId = deals[2];
    await expectRescored(oppId, () =>
      sellerConnection(stack.sandbox)
        .sobject('Buying_Commitment__c')
        .create({
          Name: 'Budget confirmed by the CFO',
          Opportunity__c: oppId,
          Contact__c: contactOf(oppId),
          Type__c: 'Budget confirmed',
          Owner_Side__c: 'Customer',
          Status__c: 'Done',
          Due_Date__c: today(),
          Completed_Date__c: today(),
        }),
    );
  });

  it('finds the deal of a task UPDATE whose event does not carry WhatId', async () => {
    const sandbox = stack.sandbox;
    const oppId = deals[3];
    const task = sandbox.store.children('Task', 'WhatId', oppId)[0];
    expect(task).toBeDefined();
    const queries = stack.apiCalls.query;
    let published: StoredEvent[] = [];
    await expectRescored(oppId, async () => {
      // Without enrichment an UPDATE names only the task and the fields that changed.
      sandbox.store.put('Task', { ...task, Subject: 'Call: pricing questions' });
      published = sandbox.core.bus.publishTransaction(
        [
          {
            entity: 'Task',
            recordIds: [task.Id],
            changeType: 'UPDATE',
            changedFields: ['Subject', 'LastModifiedDate'],
            fields: { Subject: 'Call: pricing questions', LastModifiedDate: new Date().toISOString() },
          },
        ],
        { user: sandbox.sellerUserId, origin: 'com/salesforce/api/rest/62.0' },
      );
    });
    expect(published).toHaveLength(1);
    expect(published[0].data.payload).not.toHaveProperty('WhatId');
    // The lookup of the task's WhatId, then the batch's own queries.
    expect(stack.apiCalls.query - queries).toBeGreaterThanOrEqual(3);
  });
});
