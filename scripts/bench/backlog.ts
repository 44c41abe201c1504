/**
 * Backlog benchmark (not a test): a restart of the built service (`node dist/cli.js serve`) under a
 * small heap while the org holds a large backlog of change events, measured from the outside.
 *
 *   1. the service starts once against a sandbox org (own process) and finishes its first sweep;
 *   2. it stops (SIGTERM); sellers make N changes meanwhile (the backlog, kept by the org for 72 h);
 *   3. it restarts under `node --max-old-space-size=<heap>`: replays the backlog from its checkpoint.
 *
 * Reported: whether the restart survived, the time until the checkpoint passed every backlog event,
 * the service's peak RSS (VmHWM) during the restart, and what the logs say about held ids.
 *
 * Usage: npm run bench:backlog [-- --deals 20000 --changes 100000 --heap 256]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startSandbox } from '../../src/sandbox';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const mb = (kb: number): string => `${Math.round(kb / 1024)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROOT = path.resolve(__dirname, '..', '..');

interface OrgInfo {
  url: string;
  accessToken: string;
  integrationUserId: string;
}

/**
 * Child: the sandbox org. Prints its address, then on each line "changes N" on stdin makes N seller
 * edits through the org's own write path (each its own transaction and change event) and prints the
 * newest replay id.
 */
async function serveOrg(deals: number): Promise<void> {
  const sb = await startSandbox({ deals, seed: 11, dailyApiLimit: 50_000_000 });
  const open = [...sb.store.all('Opportunity')].filter((o) => !o.IsClosed).map((o) => String(o.Id));
  out(JSON.stringify({ url: sb.url, accessToken: sb.accessToken, integrationUserId: sb.integrationUserId }));
  let n = 0;
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    const count = Number(/^changes (\d+)$/.exec(line)?.[1] ?? 0);
    for (let i = 0; i < count; i++, n++) {
      const id = open[n % open.length];
      sb.core.writes.update(
        'Opportunity',
        id,
        { NextStep: `Follow-up ${n}` },
        {
          userId: sb.sellerUserId,
          clientId: null,
        },
      );
    }
    out(String(sb.core.bus.lastReplayId()));
  });
}

function lines(child: ChildProcess): readline.Interface {
  return readline.createInterface({ input: child.stdout! });
}

async function nextLine(rl: readline.Interface): Promise<string> {
  return new Promise((resolve) => rl.once('line', resolve));
}

/** Peak resident memory of a process: the kernel's high-water mark (VmHWM) in kB. */
function peakRssKb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function checkpoint(stateDir: string): number | undefined {
  const file = readdirSync(stateDir).find((f) => f.startsWith('checkpoint-') && f.endsWith('.json'));
  if (!file) return undefined;
  try {
    return (JSON.parse(readFileSync(path.join(stateDir, file), 'utf8')) as { replayId?: number }).replayId;
  } catch {
    return undefined; // mid-rename
  }
}

function serve(org: OrgInfo, stateDir: string, nodeArgs: string[]) {
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'dist', 'cli.js'), 'serve'], {
    env: {
      ...process.env,
      SF_INSTANCE_URL: org.url,
      SF_ACCESS_TOKEN: org.accessToken,
      INTEGRATION_USER_ID: org.integrationUserId,
      STATE_DIR: stateDir,
      PORT: '0',
      SWEEP_INTERVAL: 'off',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const log: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  lines(child).on('line', (text) => {
    try {
      log.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  });
  return { child, log, exited };
}

async function main(): Promise<void> {
  const deals = arg('deals', 20_000);
  if (process.argv.includes('--org')) return serveOrg(deals);
  const changes = arg('changes', 100_000);
  const heap = arg('heap', 256);
  out(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, node ${process.version}`,
  );
  const orgProc = spawn(process.execPath, ['-r', 'tsx/cjs', __filename, '--org', '--deals', String(deals)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const orgOut = lines(orgProc);
  const org = JSON.parse(await nextLine(orgOut)) as OrgInfo;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bench-backlog-'));
  try {
    const first = serve(org, stateDir, []);
    while (!first.log.some((l) => l.msg === 'Sweep finished')) await sleep(200);
    // Let the first sweep's echoes in so the checkpoint is at the org's newest event.
    await sleep(2000);
    first.child.kill('SIGTERM');
    await first.exited;
    const before = checkpoint(stateDir);

    orgProc.stdin!.write(`changes ${changes}\n`);
    const last = Number(await nextLine(orgOut));
    out(
      `input: sandbox org with ${deals} opportunities (own process); ${changes} changes while the service was down`,
    );
    out(
      `       checkpoint ${before} → backlog up to replay id ${last}; restart under --max-old-space-size=${heap}`,
    );

    const t0 = Date.now();
    const again = serve(org, stateDir, [`--max-old-space-size=${heap}`]);
    let code: number | null | undefined;
    void again.exited.then((c) => (code = c));
    let peak = 0;
    while (code === undefined && (checkpoint(stateDir) ?? -1) < last) {
      peak = Math.max(peak, peakRssKb(again.child.pid!));
      await sleep(200);
    }
    const ms = Date.now() - t0;
    if (code === undefined) peak = Math.max(peak, peakRssKb(again.child.pid!));
    const overflow = again.log.filter((l) => /not holding/i.test(String(l.msg))).length;
    const catchUps = again.log.filter((l) => l.msg === 'Catch-up sweep finished').length;
    out('');
    out('| measure | aim | result |');
    out('| --- | --- | --- |');
    out(
      `| restart with ${changes} backlog changes | completes | ${code === undefined ? 'completed' : `exited with code ${code}`} in ${(ms / 1000).toFixed(1)} s |`,
    );
    out(`| service peak RSS during the restart | ≤ 300 MB | ${mb(peak)} |`);
    out(`| log lines on ids not held / catch-up sweeps | — | ${overflow} / ${catchUps} |`);
    if (code === undefined) {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  } finally {
    orgProc.kill();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

void main();
