import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { until } from '../integration/service/stack';

/**
 * The production recipe of the README, as a container or a server runs it: the built dist/ next to
 * package.json and the lockfile, `npm ci --omit=dev` (no TypeScript, no jest, no tsx), then
 * `node dist/cli.js serve`. The install prefers the npm cache the checkout's own install filled (no
 * network once that has run) and installs exactly the locked versions.
 */

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
let dir: string;
let sandbox: Sandbox;

beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: root });
  dir = mkdtempSync(path.join(tmpdir(), 'scorer-production-'));
  for (const file of ['package.json', 'package-lock.json'])
    cpSync(path.join(root, file), path.join(dir, file));
  cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: 'production' },
    maxBuffer: 16 * 1024 * 1024,
  });
  sandbox = await startSandbox({ deals: 20, seed: 9, cometdTimeoutMs: 1000 });
}, 300_000);

afterAll(async () => {
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('installs without dev dependencies', () => {
  for (const dev of ['typescript', 'jest', 'tsx', 'ts-jest', '@salesforce/source-deploy-retrieve'])
    expect(existsSync(path.join(dir, 'node_modules', dev))).toBe(false);
  expect(existsSync(path.join(dir, 'node_modules', 'jsforce'))).toBe(true);
});

it('node dist/cli.js serve starts, gets ready, scores the org and stops on SIGTERM with exit 0', async () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'scorer-production-state-'));
  const proc = spawn(process.execPath, ['dist/cli.js', 'serve'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      SF_INSTANCE_URL: sandbox.instanceUrl,
      SF_ACCESS_TOKEN: sandbox.accessToken,
      INTEGRATION_USER_ID: sandbox.integrationUserId,
      STATE_DIR: stateDir,
      PORT: '0',
      SWEEP_INTERVAL: 'off',
    },
  });
  let out = '';
  proc.stdout.on('data', (c) => (out += String(c)));
  proc.stderr.on('data', (c) => (out += String(c)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  try {
    await until(() => /"port":\d+/.test(out) || proc.exitCode !== null, 60_000);
    const port = /"port":(\d+)/.exec(out)?.[1];
    if (port === undefined) throw new Error(`serve did not start:\n${out}`);
    await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000);
    // The first start sweeps: the integration user writes every open deal once.
    await until(() => sandbox.writeLog.some((w) => w.userId === sandbox.integrationUserId), 60_000);
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).not.toMatch(/Cannot find module|not found/);
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
}, 120_000);
