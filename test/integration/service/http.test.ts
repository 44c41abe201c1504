import {
  changesThatRescore,
  counter,
  isTampered,
  sellerEdit,
  tamperOutputs,
  writesSince,
} from './org-oracle';
import { openIds, settled, startStack, until, type Stack } from './stack';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const READ_TOKEN = 'test-read-token-0123456789';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { ADMIN_TOKEN, READ_TOKEN } });
  await stack.service.sweep('test waits for the first sweep');
  await settled(stack);
});
afterEach(() => stack.sandbox.faults.reset());
afterAll(() => stack.close());

const get = (path: string, token?: string) =>
  fetch(`${stack.service.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

async function readiness(): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const res = await get('/readyz');
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
}

describe('the HTTP surface of the running service', () => {
  it('answers /readyz 200 when subscribed, 503 with a reason while the stream is down, 200 again after', async () => {
    const sandbox = stack.sandbox;
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready' } });
    const [[id, change]] = [...(await changesThatRescore(sandbox, openIds(sandbox).slice(0, 5)))];
    const from = sandbox.writeLog.length;

    // Every CometD request is cut off: the watchdog notices that no connect succeeds any more.
    sandbox.faults.dropNextCometd = 1_000_000;
    let down = await readiness();
    await until(async () => (down = await readiness()).status === 503);
    expect(down.body.status).toBe('not ready');
    expect(down.body.reason).toMatch(/not subscribed to \/data\/Commitment_Scorer__chn/);

    // A change made while the stream is down still arrives once it is back.
    sellerEdit(sandbox, id, change);
    sandbox.faults.dropNextCometd = 0;
    await until(async () => (await readiness()).status === 200, 20_000);
    await until(() => writesSince(sandbox, from).has(id));
    await settled(stack);
  });

  it('scores a deal of the org on GET /v1/opportunities/:id/score and answers 404 for an unknown id', async () => {
    const id = openIds(stack.sandbox)[0];
    const res = await get(`/v1/opportunities/${id}/score`, READ_TOKEN);
    expect(res.status).toBe(200);
    const result = (await res.json()) as Record<string, unknown>;
    expect(result.opportunityId).toBe(id);
    expect(result.rulesVersion).toMatch(/^default@/);
    expect(typeof result.commitmentScore).toBe('number');
    expect(result.fields).toHaveProperty('Commitment_Adjusted_Probability__c');

    const unknown = await get('/v1/opportunities/0065g00000ZZZZZZZZ/score', ADMIN_TOKEN);
    expect(unknown.status).toBe(404);
    const malformed = await get('/v1/opportunities/not-an-id/score', ADMIN_TOKEN);
    expect(malformed.status).toBe(404);
  });

  it('refuses GET /v1/opportunities/:id/score without a token, and spends no API call on the refusals', async () => {
    const id = openIds(stack.sandbox)[2];
    const calls = await counter(stack.service.metrics.apiCalls);
    for (let i = 0; i < 20; i++) {
      const res = await get(
        `/v1/opportunities/${id}/score`,
        i % 2 === 0 ? undefined : 'not-a-token-0000000000',
      );
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UNAUTHORIZED');
      expect(JSON.stringify(body)).not.toContain(
        String(stack.sandbox.core.store.get('Opportunity', id)?.Name),
      );
    }
    expect(await counter(stack.service.metrics.apiCalls)).toBe(calls);
    // The read token opens deal data but not the admin actions.
    const sweep = await fetch(`${stack.service.url}/v1/admin/sweep`, {
      method: 'POST',
      headers: { authorization: `Bearer ${READ_TOKEN}` },
    });
    expect(sweep.status).toBe(401);
  });

  it('listens on 127.0.0.1 only by default, not on every interface', async () => {
    const port = new URL(stack.service.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    // On Linux all of 127/8 reaches the loopback device: a socket bound to every interface answers
    // 127.0.0.2 too, one bound to 127.0.0.1 does not.
    await expect(fetch(`http://127.0.0.2:${port}/healthz`)).rejects.toThrow();
  });

  it('starts a sweep on POST /v1/admin/sweep with the admin bearer token only', async () => {
    const sandbox = stack.sandbox;
    const sweep = (auth?: string) =>
      fetch(`${stack.service.url}/v1/admin/sweep`, {
        method: 'POST',
        headers: auth === undefined ? {} : { authorization: auth },
      });
    const drifted = openIds(sandbox)[1];
    tamperOutputs(sandbox, drifted);
    const sweeps = await counter(stack.service.metrics.sweeps, { outcome: 'done' });

    expect((await sweep()).status).toBe(401);
    expect((await sweep('Bearer not-the-admin-token-000')).status).toBe(401);
    expect((await sweep(ADMIN_TOKEN)).status).toBe(401);
    expect(isTampered(sandbox, drifted)).toBe(true);

    const res = await sweep(`Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ started: true });
    await until(async () => (await counter(stack.service.metrics.sweeps, { outcome: 'done' })) > sweeps);
    await settled(stack);
    expect(isTampered(sandbox, drifted)).toBe(false);
  });
});
