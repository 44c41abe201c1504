/**
 * /healthz latency while 8 abusive clients post large invalid deal snapshots to POST /v1/score as
 * fast as they can. The service (the real Express app, default rulebook, no org) runs in one child
 * process, the abusers in another, and this process only probes /healthz every 10 ms, so the figures
 * are the service's event loop, not the load generator's. Scenarios in the same run, as ratios to the
 * quiet baseline:
 *   quiet              no abusers
 *   shipped limits     the defaults: 256 KB bodies, 500 rows a list, 60 requests a minute a client,
 *                      1 snapshot in progress at a time (more get 503 before their body is read)
 *   no rate limit      the same with the per-client rate lifted (all 8 clients share 127.0.0.1 here,
 *                      so the rate limit alone would hide what the other limits do)
 *   sizes only         body and list limits alone: no rate, no in-progress limit
 *   old limits         1 MB bodies, no list limit, no rate or in-progress limit (the surface before)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApp } from '../../src/http/app';
import type { HttpLimits } from '../../src/http/limits';
import { createMetrics } from '../../src/http/metrics';
import { createLogger } from '../../src/lib/logger';
import { loadRulebookFile } from '../../src/rules/load-rulebook';
import { machineLine } from './machine';

const CLIENTS = 8;
const children: ChildProcess[] = [];
// Children die with the benchmark, however it ends.
process.on('exit', () => children.forEach((c) => c.kill()));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

/** A snapshot of `rows` invalid rows a list: every row fails validation, so all of it is walked. */
function invalidSnapshot(rows: number): string {
  const bad = (i: number) => ({
    Id: i,
    CreatedDate: 'not a date',
    Status: 7,
    WhoId: { x: i },
    Subject: 'x'.repeat(40),
  });
  const list = () => Array.from({ length: rows }, (_, i) => bad(i));
  return JSON.stringify({
    opportunity: { Id: '006000000000001AAA', StageName: 3, Probability: 'high', Amount: 'lots' },
    tasks: list(),
    events: list(),
    emails: list(),
    history: list(),
  });
}

/**
 * Under the shipped limits: the largest invalid snapshot they let through, one over the list limit,
 * and one over the body size. Before the limits: a 1 MB snapshot of invalid rows.
 */
const BODIES = {
  shipped: () => [invalidSnapshot(500), invalidSnapshot(501), invalidSnapshot(4000)],
  old: () => [invalidSnapshot(2000)],
};

async function serve(limits: Partial<HttpLimits>): Promise<void> {
  const rulebook = loadRulebookFile();
  const app = createApp({
    logger: createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) }),
    metrics: createMetrics(),
    rulebook: () => rulebook,
    now: Date.now,
    notReadyReason: async () => undefined,
    adminToken: undefined,
    limits,
  });
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
}

async function abuse(port: number, bodies: string[]): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const post = (body: string) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/score',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', () => resolve());
      req.end(body);
    });
  const client = async (n: number) => {
    for (let i = n; ; i++) await post(bodies[i % bodies.length]);
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
}

function child(args: string[]): { proc: ChildProcess; firstLine: Promise<string> } {
  const proc = spawn(process.execPath, [...process.execArgv, __filename, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = new Promise<string>((resolve) => {
    let out = '';
    proc.stdout?.on('data', (c) => {
      out += String(c);
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
  });
  return { proc, firstLine };
}

async function probe(port: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const start = performance.now();
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
    times.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 10));
  }
  agent.destroy();
  return times;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

async function scenario(name: string, limits: Partial<HttpLimits> | undefined, bodies: keyof typeof BODIES) {
  const server = child(['--serve', JSON.stringify(limits ?? {})]);
  const port = Number(await server.firstLine);
  const abusers = limits === undefined ? undefined : child(['--abuse', String(port), bodies]);
  // Real abusers run on their own machines: here they get the CPU the service leaves, so the figure
  // is what the service does with their requests, not how the two share a core.
  if (abusers?.proc.pid !== undefined) os.setPriority(abusers.proc.pid, 19);
  await new Promise((r) => setTimeout(r, 500)); // let the abusers get going
  const times = (await probe(port)).sort((a, b) => a - b);
  abusers?.proc.kill();
  server.proc.kill();
  return {
    name,
    probes: times.length,
    p50: pct(times, 50),
    p99: pct(times, 99),
    max: times[times.length - 1],
  };
}

async function main(): Promise<void> {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === '--serve') return serve(JSON.parse(a) as Partial<HttpLimits>);
  if (mode === '--abuse') return abuse(Number(a), BODIES[b as keyof typeof BODIES]());

  const [underLimits, overList, oversize] = BODIES.shipped();
  const [oldWorst] = BODIES.old();
  console.log(machineLine());
  console.log(
    `${CLIENTS} abusive clients, ${SECONDS} s a scenario; bodies: ${kb(underLimits)} (500 invalid rows a list), ` +
      `${kb(overList)} (501), ${kb(oversize)} (over 256 KB); old limits: ${kb(oldWorst)}`,
  );
  const unlimited = { scorePerMinute: 1e9, concurrentScores: 1e9 };
  const rows = [
    await scenario('quiet', undefined, 'shipped'),
    await scenario('shipped limits', {}, 'shipped'),
    await scenario('no rate limit', { scorePerMinute: 1e9 }, 'shipped'),
    await scenario('sizes only', unlimited, 'shipped'),
    await scenario(
      'old limits',
      { ...unlimited, bodyBytes: 1024 * 1024, listItems: Number.MAX_SAFE_INTEGER },
      'old',
    ),
  ];
  const base = rows[0].p99;
  console.log('scenario          probes   p50 ms   p99 ms   max ms   p99 ÷ quiet');
  for (const r of rows)
    console.log(
      `${r.name.padEnd(16)} ${String(r.probes).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.max.toFixed(1).padStart(8)} ${(r.p99 / base).toFixed(1).padStart(12)}`,
    );
}

const kb = (s: string) => `${Math.round(Buffer.byteLength(s) / 1024)} KB`;

void main();
