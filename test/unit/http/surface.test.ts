import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createApp, type AppDeps } from '../../../src/http/app';
import { createMetrics } from '../../../src/http/metrics';
import { createLogger } from '../../../src/lib/logger';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import oneSided from '../../../scripts/examples/one-sided-deal.json';

/**
 * The HTTP surface as a stranger sees it: every client mistake is a 4xx with a JSON error (never a
 * 500), deal data needs a token, and limits stop one client from taking the event loop.
 */

const ADMIN = 'an-admin-token-for-the-tests';
const READ = 'a-read-token-for-the-pages-0';
const logLines: string[] = [];
const logger = createLogger({
  destination: new Writable({
    write(chunk, _e, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
});
const rulebook = loadRulebookFile();
const loaded: string[] = [];
const servers: Server[] = [];

async function serve(extra: Partial<AppDeps> = {}): Promise<string> {
  const deps: AppDeps = {
    logger,
    metrics: createMetrics(),
    rulebook: () => rulebook,
    now: () => Date.parse('2026-11-20T12:00:00Z'),
    notReadyReason: async () => undefined,
    adminToken: ADMIN,
    readToken: READ,
    loadAndScore: async (id) => {
      loaded.push(id);
      return { opportunityId: id } as never;
    },
    ...extra,
  };
  const server = createApp(deps).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

/** A raw request, so the path and headers go out exactly as written (fetch would normalise them). */
function raw(
  base: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: opts.headers,
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += String(c)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const snapshot = JSON.stringify(oneSided);

describe('client errors on the HTTP surface', () => {
  let base: string;
  beforeAll(async () => {
    base = await serve();
  });

  it('answers a charset other than UTF-8 with 415', async () => {
    const res = await raw(base, {
      method: 'POST',
      path: '/v1/score',
      headers: { 'content-type': 'application/json; charset=latin1' },
      body: snapshot,
    });
    expect(res.status).toBe(415);
    expect(res.body.error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(res.body.error?.message).toMatch(/latin1.*UTF-8/);
  });

  it('answers an unknown charset and a compressed body with 415', async () => {
    const odd = await raw(base, {
      method: 'POST',
      path: '/v1/score',
      headers: { 'content-type': 'application/json; charset=no-such-charset' },
      body: snapshot,
    });
    expect(odd.status).toBe(415);
    const gzip = await raw(base, {
      method: 'POST',
      path: '/v1/score',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(snapshot),
    });
    expect(gzip.status).toBe(415);
    expect(gzip.body.error?.message).toMatch(/Content-Encoding gzip/);
  });

  it('answers a body that is not JSON by its Content-Type with 415', async () => {
    const res = await raw(base, {
      method: 'POST',
      path: '/v1/score',
      headers: { 'content-type': 'text/plain' },
      body: snapshot,
    });
    expect(res.status).toBe(415);
  });

  it('answers a path that is not valid percent-encoding with 400, not 500', async () => {
    for (const path of [
      '/v1/opportunities/%E0%A4%A/score',
      '/v1/opportunities/%ZZ/score',
      '/v1/opportunities/%/score',
    ]) {
      const res = await raw(base, { path, headers: { authorization: `Bearer ${ADMIN}` } });
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.error?.code).toBe('BAD_REQUEST');
    }
    expect(logLines.join('')).not.toMatch(/request failed/);
  });

  it('refuses a snapshot with an oversized list before validating it, naming the list', async () => {
    const big = { ...oneSided, tasks: Array.from({ length: 501 }, () => ({ Id: 1 })) };
    const res = await raw(base, {
      method: 'POST',
      path: '/v1/score',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(big),
    });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/tasks has 501 items, at most 500/);
  });

  it('refuses a body over the size limit with 413 and a JSON array body with 400', async () => {
    const tooBig = await raw(base, {
      method: 'POST',
      path: '/v1/score',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ opportunity: { Name: 'x'.repeat(300 * 1024) } }),
    });
    expect(tooBig.status).toBe(413);
    const array = await raw(base, {
      method: 'POST',
      path: '/v1/score',
      headers: { 'content-type': 'application/json' },
      body: '[1,2,3]',
    });
    expect(array.status).toBe(400);
  });
});

describe('tokens on the routes that read deal data', () => {
  it('needs a token for a deal of the org, and takes the read token or the admin token', async () => {
    const base = await serve();
    const id = '0065g00000ABCDEFAA';
    const before = loaded.length;
    expect((await raw(base, { path: `/v1/opportunities/${id}/score` })).status).toBe(401);
    expect(
      (await raw(base, { path: `/v1/opportunities/${id}/score`, headers: { authorization: 'Bearer nope' } }))
        .status,
    ).toBe(401);
    expect(loaded.length).toBe(before);
    for (const token of [READ, ADMIN]) {
      const res = await raw(base, {
        path: `/v1/opportunities/${id}/score`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
    }
    expect(loaded.length).toBe(before + 2);
  });

  it('does not take the read token for admin actions', async () => {
    const base = await serve({ sweep: async () => ({ started: true }) });
    const read = await raw(base, {
      method: 'POST',
      path: '/v1/admin/sweep',
      headers: { authorization: `Bearer ${READ}` },
    });
    expect(read.status).toBe(401);
    const admin = await raw(base, {
      method: 'POST',
      path: '/v1/admin/sweep',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(admin.status).toBe(202);
  });

  it('turns the deal routes off (403) when neither token is set', async () => {
    const base = await serve({ adminToken: undefined, readToken: undefined });
    const res = await raw(base, { path: '/v1/opportunities/0065g00000ABCDEFAA/score' });
    expect(res.status).toBe(403);
    expect(res.body.error?.message).toMatch(/ADMIN_TOKEN or READ_TOKEN is not set/);
  });

  it('never logs either token', () => {
    expect(logLines.join('')).not.toContain(ADMIN);
    expect(logLines.join('')).not.toContain(READ);
  });
});

describe('snapshots in progress', () => {
  it('refuses another snapshot with 503 and Retry-After while one is being read, before reading its body', async () => {
    const base = await serve({ limits: { concurrentScores: 1 } });
    const url = new URL(base);
    // A client that sends its headers and half a body, then waits: it holds the one slot.
    let answered: (status: number) => void = () => undefined;
    const held = new Promise<number>((resolve) => (answered = resolve));
    const slow = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/v1/score',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(snapshot) },
      },
      (res) => {
        res.resume();
        answered(res.statusCode ?? 0);
      },
    );
    slow.write(snapshot.slice(0, 100));

    // Until the slow request has reached the server, a second one may still get the slot: ask again.
    const post = () =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: '/v1/score',
            headers: { 'content-type': 'application/json' },
          },
          resolve,
        );
        req.on('error', reject);
        req.end(snapshot);
      });
    let busy = await post();
    for (let i = 0; busy.statusCode !== 503 && i < 200; i++) {
      busy.resume();
      await new Promise((r) => setTimeout(r, 20));
      busy = await post();
    }
    busy.resume();
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');

    slow.end(snapshot.slice(100));
    expect(await held).toBe(200);
    // The slot is free again.
    const next = await raw(base, {
      method: 'POST',
      path: '/v1/score',
      headers: { 'content-type': 'application/json' },
      body: snapshot,
    });
    expect(next.status).toBe(200);
  });
});

describe('per-client rate limits', () => {
  it('answers 429 with Retry-After once a client passes its rate on /v1/score, without reading the body', async () => {
    const base = await serve({ limits: { scorePerMinute: 3 } });
    const post = () =>
      raw(base, {
        method: 'POST',
        path: '/v1/score',
        headers: { 'content-type': 'application/json' },
        body: snapshot,
      });
    for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('RATE_LIMITED');
    // /healthz is not limited.
    expect((await raw(base, { path: '/healthz' })).status).toBe(200);
  });

  it('limits the token routes too, wrong tokens included', async () => {
    const base = await serve({ limits: { tokenPerMinute: 2 } });
    const path = '/v1/opportunities/0065g00000ABCDEFAA/score';
    expect((await raw(base, { path, headers: { authorization: 'Bearer guess-1' } })).status).toBe(401);
    expect((await raw(base, { path, headers: { authorization: 'Bearer guess-2' } })).status).toBe(401);
    expect((await raw(base, { path, headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(429);
  });
});
