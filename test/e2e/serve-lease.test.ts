import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { changesThatRescore, sellerEdit, writesSince } from '../integration/service/org-oracle';
import { openIds, until } from '../integration/service/stack';

/**
 * The built service as processes. Before, two `serve` processes on one org and one STATE_DIR both
 * consumed (API calls doubled, the checkpoint moved backwards); a refused token at start was only
 * noticed by the streaming watchdog minutes later. Now the second one stands by until the holder of
 * the STATE_DIR lease dies, and the start fails at once, naming the fix.
 */

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

interface Served {
  proc: ChildProcess;
  url: () => string | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

let sandbox: Sandbox;
const children: ChildProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  const runs = existsSync(cli) && spawnSync(process.execPath, [cli, 'dead-letters', '--help']).status === 0;
  if (!runs) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  sandbox = await startSandbox({ deals: 40, seed: 11, cometdTimeoutMs: 1000 });
}, 120_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sandbox?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'scorer-e2e-lease-'));
  dirs.push(dir);
  return dir;
}

function serve(dir: string, env: Record<string, string> = {}): Served {
  const proc = spawn(process.execPath, [cli, 'serve'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SF_INSTANCE_URL: sandbox.instanceUrl,
      SF_ACCESS_TOKEN: sandbox.accessToken,
      INTEGRATION_USER_ID: sandbox.integrationUserId,
      STATE_DIR: dir,
      PORT: '0',
      SWEEP_INTERVAL: 'off',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  children.push(proc);
  let out = '';
  proc.stdout?.on('data', (chunk) => (out += String(chunk)));
  proc.stderr?.on('data', (chunk) => (out += String(chunk)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = () => {
    const port = /"port":(\d+)/.exec(out)?.[1];
    return port === undefined ? undefined : `http://127.0.0.1:${port}`;
  };
  return { proc, url, exited, output: () => out };
}

async function readyz(s: Served): Promise<{ status: number; reason?: string }> {
  const res = await fetch(`${s.url()}/readyz`);
  return { status: res.status, reason: ((await res.json()) as { reason?: string }).reason };
}

async function metric(s: Served, name: string): Promise<number> {
  const text = await (await fetch(`${s.url()}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('one consumer per STATE_DIR', () => {
  it('keeps a second serve on standby, consuming nothing, until the holder is killed; then it takes over', async () => {
    const dir = await stateDir();
    const first = serve(dir);
    await until(() => first.url() !== undefined, 30_000);
    await until(async () => (await readyz(first)).status === 200, 30_000);

    const second = serve(dir);
    await until(() => second.url() !== undefined, 30_000);
    await until(async () => /standing by/.test(second.output()), 30_000);
    const standby = await readyz(second);
    expect(standby.status).toBe(503);
    expect(standby.reason).toMatch(/^standby: another service holds the lease .*service\.lock/);

    // A change is consumed by the holder only: one streaming client, no events received by the standby.
    const [[a, changeA], [b, changeB]] = [...(await changesThatRescore(sandbox, openIds(sandbox)))];
    let from = sandbox.writeLog.length;
    sellerEdit(sandbox, a, changeA);
    await until(() => writesSince(sandbox, from).has(a), 30_000);
    expect(sandbox.cometdClients()).toBe(1);
    expect(await metric(second, 'commitment_scorer_events_received_total')).toBe(0);
    expect(await metric(second, 'commitment_scorer_api_calls_total')).toBe(0);

    first.proc.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The lease goes stale after 10 s without a refresh; the standby checks every 2 s.
    await until(async () => (await readyz(second)).status === 200, 60_000);
    from = sandbox.writeLog.length;
    sellerEdit(sandbox, b, changeB);
    await until(() => writesSince(sandbox, from).has(b), 30_000);
    expect(await metric(second, 'commitment_scorer_events_received_total')).toBeGreaterThan(0);

    second.proc.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }, 150_000);

  it('stops a standby on SIGTERM', async () => {
    const dir = await stateDir();
    const holder = serve(dir);
    await until(async () => holder.url() !== undefined && (await readyz(holder)).status === 200, 30_000);
    const standby = serve(dir);
    await until(() => /standing by/.test(standby.output()), 30_000);
    standby.proc.kill('SIGTERM');
    expect(await standby.exited).toEqual({ code: 0, signal: null });
    holder.proc.kill('SIGTERM');
    expect(await holder.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});

describe('starting serve', () => {
  it('exits 1 on a corrupt checkpoint, naming the file and what to do', async () => {
    const dir = await stateDir();
    const file = path.join(dir, 'checkpoint-_data_Commitment_Scorer__chn.json');
    writeFileSync(file, '{"channel":"/data/Commitment_Scorer__chn","replayId":"twelve"}');
    const served = serve(dir);
    expect(await served.exited).toEqual({ code: 1, signal: null });
    expect(served.output()).toContain(`The checkpoint ${file} is not a checkpoint`);
    expect(served.output()).toMatch(/Move it aside \(mv /);
  }, 60_000);

  it('exits 2 at once when the org refuses the token, naming the fix', async () => {
    const served = serve(await stateDir(), { SF_ACCESS_TOKEN: '00Dxx0000000000!refused-token' });
    // Before, the start waited for the streaming watchdog (160 s); the deadline here is far shorter.
    const late = new Promise<'still running'>((resolve) => {
      const timer = setTimeout(() => resolve('still running'), 30_000);
      void served.exited.then(() => clearTimeout(timer));
    });
    expect(await Promise.race([served.exited, late])).toEqual({ code: 2, signal: null });
    expect(served.output()).toMatch(/The org refused our credentials/);
    expect(served.output()).toMatch(/set a fresh SF_ACCESS_TOKEN/);
    expect(served.output()).not.toContain('refused-token');
  }, 60_000);
});

describe('commitment-scorer dead-letters list', () => {
  it('prints the letters as a table or as JSON, and warns about a torn last line', async () => {
    const dir = await stateDir();
    const letter = {
      at: '2026-11-20T12:00:00.000Z',
      replayId: 42,
      recordIds: ['0065g00000ABCDEFAA'],
      code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      reason: 'Next Step is required',
    };
    writeFileSync(path.join(dir, 'dead-letters.jsonl'), `${JSON.stringify(letter)}\n{"at":"2026-11-2`);
    const list = (...args: string[]) =>
      spawnSync(process.execPath, [cli, 'dead-letters', 'list', ...args], {
        env: { PATH: process.env.PATH, STATE_DIR: dir },
        encoding: 'utf8',
      });
    const table = list();
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^AT\s+REPLAY ID\s+CODE\s+RECORDS\s+REASON$/m);
    expect(table.stdout).toMatch(/42\s+FIELD_CUSTOM_VALIDATION_EXCEPTION\s+0065g00000ABCDEFAA\s+Next Step/);
    expect(table.stderr).toMatch(/line 2 is not a dead letter/);
    const json = list('--format', 'json');
    expect(JSON.parse(json.stdout)).toEqual({
      letters: [letter],
      unreadable: [{ file: path.join(dir, 'dead-letters.jsonl'), line: 2 }],
    });
    expect(list('--format', 'xml').status).toBe(1);
  });
});
