import { counter, sellerBulkUpdate, sellerEdit, writesSince } from './org-oracle';
import { expectAllWritten, sellerConnection, settled, until, warmStack, type Stack } from './stack';

/**
 * The drift check: the org’s newest SystemModstamp against the newest change event seen. Short
 * interval and grace here; production checks every 5 minutes. Recovery times are measured, not
 * asserted (SHOW_RECOVERY=1 prints them).
 */

let stack: Stack;
let pool: [string, { StageName: string }][];
beforeAll(async () => {
  ({ stack, pool } = await warmStack({
    sandbox: { deals: 50, cometdClientTimeoutMs: 2000 },
    // The sandbox stamps a save and its commit from one clock, so no slack is needed between them.
    tuning: { driftCheckMs: 300, driftGraceMs: 2000, driftSlackMs: 0 },
  }));
});
afterEach(() => stack.sandbox.faults.reset());
afterAll(() => stack.close());

const report = (fault: string, ms: number): void => {
  if (process.env.SHOW_RECOVERY) process.stdout.write(`recovery ${fault}: ${ms} ms\n`);
};

const drifts = () => counter(stack.service.metrics.driftChecks, { outcome: 'drift' });
const checks = () => counter(stack.service.metrics.driftChecks);

async function sellerChanges(n: number): Promise<string[]> {
  const rows = pool.splice(0, n).map(([Id, c]) => ({ Id, ...c }));
  expect(rows).toHaveLength(n);
  await sellerBulkUpdate(sellerConnection(stack.sandbox), rows);
  return rows.map((r) => r.Id);
}

describe('drift check', () => {
  it('sees nothing wrong while every change arrives as an event', async () => {
    const before = { drifts: await drifts(), checks: await checks() };
    const from = stack.sandbox.writeLog.length;
    await expectAllWritten(stack, await sellerChanges(3), from);
    // Several checks after the changes and their echoes: none may call the stream deaf.
    await until(async () => (await checks()) >= before.checks + 4);
    expect(await drifts()).toBe(before.drifts);
  });

  it('rebuilds a subscription the org stopped serving while connects still succeed', async () => {
    const { sandbox, service } = stack;
    const from = sandbox.writeLog.length;
    const rebuilds = await counter(service.metrics.subscriptionRebuilds, { cause: 'drift' });
    const started = Date.now();
    sandbox.faults.forgetSubscriptionsNextConnect = 1;
    await until(() => sandbox.faults.forgetSubscriptionsNextConnect === 0);

    const deaf = await sellerChanges(3);
    await expectAllWritten(stack, deaf, from);
    report('subscription dropped by the server, connects succeeding', Date.now() - started);
    expect(await counter(service.metrics.subscriptionRebuilds, { cause: 'drift' })).toBeGreaterThan(rebuilds);
    expect(service.subscriber.state).toBe('subscribed');
  });

  it('catches up by SystemModstamp, related records included, when changes produced no event at all', async () => {
    const { sandbox } = stack;
    const from = sandbox.writeLog.length;
    const caughtUp = await counter(stack.service.metrics.sweeps, { outcome: 'caught_up' });
    const [[edited, change]] = pool.splice(0, 1);
    const [withTask] = pool.splice(0, 1).map(([id]) => id);
    const scoredBefore = stack.scored.get(withTask) ?? 0;
    const started = Date.now();
    // Two transactions commit without any change event: only the org's data says they happened.
    sandbox.faults.loseNextTransactions = 2;
    const replayBefore = sandbox.core.bus.lastReplayId();
    sellerEdit(sandbox, edited, change);
    await sellerConnection(sandbox)
      .sobject('Task')
      .create({ WhatId: withTask, Subject: 'Call', Status: 'Completed', TaskSubtype: 'Call' });
    expect(sandbox.core.bus.lastReplayId()).toBe(replayBefore);

    await until(
      () => writesSince(sandbox, from).has(edited) && (stack.scored.get(withTask) ?? 0) > scoredBefore,
    );
    report('change events never produced (catch-up sweep)', Date.now() - started);
    // Only a catch-up could have written them; it counts itself once all its chunks are through.
    await until(
      async () => (await counter(stack.service.metrics.sweeps, { outcome: 'caught_up' })) > caughtUp,
    );
    await settled(stack);
  });
});
