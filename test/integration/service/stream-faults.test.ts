import { counter, isTampered, savedCheckpoint, sellerBulkUpdate, tamperOutputs } from './org-oracle';
import { expectAllWritten, sellerConnection, settled, until, warmStack, type Stack } from './stack';

/**
 * Faults of the session and the subscription: each must be recovered with nothing lost, i.e. every
 * changed deal written and the checkpoint past every change event.
 */

let stack: Stack;
let pool: [string, { StageName: string }][];

beforeAll(async () => {
  // Sessions that stop polling are forgotten after 2 s (Salesforce: 40 s), so a count of live
  // subscriptions settles quickly after a client is replaced.
  ({ stack, pool } = await warmStack({ sandbox: { deals: 60, cometdClientTimeoutMs: 2000 } }));
});
afterEach(() => stack.sandbox.faults.reset());
afterAll(() => stack.close());

/** Seller edits over REST to `n` deals not changed before, each moved to a stage that changes its outputs. */
async function sellerChanges(n: number): Promise<string[]> {
  const rows = pool.splice(0, n).map(([Id, c]) => ({ Id, ...c }));
  expect(rows).toHaveLength(n);
  await sellerBulkUpdate(sellerConnection(stack.sandbox), rows);
  return rows.map((r) => r.Id);
}

describe('session and subscription faults', () => {
  it('recovers from a revoked token mid-stream: new token for REST, rebuilt subscription', async () => {
    const sandbox = stack.sandbox;
    const refreshes = stack.refreshes;
    const authRebuilds = await counter(stack.service.metrics.subscriptionRebuilds, { cause: 'auth' });
    const from = sandbox.writeLog.length;

    // Salesforce forgets the session: REST answers 401, CometD "401::Authentication invalid".
    expect(sandbox.core.tokens.delete(stack.service.connection.accessToken ?? '')).toBe(true);
    const first = await sellerChanges(3);
    await expectAllWritten(stack, first, from);

    expect(stack.refreshes).toBeGreaterThan(refreshes);
    expect(await counter(stack.service.metrics.subscriptionRebuilds, { cause: 'auth' })).toBeGreaterThan(
      authRebuilds,
    );
    expect(stack.service.subscriber.state).toBe('subscribed');
    // One live subscription: the replaced client's session is not polled any more and expires.
    await until(() => sandbox.cometdClients() === 1);
    // The rebuilt subscription is live: later changes arrive too.
    const later = await sellerChanges(2);
    await expectAllWritten(stack, later, from);
  });

  it('handshakes again after "403::Unknown client" and loses nothing meanwhile', async () => {
    const sandbox = stack.sandbox;
    const from = sandbox.writeLog.length;
    sandbox.faults.unknownClientNextConnect = 1;

    const before = await sellerChanges(3);
    // The connect after this delivery is answered "403::Unknown client": the server has dropped the session.
    await until(() => sandbox.faults.unknownClientNextConnect === 0);
    const during = await sellerChanges(3);
    await expectAllWritten(stack, [...before, ...during], from);

    expect(stack.service.subscriber.state).toBe('subscribed');
    await until(() => sandbox.cometdClients() === 1);
  });

  it('falls back once and sweeps when the stored replay id is refused at restart', async () => {
    const sandbox = stack.sandbox;
    await settled(stack);
    const [drifted] = pool.shift() ?? [''];
    tamperOutputs(sandbox, drifted);
    await stack.service.close();
    const from = sandbox.writeLog.length;
    const checkpoint = await savedCheckpoint(stack.stateDir);
    expect(checkpoint).toBeDefined();

    // Changed while the service was down: only the replay after the fallback brings this back.
    const whileDown = await sellerChanges(2);
    sandbox.faults.invalidReplayNextSubscribe = 1;
    await stack.restart();

    expect(await counter(stack.service.metrics.replayFallbacks)).toBe(1);
    await until(async () => (await counter(stack.service.metrics.sweeps, { outcome: 'done' })) >= 1);
    await expectAllWritten(stack, [...whileDown, drifted], from);
    expect(isTampered(sandbox, drifted)).toBe(false);
    expect(sandbox.faults.invalidReplayNextSubscribe).toBe(0);
  });
});
