import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { createApp, type AppDeps } from '../../../src/http/app';
import { createMetrics } from '../../../src/http/metrics';
import { createLogger } from '../../../src/lib/logger';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import oneSided from '../../../scripts/examples/one-sided-deal.json';

const ADMIN = 'a-long-admin-token-for-tests';
const logLines: string[] = [];
const logger = createLogger({
  destination: new Writable({
    write(chunk, _e, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
});

let server: Server;
let base: string;
let ready: string | undefined = 'not subscribed yet';
const sweeps: number[] = [];

beforeAll(async () => {
  const rulebook = loadRulebookFile();
  const deps: AppDeps = {
    logger,
    metrics: createMetrics(),
    rulebook: () => rulebook,
    now: () => Date.parse('2026-11-20T12:00:00Z'),
    notReadyReason: async () => ready,
    adminToken: ADMIN,
    sweep: async () => {
      sweeps.push(1);
      return { started: true };
    },
  };
  server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the HTTP API', () => {
  it('answers /healthz while alive', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers /readyz with 503 and the reason until ready, then 200', async () => {
    ready = 'not subscribed yet';
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', reason: 'not subscribed yet' });
    ready = undefined;
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
  });

  it('scores a posted snapshot as of now, or as of ?asOf, and counts it in /metrics', async () => {
    const res = await post('/v1/score', oneSided);
    expect(res.status).toBe(200);
    const result = (await res.json()) as { asOf: string; flags: { code: string }[] };
    expect(result.asOf).toBe('2026-11-20T12:00:00.000Z');
    expect(result.flags[0].code).toBe('ONE_SIDED_EFFORT');
    const earlier = (await (await post('/v1/score?asOf=2026-10-25T00:00:00Z', oneSided)).json()) as {
      asOf: string;
    };
    expect(earlier.asOf).toBe('2026-10-25T00:00:00.000Z');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/commitment_scorer_previews_total 2/);
  });

  it('rejects a malformed snapshot with 400 naming the path, without a stack', async () => {
    const res = await post('/v1/score', {
      opportunity: { StageName: 'Prospecting' },
      events: [{ StartDateTime: 'soon' }],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SNAPSHOT_INVALID');
    expect(body.error.message).toContain('events[0].StartDateTime: invalid date');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('rejects a body that is not JSON, and one that is too large', async () => {
    expect((await post('/v1/score', '{not json')).status).toBe(400);
    const huge = { opportunity: { StageName: 'x', Name: 'y'.repeat(2_000_000) } };
    expect((await post('/v1/score', huge)).status).toBe(413);
  });

  it('refuses admin actions without the bearer token, with a wrong one, and accepts the right one', async () => {
    expect((await post('/v1/admin/sweep', {})).status).toBe(401);
    expect((await post('/v1/admin/sweep', {}, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect(sweeps).toHaveLength(0);
    const res = await post('/v1/admin/sweep', {}, { authorization: `Bearer ${ADMIN}` });
    expect(res.status).toBe(202);
    expect(sweeps).toHaveLength(1);
  });

  it('answers unknown routes and unavailable actions with JSON 404s', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const auth = { headers: { authorization: `Bearer ${ADMIN}` } };
    expect((await fetch(`${base}/v1/opportunities/not-an-id/score`, auth)).status).toBe(404);
  });

  it('never logs the admin token', () => {
    expect(logLines.join('')).not.toContain(ADMIN);
  });
});

describe('the HTTP API without ADMIN_TOKEN', () => {
  it('refuses admin actions with 403', async () => {
    const rulebook = loadRulebookFile();
    const app = createApp({
      logger,
      metrics: createMetrics(),
      rulebook: () => rulebook,
      now: Date.now,
      notReadyReason: async () => undefined,
      adminToken: undefined,
    });
    const s = app.listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/v1/admin/rules/reload`, {
      method: 'POST',
    });
    expect(res.status).toBe(403);
    await new Promise((r) => s.close(r));
  });
});

describe('the access log', () => {
  it('logs method, path and status of each request, and no header or query string', async () => {
    const from = logLines.length;
    await fetch(`${base}/v1/admin/sweep?token=query-secret-value`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, cookie: 'sid=cookie-secret-value' },
    });
    await fetch(`${base}/healthz`);
    const lines = logLines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    const access = lines.filter((l) => l.component === 'http');
    expect(access).toHaveLength(1); // the probe is not logged
    expect(access[0]).toMatchObject({
      msg: 'POST /v1/admin/sweep 202',
      req: { method: 'POST', path: '/v1/admin/sweep' },
      res: { status: 202 },
    });
    const text = logLines.slice(from).join('');
    for (const secret of [ADMIN, 'query-secret-value', 'cookie-secret-value'])
      expect(text).not.toContain(secret);
  });
});

describe('process metrics', () => {
  it('are exposed under their standard names', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(text).toMatch(new RegExp(`^${name} `, 'm'));
    expect(text).not.toContain('commitment_scorer_process_');
  });
});
