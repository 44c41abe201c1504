/**
 * Pipeline benchmark (not a test): the built service (`node dist/cli.js serve`) against the sandbox
 * org, each in its own process, measured from the outside the way an operator would see them.
 *
 *   1. first start: the service sweeps every open deal (time, peak RSS of the service, API calls);
 *   2. burst: a seller logs an inbound call on N deals at once (API calls per scored deal);
 *   3. steady: changes at a fixed rate (change → write latency p50/p99, sustained events/s);
 *   4. isolated: single changes with quiet in between (API calls per deal when nothing coalesces).
 *
 * Usage: npm run bench:pipeline [-- --deals 100000 --burst 1000 --rate 50 --seconds 20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Connection } from 'jsforce';
import { startSandbox } from '../../src/sandbox';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const mb = (kb: number): string => `${Math.round(kb / 1024)} MB`;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROOT = path.resolve(__dirname, '..', '..');

interface OrgInfo {
  url: string;
  accessToken: string;
  sellerToken: string;
  integrationUserId: string;
  open: string[];
  contacts: Record<string, string>;
}

interface WriteLogEntry {
  time: string;
  object: string;
  id: string;
  userId: string;
}

/** Child: the sandbox org with a large daily API allocation (a big org), serving until killed. */
async function serveOrg(deals: number): Promise<void> {
  const sb = await startSandbox({ deals, seed: 11, dailyApiLimit: 5_000_000 });
  const opps = [...sb.store.all('Opportunity')];
  const roles = [...sb.store.all('OpportunityContactRole')];
  const contacts: Record<string, string> = {};
  for (const r of roles) contacts[String(r.OpportunityId)] ??= String(r.ContactId);
  const info: OrgInfo = {
    url: sb.url,
    accessToken: sb.accessToken,
    sellerToken: sb.sellerToken,
    integrationUserId: sb.integrationUserId,
    open: opps.filter((o) => !o.IsClosed).map((o) => String(o.Id)),
    contacts,
  };
  out(JSON.stringify(info));
}

async function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve));
}

/** The service's log lines, parsed; resolves `waitFor(msg)` when one with that message appears. */
function watchLog(child: ChildProcess) {
  const seen: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (l: Record<string, unknown>) => void }[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    seen.push(line);
    for (const w of waiters.filter((x) => x.msg === line.msg)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  return {
    waitFor: (msg: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const hit = seen.find((l) => l.msg === msg);
        if (hit) resolve(hit);
        else waiters.push({ msg, resolve });
      }),
  };
}

/** Peak resident memory of a process: the kernel's high-water mark (VmHWM) in kB. */
function peakRssKb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function admin<T>(org: OrgInfo, route: string): Promise<T> {
  const res = await fetch(`${org.url}/__sandbox/${route}`);
  return (await res.json()) as T;
}

async function apiCalls(org: OrgInfo): Promise<number> {
  const s = await admin<{ calls: Record<string, number> }>(org, 'stats');
  return s.calls.query + s.calls.composite + s.calls.sobject;
}

async function serviceWrites(org: OrgInfo): Promise<WriteLogEntry[]> {
  const log = await admin<WriteLogEntry[]>(org, 'write-log');
  return log.filter((w) => w.object === 'Opportunity' && w.userId === org.integrationUserId);
}

/** An inbound call from the deal's contact, logged today: a customer yes, so the deal's fields move. */
function inboundCall(org: OrgInfo, oppId: string, n: number) {
  return {
    WhatId: oppId,
    WhoId: org.contacts[oppId] ?? null,
    Subject: `Inbound call ${n}`,
    TaskSubtype: 'Call',
    Type: 'Call',
    CallType: 'Inbound',
    Status: 'Completed',
    ActivityDate: new Date().toISOString().slice(0, 10),
  };
}

async function waitWritten(org: OrgInfo, ids: Set<string>, since: number, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const writes = await serviceWrites(org);
    const seen = new Map<string, number>();
    for (const w of writes) {
      const t = Date.parse(w.time);
      if (t >= since && ids.has(w.id) && !seen.has(w.id)) seen.set(w.id, t);
    }
    if (seen.size >= ids.size || Date.now() > end) return seen;
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const deals = arg('deals', 100_000);
  if (process.argv.includes('--org')) return serveOrg(deals);
  const burst = arg('burst', 1000);
  const rate = arg('rate', 50);
  const seconds = arg('seconds', 20);
  out(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, node ${process.version}`,
  );

  const orgProc = spawn(process.execPath, ['-r', 'tsx/cjs', __filename, '--org', '--deals', String(deals)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const org = JSON.parse(await firstLine(orgProc)) as OrgInfo;
  out(`input: sandbox org with ${deals} opportunities, ${org.open.length} open (own process)`);

  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bench-pipeline-'));
  const callsBefore = await apiCalls(org);
  const t0 = Date.now();
  const service = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'serve'], {
    env: {
      ...process.env,
      SF_INSTANCE_URL: org.url,
      SF_ACCESS_TOKEN: org.accessToken,
      INTEGRATION_USER_ID: org.integrationUserId,
      STATE_DIR: stateDir,
      PORT: '0',
      SWEEP_INTERVAL: 'off',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const log = watchLog(service);
  const swept = await log.waitFor('Sweep finished');
  const sweepMs = Date.now() - t0;
  const sweepCalls = (await apiCalls(org)) - callsBefore;
  const sweepRss = peakRssKb(service.pid!);
  out('');
  out('| measure | aim | result |');
  out('| --- | --- | --- |');
  out(
    `| first-start sweep of ${swept.total as number} open deals | ≤ 3 min | ${(sweepMs / 1000).toFixed(1)} s (incl. start-up) |`,
  );
  out(`| service peak RSS during the sweep | ≤ 300 MB | ${mb(sweepRss)} |`);
  out(
    `| API calls for the sweep | — | ${sweepCalls} (${(sweepCalls / (swept.total as number)).toFixed(4)} per deal) |`,
  );

  const seller = new Connection({ instanceUrl: org.url, accessToken: org.sellerToken, version: '62.0' });
  // Burst: N deals change at once.
  const burstIds = org.open.slice(0, burst);
  await sleep(500);
  const beforeBurst = await apiCalls(org);
  const tBurst = Date.now();
  for (let i = 0; i < burstIds.length; i += 200) {
    const rows = burstIds.slice(i, i + 200).map((id, k) => inboundCall(org, id, i + k));
    await seller.sobject('Task').create(rows, { allOrNone: false });
  }
  const sellerCalls = Math.ceil(burstIds.length / 200);
  const burstSeen = await waitWritten(org, new Set(burstIds), tBurst, 120_000);
  const burstMs = Math.max(...burstSeen.values()) - tBurst;
  await sleep(1500); // let echoes arrive and be skipped: they must cost nothing
  const burstCalls = (await apiCalls(org)) - beforeBurst - sellerCalls;
  out(
    `| burst of ${burstIds.length} changed deals: API calls per deal | ≤ 0.015 | ${(burstCalls / burstIds.length).toFixed(4)} (${burstCalls} calls; ${burstSeen.size} written in ${(burstMs / 1000).toFixed(1)} s, ${Math.round(burstSeen.size / (burstMs / 1000))} deals/s) |`,
  );

  // Steady: `rate` single changes a second, each on its own deal.
  const steadyIds = org.open.slice(burst, burst + rate * seconds);
  const changedAt = new Map<string, number>();
  const tSteady = Date.now();
  const beforeSteady = await apiCalls(org);
  const sends: Promise<unknown>[] = [];
  for (const [n, id] of steadyIds.entries()) {
    const due = tSteady + (n * 1000) / rate;
    await sleep(Math.max(0, due - Date.now()));
    sends.push(
      seller
        .sobject('Task')
        .create(inboundCall(org, id, n))
        .then(() => changedAt.set(id, Date.now())),
    );
  }
  await Promise.all(sends);
  const steadySeen = await waitWritten(org, new Set(steadyIds), tSteady, 60_000);
  const latencies = [...steadySeen].map(([id, t]) => t - (changedAt.get(id) ?? t));
  const steadySpan = (Math.max(...steadySeen.values()) - tSteady) / 1000;
  await sleep(1500);
  const steadyCalls = (await apiCalls(org)) - beforeSteady - steadyIds.length;
  out(
    `| ${rate} changes/s for ${seconds} s: change → write latency | p99 ≤ 1 s | p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms (${steadySeen.size}/${steadyIds.length} written) |`,
  );
  out(
    `| sustained rate at ${rate}/s | ${rate} events/s | ${(steadySeen.size / steadySpan).toFixed(1)} deals/s written; ${(steadyCalls / steadyIds.length).toFixed(3)} API calls per deal |`,
  );

  // Isolated: one change, then quiet; nothing to coalesce with.
  const lone = org.open.slice(burst + rate * seconds, burst + rate * seconds + 10);
  const beforeLone = await apiCalls(org);
  const loneLatency: number[] = [];
  for (const [n, id] of lone.entries()) {
    const t = Date.now();
    await seller.sobject('Task').create(inboundCall(org, id, n));
    const seen = await waitWritten(org, new Set([id]), t, 10_000);
    loneLatency.push((seen.get(id) ?? NaN) - t);
    await sleep(600);
  }
  const loneCalls = (await apiCalls(org)) - beforeLone - lone.length;
  out(
    `| isolated changes (${lone.length}, one at a time) | — | ${(loneCalls / lone.length).toFixed(2)} API calls per deal, latency p50 ${pct(loneLatency, 50)} ms |`,
  );
  out(`| service peak RSS over the whole run | ≤ 300 MB | ${mb(peakRssKb(service.pid!))} |`);

  service.kill('SIGTERM');
  await new Promise((r) => service.once('exit', r));
  orgProc.kill();
  rmSync(stateDir, { recursive: true, force: true });
}

void main();
