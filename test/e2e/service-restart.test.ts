import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import {
  changesThatRescore,
  savedCheckpoint,
  sellerBulkUpdate,
  staleDeals,
} from '../integration/service/org-oracle';
import { openIds, sellerConnection, until } from '../integration/service/stack';
import { recordChildOutput, recordSecrets } from '../support/log-capture';

/**
 * The built service (`node dist/cli.js serve`) as a process. R1 of the reliability plan, once: it is
 * killed with SIGKILL in the middle of a burst of seller changes, more changes land while it is down,
 * and a new process on the same STATE_DIR must finish every one of them from its checkpoint. And R2's
 * exit: SIGTERM stops it even when the org cannot be reached any more.
 */

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

const WAVES = 12;
const WAVE_SIZE = 20;
/** Waves sent only after the kill, so some changes are certainly not written when it lands. */
const AFTER_KILL = 3;

interface Served {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

let sandbox: Sandbox;
let stateDir: string;
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  // A dist from before `serve` existed (or before its modules did) cannot run this test: rebuild it.
  const runs = existsSync(cli) && spawnSync(process.execPath, [cli, 'serve', '--help']).status === 0;
  if (!runs) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  sandbox = await startSandbox({ deals: 300, seed: 5, cometdTimeoutMs: 1000 });
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'scorer-e2e-state-'));
}, 120_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sandbox?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  for (const cleanup of cleanups) await cleanup();
});

async function serve(org: Sandbox = sandbox, dir: string = stateDir): Promise<Served> {
  const proc = spawn(process.execPath, [cli, 'serve'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SF_INSTANCE_URL: org.instanceUrl,
      SF_ACCESS_TOKEN: org.accessToken,
      INTEGRATION_USER_ID: org.integrationUserId,
      STATE_DIR: dir,
      PORT: '0',
      SWEEP_INTERVAL: 'off',
      LOG_LEVEL: 'info',
    },
  });
  children.push(proc);
  recordSecrets(org.accessToken, org.sellerToken);
  let out = '';
  proc.stdout?.on('data', (chunk) => (out += String(chunk)));
  proc.stderr?.on('data', (chunk) => (out += String(chunk)));
  // Its log lines join the run-wide secret scan (test/support/log-capture.ts) once its pipes close.
  proc.once('close', () => recordChildOutput('serve', out));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await until(() => /"port":\d+/.test(out) || proc.exitCode !== null, 30_000);
  const port = /"port":(\d+)/.exec(out)?.[1];
  if (port === undefined) throw new Error(`serve did not start:\n${out}`);
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
  return { proc, url, exited, output: () => out };
}

/** A counter from /metrics, summed over its labels; 0 when it has no samples yet. */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('commitment-scorer serve (built): stopping and restarting', () => {
  it('finishes every change after SIGKILL mid-burst and a restart on the same STATE_DIR', async () => {
    const first = await serve();
    // First start without a checkpoint: every open deal is swept once.
    await until(async () => (await metric(first.url, 'commitment_scorer_sweeps_total', 'done')) >= 1, 60_000);

    const changes = [...(await changesThatRescore(sandbox, openIds(sandbox)))];
    expect(changes.length).toBeGreaterThanOrEqual(WAVES * WAVE_SIZE + 1);
    const seller = sellerConnection(sandbox);

    // One change before the burst, so the first process has stored a checkpoint to resume from.
    const [warmId, warm] = changes.shift() as (typeof changes)[number];
    await sellerBulkUpdate(seller, [{ Id: warmId, ...warm }]);
    const warmReplay = sandbox.core.bus.lastReplayId();
    await until(async () => ((await savedCheckpoint(stateDir)) ?? -1) >= warmReplay, 30_000);

    // Where in the write log each seller change landed; a write of ours after it finishes that change.
    const changedAt = new Map<string, number>();
    const finished = () => {
      const done = new Set<string>();
      sandbox.writeLog.forEach((w, at) => {
        const since = changedAt.get(w.id);
        if (since !== undefined && at > since && w.userId === sandbox.integrationUserId) done.add(w.id);
      });
      return done;
    };

    // Every REST and CometD answer takes a little longer, so the burst is still being worked on when
    // the kill lands.
    sandbox.faults.latencyMs = 30;
    let killed = false;
    let finishedAtKill = 0;
    const killer = until(() => {
      if (finished().size === 0) return false;
      first.proc.kill('SIGKILL');
      finishedAtKill = finished().size;
      killed = true;
      return true;
    }, 60_000);

    const waves = Array.from({ length: WAVES }, (_, i) => changes.slice(i * WAVE_SIZE, (i + 1) * WAVE_SIZE));
    for (const [i, wave] of waves.entries()) {
      if (i === WAVES - AFTER_KILL) await killer;
      const from = sandbox.writeLog.length;
      await sellerBulkUpdate(
        seller,
        wave.map(([Id, change]) => ({ Id, ...change })),
      );
      sandbox.writeLog.forEach((w, at) => {
        if (at >= from && w.userId === sandbox.sellerUserId) changedAt.set(w.id, at);
      });
    }
    expect(killed).toBe(true);
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const changed = [...changedAt.keys()];
    expect(changed).toHaveLength(WAVES * WAVE_SIZE);
    expect(finishedAtKill).toBeGreaterThan(0);
    expect(finishedAtKill).toBeLessThan(changed.length);
    const resumeFrom = await savedCheckpoint(stateDir);
    expect(resumeFrom).toBeGreaterThanOrEqual(warmReplay);

    sandbox.faults.latencyMs = 0;
    const second = await serve();
    await until(() => changed.every((id) => finished().has(id)), 60_000);
    expect(await staleDeals(sandbox, changed)).toEqual([]);
    // Resumed from the checkpoint by replay: no first-start sweep did the work.
    expect(await metric(second.url, 'commitment_scorer_sweeps_total')).toBe(0);
    expect(await metric(second.url, 'commitment_scorer_replay_fallbacks_total')).toBe(0);

    second.proc.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('stops on SIGTERM even when the org has gone away', async () => {
    const org = await startSandbox({ deals: 20, seed: 3, cometdTimeoutMs: 1000 });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'scorer-e2e-state-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const served = await serve(org, dir);
    await until(
      async () => (await metric(served.url, 'commitment_scorer_sweeps_total', 'done')) >= 1,
      60_000,
    );

    // The org (or the network to it) is gone when the orchestrator stops the pod.
    await org.close();
    served.proc.kill('SIGTERM');
    const stillRunning = new Promise<'still running'>((resolve) => {
      const timer = setTimeout(() => resolve('still running'), 20_000);
      void served.exited.then(() => clearTimeout(timer));
    });
    expect(await Promise.race([served.exited, stillRunning])).toEqual({ code: 0, signal: null });
    expect(served.output()).toMatch(/"msg":"Stopped"/);
  }, 60_000);
});
