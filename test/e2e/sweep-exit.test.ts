import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { openIds } from '../integration/service/stack';

/**
 * `commitment-scorer sweep` (built) against an org that refuses some rows: the run finishes, but it
 * did not do its job, so it exits non-zero and says how many rows and where they are. And an org
 * without an output field stops the sweep before it reads a deal, exit 1, naming the field.
 */

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

beforeAll(async () => {
  if (!existsSync(cli)) await promisify(execFile)('npm', ['run', 'build'], { cwd: root });
}, 120_000);

async function sweep(sandbox: Sandbox, stateDir: string) {
  const proc = spawn(process.execPath, [cli, 'sweep'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      SF_INSTANCE_URL: sandbox.instanceUrl,
      SF_ACCESS_TOKEN: sandbox.accessToken,
      STATE_DIR: stateDir,
      LOG_LEVEL: 'error',
    },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c) => (stdout += String(c)));
  proc.stderr.on('data', (c) => (stderr += String(c)));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  return { code, stdout, stderr };
}

it('exits 2 when rows were dead-lettered, saying how many and in which file', async () => {
  const sandbox = await startSandbox({ deals: 30, seed: 4 });
  const stateDir = mkdtempSync(path.join(tmpdir(), 'scorer-sweep-exit-'));
  try {
    const refused = openIds(sandbox).slice(0, 3);
    sandbox.faults.failValidation(refused);
    const { code, stdout, stderr } = await sweep(sandbox, stateDir);
    expect(code).toBe(2);
    expect(stdout).toMatch(/3 dead-lettered/);
    const file = path.join(stateDir, 'dead-letters.jsonl');
    expect(stderr).toContain(`3 deals were refused by the org and dead-lettered in ${file}`);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
  } finally {
    await sandbox.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}, 60_000);

it('exits 1 before reading a deal when the org lacks an output field', async () => {
  const sandbox = await startSandbox({
    deals: 5,
    seed: 4,
    shape: { dropFields: ['Opportunity.Commitment_Warnings__c'] },
  });
  const stateDir = mkdtempSync(path.join(tmpdir(), 'scorer-sweep-exit-'));
  try {
    const { code, stderr } = await sweep(sandbox, stateDir);
    expect(code).toBe(1);
    expect(stderr).toContain('Opportunity.Commitment_Warnings__c (output warnings) does not exist');
    expect(sandbox.stats.calls.query).toBe(0);
  } finally {
    await sandbox.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}, 60_000);
