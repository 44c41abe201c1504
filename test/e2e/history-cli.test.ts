import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateOrg } from '../../src/sandbox/generator';
import { closedSnapshots } from '../../src/sandbox/closed-snapshots';

/** backtest, calibrate and rules check as a user runs them: `node dist/cli.js …`, exit codes included. */
const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const NOW = Date.parse('2026-11-15T12:00:00Z');
let dir: string;

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, RULES_FILE: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function jsonl(name: string, deals: number): string {
  const file = path.join(dir, name);
  const org = generateOrg({ deals, seed: 6, now: NOW, plantedEffect: 2, closedShare: 1 });
  writeFileSync(
    file,
    `${closedSnapshots(org)
      .map((s) => JSON.stringify(s))
      .join('\n')}\n`,
  );
  return file;
}

beforeAll(() => {
  if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  dir = mkdtempSync(path.join(tmpdir(), 'forecast-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('commitment-scorer backtest and calibrate (built)', () => {
  it('backtest prints JSON for each horizon asked for and exits 0', () => {
    const { code, stdout } = run([
      'backtest',
      '--snapshots',
      jsonl('deals.jsonl', 150),
      '--horizon',
      '30,90',
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.horizons.map((h: { horizonDays: number }) => h.horizonDays)).toEqual([30, 90]);
  });

  it('an unknown horizon exits 1 and says what a horizon is', () => {
    const { code, stderr } = run([
      'backtest',
      '--snapshots',
      path.join(dir, 'none.jsonl'),
      '--horizon',
      '30,soon',
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch('error: --horizon: "soon" is not a horizon');
    expect(stderr).toMatch('See --help.');
  });

  it('calibrate with too few deals exits 1 with the counts and the rules-only fix; nothing is written', () => {
    const out = path.join(dir, 'few.yaml');
    const { code, stderr } = run(['calibrate', '--snapshots', jsonl('few.jsonl', 60), '--out', out]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/there are \d+ won and \d+ lost/);
    expect(stderr).toMatch('rules only, not yet calibrated');
    expect(existsSync(out)).toBe(false);
  });

  it('calibrate writes a rulebook whose calibration rules check shows', () => {
    const out = path.join(dir, 'calibrated.yaml');
    const cal = run(['calibrate', '--snapshots', jsonl('many.jsonl', 500), '--out', out]);
    expect(cal.code).toBe(0);
    expect(cal.stdout).toMatch(/^Verdict: (adopt|keep)\./m);
    const check = run(['rules', 'check', out]);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(
      /^calibrated on \d+ closed deals: Brier 0\.\d\d vs 0\.\d\d for stage probability$/m,
    );
    expect(check.stdout).toMatch(/verdict: (adopt|keep)/);
    expect(run(['rules', 'check', path.join(root, 'src/rules/default-rulebook.yaml')]).stdout).toMatch(
      /^rules only, not yet calibrated$/m,
    );
  });

  it('the sandbox refuses an effect outside 0-5', () => {
    const { code, stderr } = run(['sandbox', '--effect', '-1']);
    expect(code).toBe(1);
    expect(stderr).toMatch('--effect must be a number from 0 to 5');
  });
});
