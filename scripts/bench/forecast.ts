/**
 * Forecast benchmark (not a test): the built `commitment-scorer forecast` over every open deal of a
 * large sandbox org, each in its own process, with the forecast's peak RSS against the sweep's memory
 * budget (≤ 300 MB). The forecast holds one page of ids and one 200-deal chunk of snapshots at a time,
 * so its memory should not grow with the org.
 *
 * Usage: npm run bench:forecast [-- --deals 134000]   (134,000 generated deals ≈ 100,000 open)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startSandbox } from '../../src/sandbox';
import { machineLine } from './machine';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const ROOT = path.resolve(__dirname, '..', '..');

interface OrgInfo {
  url: string;
  accessToken: string;
  open: number;
}

/** Child: the sandbox org, serving until killed. */
async function serveOrg(deals: number): Promise<void> {
  const sb = await startSandbox({ deals, seed: 11, dailyApiLimit: 5_000_000 });
  const open = [...sb.store.all('Opportunity')].filter((o) => !o.IsClosed).length;
  const info: OrgInfo = { url: sb.url, accessToken: sb.accessToken, open };
  out(JSON.stringify(info));
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve));
}

async function queryCalls(org: OrgInfo): Promise<number> {
  const res = await fetch(`${org.url}/__sandbox/stats`);
  return ((await res.json()) as { calls: { query: number } }).calls.query;
}

async function main(): Promise<void> {
  const deals = arg('deals', 134_000);
  if (process.argv.includes('--org')) return serveOrg(deals);
  out(machineLine());
  const orgProc = spawn(process.execPath, ['-r', 'tsx/cjs', __filename, '--org', '--deals', String(deals)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const org = JSON.parse(await firstLine(orgProc)) as OrgInfo;
    out(`input: sandbox org with ${deals} opportunities, ${org.open} open (own process)`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-forecast-'));
    // Preloaded into the forecast process: its own peak RSS (the kernel's maxrss, in kB) at exit.
    const probe = path.join(dir, 'peak-rss.cjs');
    writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write('PEAK_RSS_KB ' + process.resourceUsage().maxRSS + '\\n'));\n",
    );
    const report = path.join(dir, 'forecast.json');
    const callsBefore = await queryCalls(org);
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      [
        '-r',
        probe,
        path.join(ROOT, 'dist', 'cli.js'),
        'forecast',
        '--period',
        'all',
        '--format',
        'json',
        '--out',
        report,
      ],
      {
        env: {
          ...process.env,
          SF_INSTANCE_URL: org.url,
          SF_ACCESS_TOKEN: org.accessToken,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += String(c)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const ms = Date.now() - t0;
    if (code !== 0) throw new Error(`forecast failed (${code}): ${stderr}`);
    const peakKb = Number(/PEAK_RSS_KB (\d+)/.exec(stderr)?.[1]);
    const result = JSON.parse(readFileSync(report, 'utf8')) as { totals: { count: number } };
    const calls = (await queryCalls(org)) - callsBefore;
    out('');
    out('| measure | aim | result |');
    out('| --- | --- | --- |');
    out(
      `| forecast of ${result.totals.count} open deals (incl. start-up) | — | ${(ms / 1000).toFixed(1)} s |`,
    );
    out(`| forecast peak RSS | ≤ 300 MB | ${Math.round(peakKb / 1024)} MB |`);
    out(`| API calls (queries) | — | ${calls} (${(calls / result.totals.count).toFixed(4)} per deal) |`);
    rmSync(dir, { recursive: true, force: true });
  } finally {
    orgProc.kill();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
