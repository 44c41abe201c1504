import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { killRun } from '../support/kill-run';
import { recordChildOutput } from '../support/log-capture';

/**
 * The kill proof in small (`npm run proof:kill` runs 50 kills over 1,000 changes): the built service
 * is killed with SIGKILL three times at random moments of a stream of seller changes, restarted on
 * the same STATE_DIR each time, and every changed deal must end written with the values a fresh
 * scoring gives (redundant writes are counted by the proof script, not asserted here).
 */

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

beforeAll(() => {
  const runs = existsSync(cli) && spawnSync(process.execPath, [cli, 'serve', '--help']).status === 0;
  if (!runs) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}, 120_000);

describe('commitment-scorer serve (built) killed at random during a stream of changes', () => {
  it('loses no change over three kills -9: every changed deal written with fresh values', async () => {
    const result = await killRun({ kills: 3, changes: 60, deals: 150, seed: 11, maxAliveMs: 1500, cli });
    recordChildOutput('kill-restarts', result.serviceOutput);
    expect(result.changedDeals).toBe(60);
    expect(result.lost).toEqual([]);
    expect(result.writes - result.redundantWrites).toBe(60);
    expect(result.secretsInLogs).toEqual([]);
    expect(result.finalExit).toEqual({ code: 0, signal: null });
  }, 180_000);
});
