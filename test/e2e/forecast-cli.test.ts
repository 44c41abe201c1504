import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `forecast` and `rules diff` as a user runs them (`node dist/cli.js …`), against the built-in sandbox org. */
const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const AS_OF = '2026-11-20T12:00:00Z';

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
});

describe('commitment-scorer forecast (built)', () => {
  it('prints the forecast of a period as JSON, with the calibration status', () => {
    const { code, stdout } = run([
      'forecast',
      '--sandbox',
      '--seed',
      '7',
      '--period',
      '2026-Q4',
      '--format',
      'json',
      '--as-of',
      AS_OF,
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.period).toEqual({ label: '2026-Q4', from: '2026-10-01', to: '2026-12-31' });
    expect(report.totals.count).toBeGreaterThan(0);
    expect(report.totals.gap).toBe(report.totals.stageWeighted - report.totals.adjusted);
    expect(report.groups.reduce((n: number, g: { count: number }) => n + g.count, 0)).toBe(
      report.totals.count,
    );
    expect(report.calibration).toEqual({ calibrated: false });
    for (const d of report.largestGaps)
      expect(d.closeDate >= '2026-10-01' && d.closeDate <= '2026-12-31').toBe(true);
  });

  it('prints a table with the calibration line, a CSV, and a standalone HTML file with the chart library inlined', () => {
    const table = run([
      'forecast',
      '--sandbox',
      '--seed',
      '7',
      '--period',
      '2026-Q4',
      '--as-of',
      AS_OF,
      '--by',
      'stage',
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Adjusted probabilities: rules only, not calibrated.');
    expect(table.stdout).toContain('Deals with the largest gap:');
    const csv = run([
      'forecast',
      '--sandbox',
      '--seed',
      '7',
      '--period',
      '2026-Q4',
      '--as-of',
      AS_OF,
      '--format',
      'csv',
    ]);
    expect(csv.stdout.split('\n')[0]).toBe('period,by,key,label,deals,amount,stage_weighted,adjusted,gap');
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'forecast-')), 'forecast.html');
    const html = run([
      'forecast',
      '--sandbox',
      '--seed',
      '7',
      '--period',
      '2026-Q4',
      '--as-of',
      AS_OF,
      '--format',
      'html',
      '--out',
      out,
    ]);
    expect(html.code).toBe(0);
    const page = readFileSync(out, 'utf8');
    expect(page).toContain('Forecast review 2026-Q4');
    expect(page).not.toContain('src="/assets/');
    expect(page).toMatch(/Chart\.js v4/);
  });

  it.each([
    [['--period', '2026-Q5'], '"2026-Q5" is not a forecast period'],
    [['--by', 'region'], '--by "region" is not one of owner, stage, flag'],
    [['--format', 'pdf'], '--format "pdf" is not one of table, csv, json, html'],
    [['--top', 'many'], '--top "many" must be a whole number'],
  ])('rejects %j with exit code 1 and names the value', (flags, message) => {
    const { code, stderr } = run(['forecast', '--sandbox', ...flags]);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
  });

  it('refuses without an org and says how to use the sandbox instead', () => {
    const { code, stderr } = run(['forecast']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/No org is configured: set SF_ORG.*or pass --sandbox/);
  });
});

describe('commitment-scorer rules diff (built)', () => {
  it('shows what a threshold change does on the open deals', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'diff-'));
    const before = path.join(root, 'src', 'rules', 'default-rulebook.yaml');
    const after = path.join(dir, 'after.yaml');
    writeFileSync(
      after,
      readFileSync(before, 'utf8').replace(
        '{ signal: daysSinceLastYes, gt: 21 }',
        '{ signal: daysSinceLastYes, gt: 60 }',
      ),
    );
    const { code, stdout } = run([
      'rules',
      'diff',
      before,
      after,
      '--sandbox',
      '--seed',
      '7',
      '--format',
      'json',
      '--as-of',
      AS_OF,
    ]);
    expect(code).toBe(0);
    const diff = JSON.parse(stdout);
    const flag = diff.flags.find((f: { code: string }) => f.code === 'NO_RECENT_CUSTOMER_YES');
    expect(flag.lost).toBeGreaterThan(0);
    expect(flag.gained).toBe(0);
    expect(flag.after).toBe(flag.before - flag.lost);
    // Losing a negative-weight flag can only raise a deal's probability.
    expect(diff.change.down).toBe(0);
    expect(diff.change.up).toBeGreaterThan(0);
    expect(diff.movers.every((m: { change: number }) => m.change >= 0)).toBe(true);
    // 300 generated deals close too few for a backtest; the report says so in words.
    expect(diff.backtest).toMatchObject({
      status: 'not run',
      horizonDays: 30,
      from: '2025-11-21',
      to: '2026-11-20',
    });
    expect(diff.backtest.reason).toMatch(
      /^not run: (\d+ won and \d+ lost closed deals|no closed deals) in 2025-11-21\.\.2026-11-20; needs 30/,
    );
    const table = run(['rules', 'diff', before, after, '--sandbox', '--seed', '7', '--as-of', AS_OF]);
    expect(table.stdout).toContain('Deals that move most:');
    expect(table.stdout).toContain('Backtest side by side: not run: ');
  });

  it('rejects a half range or a second horizon before reading any deal', () => {
    const rb = path.join(root, 'src', 'rules', 'default-rulebook.yaml');
    const half = run(['rules', 'diff', rb, rb, '--sandbox', '--from', '2026-01-01']);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain('--to is missing: --from and --to go together');
    const two = run(['rules', 'diff', rb, rb, '--sandbox', '--horizon', '30,60']);
    expect(two.code).toBe(1);
    expect(two.stderr).toContain('--horizon: rules diff backtests one horizon');
  });
});
