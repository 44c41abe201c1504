import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { reviewDeal } from '../../../src/forecast/deal-review';
import { parsePeriod } from '../../../src/forecast/period';
import { ForecastAccumulator, parseGroupBy } from '../../../src/forecast/report';
import { createApp } from '../../../src/http/app';
import { createMetrics } from '../../../src/http/metrics';
import { createPageAuth, SESSION_COOKIE } from '../../../src/http/pages/page-auth';
import { createPagesRouter } from '../../../src/http/pages/router';
import { createLogger } from '../../../src/lib/logger';
import type { ReliabilityBin } from '../../../src/forecast/calibration';
import { aHealthyDeal, AS_OF, theDefaultRulebook } from '../../support/builders';

const ADMIN = 'a-long-admin-token-for-pages';
const logLines: string[] = [];
const logger = createLogger({
  destination: new Writable({
    write(chunk, _e, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
});

let clock = AS_OF;
let reliability: ReliabilityBin[] | undefined;
const auth = createPageAuth({ tokens: [ADMIN], now: () => clock, codeTtlMs: 60_000 });
let server: Server;
let base: string;

beforeAll(async () => {
  const rulebook = theDefaultRulebook();
  const pages = createPagesRouter({
    auth,
    adminToken: ADMIN,
    logger,
    reliability: () => reliability,
    forecast: async (q) => {
      const acc = new ForecastAccumulator({
        period: parsePeriod(q.period ?? '2026-Q4', 1),
        by: parseGroupBy(q.by),
        asOf: new Date(AS_OF).toISOString(),
        rulesVersion: rulebook.version,
        calibration: { calibrated: false },
      });
      acc.add({
        id: '006000000000001AAA',
        name: 'Acme <rollout>',
        ownerId: '005A',
        stage: 'Proposal/Price Quote',
        amount: 100_000,
        closeDate: '2026-12-15',
        stageProbability: 70,
        adjustedProbability: 40,
        flags: [{ code: 'NO_REASON_TO_ACT', message: 'nothing tells them' }],
      });
      return acc.report(new Map([['005A', 'Ada']]));
    },
    dealReview: async (id) => ({
      review: reviewDeal(
        { ...aHealthyDeal(), opportunity: { ...aHealthyDeal().opportunity, Id: id } },
        rulebook,
        AS_OF,
      ),
      ownerName: 'Ada',
    }),
  });
  const app = createApp({
    logger,
    metrics: createMetrics(),
    rulebook: () => rulebook,
    now: () => clock,
    notReadyReason: async () => undefined,
    adminToken: ADMIN,
    pages,
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  clock = AS_OF;
  reliability = undefined;
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers, redirect: 'manual' });
const PAGES = ['/', '/forecast', '/deals/006000000000001AAA'];

describe('the pages', () => {
  it('refuse without a token or session (401), and with a wrong token', async () => {
    for (const path of PAGES) {
      expect((await get(path)).status).toBe(401);
      expect((await get(path, { authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
      expect((await get(path, { cookie: `${SESSION_COOKIE}=made-up` })).status).toBe(401);
    }
  });

  it('open with the admin bearer token', async () => {
    for (const path of PAGES) {
      const res = await get(path, { authorization: `Bearer ${ADMIN}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }
  });

  it('exchange a one-time code for an HttpOnly SameSite=Strict session, redirect without the code, and refuse the code again', async () => {
    const path = auth.issueLoginPath();
    const code = new URL(path, base).searchParams.get('code')!;
    expect(code.length).toBeGreaterThanOrEqual(32);
    const res = await get(path);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{40,};`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain(code);
    const session = cookie.split(';')[0];
    for (const p of PAGES) expect((await get(p, { cookie: session })).status).toBe(200);
    // The code is spent: whoever finds the logged URL gets nothing.
    expect((await get(path)).status).toBe(401);
    expect(logLines.join('')).not.toContain(code);
  });

  it('refuse an expired code, and end a session at its end', async () => {
    const late = auth.issueLoginPath();
    clock += 61_000;
    expect((await get(late)).status).toBe(401);
    const res = await get(auth.issueLoginPath());
    const session = res.headers.get('set-cookie')!.split(';')[0];
    clock += 13 * 3600_000;
    expect((await get('/', { cookie: session })).status).toBe(401);
  });

  it('hand out a new sign-in link to the admin token only', async () => {
    expect((await fetch(`${base}/v1/admin/login-link`, { method: 'POST' })).status).toBe(401);
    const res = await fetch(`${base}/v1/admin/login-link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(200);
    const { path } = (await res.json()) as { path: string };
    expect((await get(path)).status).toBe(303);
  });

  it('serve the chart library and the page script from the service, with no inline script under the CSP', async () => {
    const lib = await get('/assets/chart.umd.min.js');
    expect(lib.status).toBe(200);
    expect(lib.headers.get('content-type')).toMatch(/javascript/);
    expect(await lib.text()).toContain('Chart');
    expect((await get('/assets/pages.js')).status).toBe(200);
    const res = await get('/forecast', { authorization: `Bearer ${ADMIN}` });
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/src="\/assets\/|type="application\/json"/);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('escape what deals contain and link each deal to its review', async () => {
    const html = await (await get('/', { authorization: `Bearer ${ADMIN}` })).text();
    expect(html).toContain('Acme &lt;rollout&gt;');
    expect(html).not.toContain('Acme <rollout>');
    expect(html).toContain('href="/deals/006000000000001AAA"');
  });

  it('say no backtest exists without a reliability table, and draw one when given', async () => {
    const none = await (await get('/forecast', { authorization: `Bearer ${ADMIN}` })).text();
    expect(none).toContain('No backtest exists yet');
    expect(none).not.toContain('id="chart-reliability"');
    reliability = Array.from({ length: 10 }, (_, i) => ({
      count: 5,
      meanPredicted: i / 10 + 0.05,
      observed: i / 10,
    }));
    const drawn = await (await get('/forecast', { authorization: `Bearer ${ADMIN}` })).text();
    expect(drawn).toContain('id="chart-reliability"');
    expect(drawn).not.toContain('No backtest exists yet');
  });

  it('name a bad period or grouping (400) and an id that is not an opportunity (404)', async () => {
    const bad = await get('/forecast?period=2026-Q9', { authorization: `Bearer ${ADMIN}` });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('&quot;2026-Q9&quot; is not a forecast period');
    const by = await get('/forecast?by=region', { authorization: `Bearer ${ADMIN}` });
    expect(by.status).toBe(400);
    expect(await by.text()).toContain('&quot;region&quot; is not a forecast grouping');
    expect((await get('/deals/001000000000001AAA', { authorization: `Bearer ${ADMIN}` })).status).toBe(404);
  });
});
