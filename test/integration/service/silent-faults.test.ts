import { counter, sellerBulkUpdate } from './org-oracle';
import { expectAllWritten, sellerConnection, until, warmStack, type Stack } from './stack';

/**
 * Faults that used to leave the service deaf without a word: each is reproduced with the sandbox's
 * fault switches and must be recovered with nothing lost. Recovery times are measured, not asserted
 * (set SHOW_RECOVERY=1 to print them).
 */

const report = (fault: string, ms: number): void => {
  if (process.env.SHOW_RECOVERY) process.stdout.write(`recovery ${fault}: ${ms} ms\n`);
};

/** Seller edits over REST to `n` deals of the pool not changed before. */
async function sellerChanges(stack: Stack, pool: [string, { StageName: string }][], n: number) {
  const rows = pool.splice(0, n).map(([Id, c]) => ({ Id, ...c }));
  expect(rows).toHaveLength(n);
  await sellerBulkUpdate(sellerConnection(stack.sandbox), rows);
  return rows.map((r) => r.Id);
}

describe('with a refreshable session', () => {
  let stack: Stack;
  let pool: [string, { StageName: string }][];
  beforeAll(async () => {
    ({ stack, pool } = await warmStack({ sandbox: { deals: 50, cometdClientTimeoutMs: 2000 } }));
  });
  afterEach(() => stack.sandbox.faults.reset());
  afterAll(() => stack.close());

  it('rebuilds from the checkpoint when the org refuses faye’s own resubscribe after "403::Unknown client"', async () => {
    const { sandbox, service } = stack;
    const from = sandbox.writeLog.length;
    const rebuilds = await counter(service.metrics.subscriptionRebuilds);
    const started = Date.now();
    // The org drops the session; faye handshakes again and resubscribes with the replay id it
    // remembers, which the org refuses.
    sandbox.faults.unknownClientNextConnect = 1;
    sandbox.faults.invalidReplayNextSubscribe = 1;
    await until(() => sandbox.faults.invalidReplayNextSubscribe === 0);

    const after = await sellerChanges(stack, pool, 3);
    await expectAllWritten(stack, after, from);
    report('refused resubscribe after 403::Unknown client', Date.now() - started);

    // Recovery takes a new client (cause "resubscribe"; on a loaded machine the watchdog may get there
    // first, and then the refusal meets that client's subscribe and falls back to -2).
    expect(await counter(service.metrics.subscriptionRebuilds)).toBeGreaterThan(rebuilds);
    expect(service.subscriber.state).toBe('subscribed');
    await until(() => sandbox.cometdClients() === 1);
  });
});

describe('with a ready access token that cannot be refreshed', () => {
  let stack: Stack;
  let pool: [string, { StageName: string }][];
  beforeAll(async () => {
    ({ stack, pool } = await warmStack({
      sandbox: { deals: 50, cometdClientTimeoutMs: 2000 },
      fixedToken: true,
    }));
  });
  afterEach(() => stack.sandbox.faults.reset());
  afterAll(() => stack.close());

  it('re-handshakes with the same token after a passing "401::Authentication invalid" on streaming', async () => {
    const { sandbox, service } = stack;
    const from = sandbox.writeLog.length;
    const started = Date.now();
    sandbox.faults.authInvalidNextConnect = 1;
    await until(() => sandbox.faults.authInvalidNextConnect === 0);

    const after = await sellerChanges(stack, pool, 3);
    await expectAllWritten(stack, after, from);
    report('streaming 401 with a ready token', Date.now() - started);
    expect(service.subscriber.state).toBe('subscribed');
  });

  it('keeps re-handshaking, with backoff, while streaming refuses the token several times', async () => {
    const { sandbox, service } = stack;
    const from = sandbox.writeLog.length;
    const started = Date.now();
    // Each refusal ends the session, so every one consumed is a new handshake with the same token.
    sandbox.faults.authInvalidNextConnect = 4;
    await until(() => sandbox.faults.authInvalidNextConnect === 0);

    const after = await sellerChanges(stack, pool, 2);
    await expectAllWritten(stack, after, from);
    report('four streaming 401s with a ready token', Date.now() - started);
    expect(service.subscriber.state).toBe('subscribed');
  });

  it('stops, naming the fix, only when REST refuses the token too', async () => {
    const { sandbox, service } = stack;
    let stopped: Error | undefined;
    void service.fatal.then((err) => (stopped = err));
    expect(sandbox.core.tokens.delete(service.connection.accessToken ?? '')).toBe(true);
    await sellerChanges(stack, pool, 1);

    await until(() => stopped !== undefined);
    expect(stopped).toMatchObject({ code: 'ORG_TOKEN_REFUSED' });
    expect((stopped as { fix?: string }).fix).toContain('SF_ACCESS_TOKEN');
  });
});
