/**
 * Backtest benchmark (not a test): `backtest` over 20,000 closed deals × 3 horizons (30, 60, 90)
 * read from the sandbox org through the product's own history reader (paged loader, two queries per
 * 200 deals, field history as a subquery), then the metrics with 200 paired bootstrap resamples.
 * Aim: ≤ 60 s end to end, and the peak RSS of the backtest process is reported.
 *
 * The org runs in a child process (as it would beside the tool), so the peak RSS is the backtest's
 * own. The split (read + view, metrics) says where the time goes, and the API calls per 200 deals
 * are compared with the loader's two.
 * Usage: npm run bench:backtest [-- --deals 20000]
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { ORG_SEMI_SPACE_MB } from '../../src/cli/sandbox-command';
import { runBacktest } from '../../src/forecast/backtest';
import { historyFromOrg, type History } from '../../src/forecast/history';
import { loadRulebookFile } from '../../src/rules/load-rulebook';
import { createConnection } from '../../src/salesforce';
import { machineLine } from './machine';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const NOW = Date.parse('2026-11-15T12:00:00Z');
const HORIZONS = [30, 60, 90];

interface OrgReady {
  instanceUrl: string;
  accessToken: string;
  apiVersion: string;
  closed: number;
  loadS: number;
}

/** The child: a sandbox org of closed deals, generated with a moderate planted effect. */
async function serve(deals: number): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only in the child */
  const { startSandbox, SandboxClock } = require('../../src/sandbox') as typeof import('../../src/sandbox');
  const pino = require('pino') as typeof import('pino');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const started = performance.now();
  const sb = await startSandbox({
    port: 0,
    deals,
    seed: 20,
    plantedEffect: 1,
    closedShare: 1,
    clock: new SandboxClock(new Date(NOW)),
    logger: pino.default({ level: 'silent' }),
  });
  const ready: OrgReady = {
    instanceUrl: sb.instanceUrl,
    accessToken: sb.accessToken,
    apiVersion: sb.apiVersion,
    closed: [...sb.store.all('Opportunity')].filter((o) => o.IsClosed).length,
    loadS: (performance.now() - started) / 1000,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => void sb.close().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const deals = arg('deals', 20_000);
  if (process.argv.includes('--serve')) return serve(deals);
  out(machineLine());
  const child = spawn(
    process.execPath,
    [
      `--max-semi-space-size=${ORG_SEMI_SPACE_MB}`,
      '-r',
      'tsx/cjs',
      __filename,
      '--serve',
      '--deals',
      String(deals),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const org = JSON.parse(
    await new Promise<string>((resolve) =>
      readline.createInterface({ input: child.stdout }).once('line', resolve),
    ),
  ) as OrgReady;
  out(
    `input: ${org.closed} closed deals in the sandbox org (generated and loaded in ${org.loadS.toFixed(1)} s), horizons ${HORIZONS.join(', ')} days`,
  );

  const rulebook = loadRulebookFile();
  const conn = createConnection({ ...org, clientId: 'bench-backtest' });
  let calls = 0;
  const t0 = performance.now();
  const history: History = await historyFromOrg(conn, {
    rulebooks: [rulebook],
    horizons: HORIZONS,
    from: '2025-01-01',
    to: '2026-12-31',
    now: NOW,
    onApiCall: () => void calls++,
  });
  const t1 = performance.now();
  const report = runBacktest(history, [rulebook]);
  const t2 = performance.now();
  child.stdin.end();

  const peakMb = process.resourceUsage().maxRSS / 1024;
  const total = (t2 - t0) / 1000;
  out(
    `deals read: ${history.deals}, API calls: ${calls} (${((calls / history.deals) * 200).toFixed(1)} per 200 deals)`,
  );
  out(
    `read + view at 3 horizons: ${((t1 - t0) / 1000).toFixed(1)} s; metrics with 200 bootstrap resamples: ${((t2 - t1) / 1000).toFixed(1)} s`,
  );
  out(
    `backtest total: ${total.toFixed(1)} s (aim ≤ 60 s: ${total <= 60 ? 'met' : 'NOT met'}); peak RSS ${Math.round(peakMb)} MB`,
  );
  for (const h of report.horizons) {
    const [stage, adjusted] = h.forecasts;
    out(
      `  ${h.horizonDays} d: ${h.deals} deals, Brier stage ${stage.metrics.brier.value.toFixed(3)} → adjusted ${adjusted.metrics.brier.value.toFixed(3)}, ` +
        `slope ${adjusted.metrics.slope.value.toFixed(2)}, mean ${(adjusted.metrics.meanPredicted * 100).toFixed(1)} % vs won ${((h.won / h.deals) * 100).toFixed(1)} %`,
    );
  }
}

void main();
