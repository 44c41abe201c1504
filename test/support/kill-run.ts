import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { Rng } from '../../src/sandbox/prng';
import {
  changesThatRescore,
  OUTPUTS,
  savedCheckpoint,
  sellerBulkUpdate,
  staleDeals,
} from '../integration/service/org-oracle';
import { openIds, sellerConnection, until } from '../integration/service/stack';
import { recordSecrets } from './log-capture';
import { findSecrets, type Finding } from './secret-scan';

/**
 * Random kill -9 during a stream of seller changes: the built service (`node dist/cli.js serve`) as a
 * process against the sandbox org, killed with SIGKILL at a random moment after each start while the
 * stream goes on (changes also land while it is down), restarted on the same STATE_DIR, and at the
 * end checked against the org: every changed deal has a write after its change and the values a fresh
 * scoring gives. Each deal changes once, by a stage move chosen to change its outputs, so one write per
 * deal is what is needed and any further write is redundant. `npm run proof:kill` runs 50 kills over
 * 1,000 changes; test/e2e/kill-restarts.test.ts a few.
 */

export interface KillRunOptions {
  kills: number;
  changes: number;
  deals: number;
  seed: number;
  /** A kill lands this long (at most) after the service reports ready. */
  maxAliveMs: number;
  cli: string;
  log?: (line: string) => void;
}

export interface KillRunResult {
  kills: number;
  changes: number;
  changedDeals: number;
  /** Deals without a write after their change, or whose values differ from a fresh scoring. */
  lost: string[];
  writes: number;
  /** Writes beyond the one per changed deal. */
  redundantWrites: number;
  /** Writes that changed no output value (only the scored-at stamp). */
  noOpWrites: number;
  apiCalls: number;
  restartsMs: number[];
  /** Changes sent but not yet written when each kill landed. */
  unfinishedAtKills: number[];
  finalCatchUpMs: number;
  serviceLogLines: number;
  /** Everything the service processes wrote, for the run-wide secret scan. */
  serviceOutput: string;
  secretsInLogs: Finding[];
  finalExit: { code: number | null; signal: NodeJS.Signals | null };
}

interface Served {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

async function serve(cli: string, sandbox: Sandbox, stateDir: string, outputs: string[]): Promise<Served> {
  const proc = spawn(process.execPath, [cli, 'serve'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SF_INSTANCE_URL: sandbox.instanceUrl,
      SF_ACCESS_TOKEN: sandbox.accessToken,
      INTEGRATION_USER_ID: sandbox.integrationUserId,
      STATE_DIR: stateDir,
      PORT: '0',
      SWEEP_INTERVAL: 'off',
      // More than production writes, for the scan of its output for tokens.
      LOG_LEVEL: 'debug',
    },
  });
  let out = '';
  proc.stdout?.on('data', (chunk) => (out += String(chunk)));
  proc.stderr?.on('data', (chunk) => (out += String(chunk)));
  proc.once('close', () => outputs.push(out));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await until(() => /"port":\d+/.test(out) || proc.exitCode !== null, 60_000);
  const port = /"port":(\d+)/.exec(out)?.[1];
  if (port === undefined) throw new Error(`serve did not start:\n${out}`);
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200, 60_000);
  return { proc, url, exited, output: () => out };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function killRun(opts: KillRunOptions): Promise<KillRunResult> {
  const log = opts.log ?? (() => undefined);
  const rng = new Rng(opts.seed);
  // A big org's daily allocation: the proof is about kills, not about the API limit.
  const sandbox = await startSandbox({
    deals: opts.deals,
    seed: opts.seed,
    cometdTimeoutMs: 1000,
    dailyApiLimit: 10_000_000,
  });
  recordSecrets(sandbox.accessToken, sandbox.sellerToken);
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'scorer-kill-proof-'));
  const outputs: string[] = [];
  const running: Served[] = [];
  try {
    // First start: every open deal is swept; one change then gives the first checkpoint to resume from.
    let served = await serve(opts.cli, sandbox, stateDir, outputs);
    running.push(served);
    const seller = sellerConnection(sandbox);
    await until(async () => (await sweepsDone(served.url)) >= 1, 180_000);
    // Chosen against the swept values, so each change needs exactly one write.
    const pool = [...(await changesThatRescore(sandbox, openIds(sandbox)))];
    if (pool.length < opts.changes + 1)
      throw new Error(`only ${pool.length} deals have a rescoring change; raise the deal count`);
    const [warmId, warm] = pool.shift() as (typeof pool)[number];
    await sellerBulkUpdate(seller, [{ Id: warmId, ...warm }]);
    const warmReplay = sandbox.core.bus.lastReplayId();
    await until(async () => ((await savedCheckpoint(stateDir)) ?? -1) >= warmReplay, 120_000);
    log(`warm: ${sandbox.writeLog.length} writes after the first sweep, checkpoint ${warmReplay}`);

    const changes = pool.slice(0, opts.changes);
    const streamFrom = sandbox.writeLog.length;
    const callsFrom = totalCalls(sandbox);
    const changedAt = new Map<string, number>();
    const send = async (batch: typeof changes) => {
      const from = sandbox.writeLog.length;
      await sellerBulkUpdate(
        seller,
        batch.map(([Id, change]) => ({ Id, ...change })),
      );
      sandbox.writeLog.forEach((w, at) => {
        if (at >= from && w.userId === sandbox.sellerUserId) changedAt.set(w.id, at);
      });
    };

    const perCycle = Math.ceil(changes.length / opts.kills);
    const waves = Math.ceil(perCycle / 5);
    const restartsMs: number[] = [];
    const unfinishedAtKills: number[] = [];
    const finished = () => {
      const done = new Set<string>();
      sandbox.writeLog.forEach((w, at) => {
        const since = changedAt.get(w.id);
        if (since !== undefined && at > since && w.userId === sandbox.integrationUserId) done.add(w.id);
      });
      return done;
    };
    for (let k = 0; k < opts.kills; k++) {
      const segment = changes.slice(k * perCycle, (k + 1) * perCycle);
      const aliveMs = rng.int(0, opts.maxAliveMs);
      const target = served;
      // The stream goes on regardless of the kill: waves of five changes at random spacing, spread over
      // about as long as a process lives, so kills land before, during and after the work on them.
      const stream = (async () => {
        for (let i = 0; i < segment.length; i += 5) {
          await send(segment.slice(i, i + 5));
          await sleep(rng.int(0, Math.floor((2 * opts.maxAliveMs) / waves)));
        }
      })();
      await sleep(aliveMs);
      target.proc.kill('SIGKILL');
      unfinishedAtKills.push(changedAt.size - finished().size);
      const exit = await target.exited;
      if (exit.signal !== 'SIGKILL')
        throw new Error(
          `kill ${k + 1}: the service had already exited: ${JSON.stringify(exit)}\n${target.output()}`,
        );
      await stream;
      const restartAt = Date.now();
      served = await serve(opts.cli, sandbox, stateDir, outputs);
      running.push(served);
      restartsMs.push(Date.now() - restartAt);
      log(
        `kill ${k + 1}/${opts.kills} after ${aliveMs} ms alive, ${unfinishedAtKills.at(-1)} changes unwritten; ` +
          `${changedAt.size} sent, restarted in ${restartsMs.at(-1)} ms`,
      );
    }

    // The last process finishes everything from its checkpoint.
    const changed = [...changedAt.keys()];
    const catchUpFrom = Date.now();
    await until(() => finished().size === changed.length, 180_000).catch(() => undefined);
    await until(
      async () => ((await savedCheckpoint(stateDir)) ?? -1) >= sandbox.core.bus.lastReplayId(),
      60_000,
    ).catch(() => undefined);
    const finalCatchUpMs = Date.now() - catchUpFrom;
    const done = finished();
    const stale = await staleDeals(sandbox, changed);
    const lost = [...new Set([...changed.filter((id) => !done.has(id)), ...stale])];
    const writes = tally(sandbox, streamFrom);
    const apiCalls = totalCalls(sandbox) - callsFrom;
    served.proc.kill('SIGTERM');
    const finalExit = await served.exited;
    await until(() => outputs.length === running.length, 10_000).catch(() => undefined);
    const text = outputs.join('\n');
    return {
      kills: opts.kills,
      changes: changes.length,
      changedDeals: changed.length,
      lost,
      ...writes,
      redundantWrites: writes.writes - done.size,
      apiCalls,
      restartsMs,
      unfinishedAtKills,
      finalCatchUpMs,
      serviceLogLines: text.split('\n').filter((l) => l.trim() !== '').length,
      serviceOutput: text,
      secretsInLogs: findSecrets(text, [sandbox.accessToken, sandbox.sellerToken]),
      finalExit,
    };
  } finally {
    for (const s of running)
      if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    await sandbox.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** commitment_scorer_sweeps_total{outcome="done"} from /metrics. */
async function sweepsDone(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('commitment_scorer_sweeps_total{') && l.includes('"done"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

function totalCalls(sandbox: Sandbox): number {
  return Object.values(sandbox.stats.calls).reduce((a, b) => a + b, 0);
}

/** Our writes since `from`, and those that changed nothing but the scored-at stamp. */
function tally(sandbox: Sandbox, from: number): { writes: number; noOpWrites: number } {
  const last = new Map<string, Record<string, unknown>>();
  let writes = 0;
  let noOpWrites = 0;
  sandbox.writeLog.forEach((w, at) => {
    if (w.object !== 'Opportunity' || w.userId !== sandbox.integrationUserId) return;
    const values = Object.fromEntries(Object.entries(w.fields).filter(([k]) => k !== OUTPUTS.scoredAt));
    const before = last.get(w.id);
    last.set(w.id, { ...before, ...values });
    if (at < from) return;
    writes++;
    if (before && Object.entries(values).every(([k, v]) => JSON.stringify(before[k]) === JSON.stringify(v)))
      noOpWrites++;
  });
  return { writes, noOpWrites };
}
