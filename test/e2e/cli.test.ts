import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The built command, run as a user runs it: `node dist/cli.js …`. Build first (`npm run build`). */
const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const examples = path.join(root, 'scripts', 'examples');
const rulebooks = path.join(root, 'test', 'fixtures', 'rulebooks');

function run(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, RULES_FILE: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
});

describe('commitment-scorer (built)', () => {
  it('scores an example snapshot and prints the score result as JSON', () => {
    const { code, stdout } = run([
      'score',
      '--file',
      path.join(examples, 'one-sided-deal.json'),
      '--as-of',
      '2026-11-20T12:00:00Z',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.opportunityId).toBe('006000000000002AAA');
    expect(result.asOf).toBe('2026-11-20T12:00:00.000Z');
    expect(result.rulesVersion).toMatch(/^default@[0-9a-f]{8}$/);
    expect(result.flags[0].code).toBe('ONE_SIDED_EFFORT');
    expect(result.adjustedProbability).toBeLessThan(result.baseProbability);
    expect(result.fields.Commitment_Flags__c.split(';')).toContain('ONE_SIDED_EFFORT');
  });

  it('reads the snapshot from standard input with --file -', () => {
    const snapshot = JSON.stringify({ opportunity: { StageName: 'Prospecting', Probability: 10 } });
    const { code, stdout } = run(['score', '--file', '-', '--as-of', '2026-11-20T12:00:00Z'], snapshot);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).baseProbability).toBe(10);
  });

  it('scores with another rulebook given by --rules', () => {
    const { code, stdout } = run([
      'score',
      '--file',
      path.join(examples, 'healthy-deal.json'),
      '--as-of',
      '2026-11-20T12:00:00Z',
      '--rules',
      path.join(rulebooks, 'valid-minimal.yaml'),
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).rulesVersion).toMatch(/^minimal@/);
  });

  it('exits 1 naming the path of a malformed snapshot', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scorer-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        opportunity: { StageName: 'Prospecting' },
        tasks: [{}, {}, {}, { CreatedDate: 'yesterday' }],
      }),
    );
    const { code, stderr } = run(['score', '--file', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('tasks[3].CreatedDate: invalid date');
  });

  it('exits 1 on a file that is not JSON, and on a bad --as-of', () => {
    expect(run(['score', '--file', path.join(rulebooks, 'valid-minimal.yaml')]).stderr).toMatch(
      /is not valid JSON/,
    );
    const badAsOf = run([
      'score',
      '--file',
      path.join(examples, 'healthy-deal.json'),
      '--as-of',
      'last tuesday',
    ]);
    expect(badAsOf.code).toBe(1);
    expect(badAsOf.stderr).toContain('Invalid as-of moment "last tuesday"');
  });

  it('checks a valid rulebook', () => {
    const { code, stdout } = run(['rules', 'check', path.join(rulebooks, 'valid-any-not-and-stages.yaml')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/valid, version acme-sales-ops@[0-9a-f]{8}, 2 flags/);
  });

  it('exits 1 on an unknown signal, naming the rule and the line', () => {
    const { code, stderr } = run(['rules', 'check', path.join(rulebooks, 'invalid-unknown-signal.yaml')]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'invalid-unknown-signal.yaml:15: rule SLOW: when.signal: unknown signal "daysSinceLastYess"',
    );
  });

  it('prints help for every command', () => {
    for (const args of [['--help'], ['score', '--help'], ['rules', '--help'], ['rules', 'check', '--help']]) {
      const { code, stdout } = run(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: commitment-scorer/);
    }
  });

  it('prints its version', () => {
    const { code, stdout } = run(['--version']);
    expect(code).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('exits 1 on an unknown command or a missing option', () => {
    expect(run(['frobnicate']).code).toBe(1);
    expect(run(['score']).code).toBe(1);
  });
});
