/**
 * Kill proof (not a test): the built service is killed with SIGKILL 50 times at random moments
 * during a stream of 1,000 seller changes against the sandbox org, restarted each time on the same
 * STATE_DIR, and checked at the end: every changed deal written with the values a fresh scoring
 * gives (0 lost), redundant and no-op writes counted, the service's own log lines scanned for the
 * org's tokens. Exits 1 when a change is lost or a secret is found.
 *
 * Usage: npm run proof:kill [-- --kills 50 --changes 1000 --deals 1600 --seed 11 --max-alive-ms 2000]
 * The jest suite runs 3 kills over 60 changes (test/e2e/kill-restarts.test.ts).
 */
import path from 'node:path';
import { killRun } from '../../test/support/kill-run';
import { machineLine } from '../bench/machine';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function main(): Promise<void> {
  const opts = {
    kills: arg('kills', 50),
    changes: arg('changes', 1000),
    deals: arg('deals', 1600),
    seed: arg('seed', 11),
    maxAliveMs: arg('max-alive-ms', 2000),
    cli: path.resolve(__dirname, '..', '..', 'dist', 'cli.js'),
  };
  out(machineLine());
  out(
    `kill proof: ${opts.kills} × SIGKILL during ${opts.changes} changes, ${opts.deals} deals, seed ${opts.seed}, kill 0–${opts.maxAliveMs} ms after ready`,
  );
  const started = Date.now();
  const r = await killRun({ ...opts, log: (line) => out(`  ${line}`) });
  out(
    `kills ${r.kills}, changes ${r.changes} on ${r.changedDeals} deals, in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  const hit = r.unfinishedAtKills.filter((n) => n > 0).length;
  out(
    `kills that landed with changes unwritten: ${hit} of ${r.kills} (${r.unfinishedAtKills.reduce((a, b) => a + b, 0)} changes unwritten in total at the kills)`,
  );
  out(`lost ${r.lost.length}${r.lost.length > 0 ? `: ${r.lost.slice(0, 10).join(', ')}` : ''}`);
  out(
    `writes ${r.writes}: ${r.writes - r.redundantWrites} needed, ${r.redundantWrites} redundant, ${r.noOpWrites} changed nothing but the scored-at stamp`,
  );
  out(`API calls ${r.apiCalls} (${(r.apiCalls / Math.max(1, r.changedDeals)).toFixed(2)} per changed deal)`);
  out(
    `restart to ready: p50 ${pct(r.restartsMs, 50)} ms, max ${Math.max(...r.restartsMs)} ms; last process caught up in ${r.finalCatchUpMs} ms`,
  );
  out(`service log lines ${r.serviceLogLines}, secrets found ${r.secretsInLogs.length}`);
  out(`final SIGTERM: ${JSON.stringify(r.finalExit)}`);
  if (r.lost.length > 0 || r.secretsInLogs.length > 0 || r.finalExit.code !== 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
