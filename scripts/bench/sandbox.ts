/**
 * Sandbox benchmark (not a test): generate and load a large org, then time the queries the service
 * really sends for a scoring batch of 200 deals (src/salesforce/snapshot-fields.ts: the Opportunity
 * query with its contact-role, history, commitment, task and event subqueries, and the EmailMessage
 * query). A heavier made-up query (six subqueries, no activity window) is timed too, for comparison.
 *
 * Each query is timed three ways, over different batches of 200 ids:
 * - engine only: the org process evaluating the query in memory, no HTTP;
 * - answered: request sent to the last byte of the answer received, by a plain HTTP client on a
 *   kept-alive connection. This is the org's answer time, the figure issue 4's aim is about;
 * - jsforce: `conn.query()` end to end, which adds the client's own work (reading the body,
 *   JSON.parse of 1.5 MB, and the client's garbage collection): what a caller sees in total.
 * The org runs the built code (dist/, as shipped) in a child process, as it would beside the service,
 * with the young generation `commitment-scorer sandbox` gives it (ORG_SEMI_SPACE_MB).
 * With 200 runs the p99 is the second-slowest run, not the slowest.
 * Usage: npm run bench:sandbox [-- --deals 100000 --runs 200]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Connection } from 'jsforce';
import { ORG_SEMI_SPACE_MB } from '../../src/cli/sandbox-command';

// The org side loads the compiled modules; `npm run bench:sandbox` builds them first.
const dist = (mod: string): string => path.join(__dirname, '../../dist', mod);
type SandboxModule = typeof import('../../src/sandbox');
type Sandbox = import('../../src/sandbox').Sandbox;

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const mb = (n: number): string => `${Math.round(n / 1048576)} MB`;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const HEAVY = (list: string): string =>
  'SELECT Id, Name, StageName, Amount, CloseDate, Probability, IsClosed, OwnerId, Owner.Name, Compelling_Event__c, ' +
  'Cost_Of_Delay__c, Customer_Decision_Date__c, Strategic_Initiative__c, Discount_Percent__c, ' +
  '(SELECT ContactId, Role, IsPrimary, CreatedDate FROM OpportunityContactRoles), ' +
  '(SELECT Id, Subject, TaskSubtype, Type, CallType, Status, ActivityDate, CompletedDateTime, CreatedDate, WhoId, OwnerId FROM Tasks), ' +
  '(SELECT Id, Subject, StartDateTime, EndDateTime, WhoId, OwnerId, CreatedDate FROM Events), ' +
  '(SELECT Id, Incoming, MessageDate, FromAddress, ToAddress FROM EmailMessages), ' +
  '(SELECT StageName, CloseDate, PrevCloseDate, Probability, Amount, CreatedDate FROM OpportunityHistories), ' +
  '(SELECT Type__c, Owner_Side__c, Status__c, Due_Date__c, Completed_Date__c, Contact__c, CreatedDate FROM Buying_Commitments__r) ' +
  `FROM Opportunity WHERE Id IN (${list})`;

const WARMUP = 5;

/** The queries timed, each built for a list of 200 quoted ids; `aim` marks the one issue 4 sets. */
function queryKinds(): { name: string; aim: boolean; build: (list: string) => string }[] {
  /* eslint-disable @typescript-eslint/no-require-imports -- compiled modules, chosen at run time */
  const { loadRulebookFile } = require(
    dist('rules/load-rulebook'),
  ) as typeof import('../../src/rules/load-rulebook');
  const { DEFAULT_ACTIVITY_DAYS } = require(
    dist('salesforce/load-snapshots'),
  ) as typeof import('../../src/salesforce/load-snapshots');
  const { emailQuery, opportunityQuery } = require(
    dist('salesforce/snapshot-fields'),
  ) as typeof import('../../src/salesforce/snapshot-fields');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const fields = loadRulebookFile().fields;
  return [
    {
      name: 'Opportunity + 5 subqueries (product)',
      aim: true,
      build: (list) => opportunityQuery(fields, list, DEFAULT_ACTIVITY_DAYS),
    },
    { name: 'EmailMessage (product)', aim: false, build: (list) => emailQuery(list, DEFAULT_ACTIVITY_DAYS) },
    { name: 'made-up heavier: 6 subqueries', aim: false, build: HEAVY },
  ];
}

/** Per kind and per way of timing, runs + WARMUP queries over different spread-out batches of 200 ids. */
function batches(sb: Sandbox, runs: number, ways: number): string[][][] {
  const all = [...sb.store.all('Opportunity')].map((o) => o.Id);
  const n = runs + WARMUP;
  const list = (i: number): string =>
    Array.from({ length: 200 }, (_, k) => `'${all[(i * 7919 + k * 104729) % all.length]}'`).join(',');
  return queryKinds().map((kind) =>
    Array.from({ length: ways }, (_, w) => Array.from({ length: n }, (_, i) => kind.build(list(w * n + i)))),
  );
}

interface Timing {
  p50: number;
  p99: number;
  bytes?: number;
  records?: number;
}
const timing = (xs: number[]): Timing => ({ p50: pct(xs, 50), p99: pct(xs, 99) });

interface ChildReport {
  url: string;
  token: string;
  /** [kind][way][run]: way 0 engine, 1 answered, 2 jsforce */
  queries: string[][][];
  input: string;
  loadS: number;
  rssMb: number;
  peakRssMb: number;
  engine: Timing[];
}

/** Child: build the org, time the engine in-process, then serve until killed. */
async function serve(deals: number, runs: number): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports -- compiled modules, chosen at run time */
  const { startSandbox } = require(dist('sandbox')) as SandboxModule;
  const { OBJECTS } = require(dist('sandbox/schema')) as typeof import('../../src/sandbox/schema');
  const { runQuery } = require(dist('sandbox/soql-engine')) as typeof import('../../src/sandbox/soql-engine');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const t0 = performance.now();
  const sb = await startSandbox({ deals, seed: 1 });
  const loadS = (performance.now() - t0) / 1000;
  // Collect the generator's garbage before timing, so the load's one big GC is not counted as query time.
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const objects = Object.keys(OBJECTS).filter((o) => sb.store.count(o) > 0);
  const counts = objects.map((o) => `${o}=${sb.store.count(o)}`).join(' ');
  const total = objects.reduce((n, o) => n + sb.store.count(o), 0);
  const queries = batches(sb, runs, 3);
  const engine = queries.map(([qs]) => {
    const ms: number[] = [];
    qs.forEach((soql, i) => {
      const t = performance.now();
      runQuery(soql, { store: sb.store, now: sb.clock.now(), apiVersion: sb.apiVersion });
      if (i >= WARMUP) ms.push(performance.now() - t);
    });
    return timing(ms);
  });
  const report: ChildReport = {
    url: sb.instanceUrl,
    token: sb.accessToken,
    queries,
    input: `${deals} opportunities, ${total} records (${counts})`,
    loadS,
    rssMb: process.memoryUsage().rss / 1048576,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1048576,
    engine,
  };
  out(JSON.stringify(report));
}

/** Request sent to last byte received, the body discarded unread: the org's answer time. */
function answered(
  report: ChildReport,
  agent: http.Agent,
  soql: string,
): Promise<{ ms: number; bytes: number }> {
  const url = `${report.url}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`;
  const t = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { Authorization: `Bearer ${report.token}` } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve({ ms: performance.now() - t, bytes })
            : reject(new Error(`query answered ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

async function overHttp(report: ChildReport): Promise<{ answered: Timing; jsforce: Timing }[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const conn = new Connection({ instanceUrl: report.url, accessToken: report.token, version: '62.0' });
  const result: { answered: Timing; jsforce: Timing }[] = [];
  for (const [, plain, viaJsforce] of report.queries) {
    const ms: number[] = [];
    let bytes = 0;
    for (const [i, soql] of plain.entries()) {
      const a = await answered(report, agent, soql);
      if (i >= WARMUP) ms.push(a.ms);
      bytes = a.bytes;
    }
    const js: number[] = [];
    let records = 0;
    for (const [i, soql] of viaJsforce.entries()) {
      const t = performance.now();
      const res = await conn.query(soql);
      if (i >= WARMUP) js.push(performance.now() - t);
      records = res.totalSize;
    }
    result.push({ answered: { ...timing(ms), bytes, records }, jsforce: timing(js) });
  }
  agent.destroy();
  return result;
}

function table(rows: [string, string, string, string][]): void {
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((cell, c) => cell.padEnd(widths[c])).join(' | ');
  out(line(rows[0]));
  out(widths.map((w) => '-'.repeat(w)).join('-|-'));
  rows.slice(1).forEach((r) => out(line(r)));
}

async function main(): Promise<void> {
  const deals = arg('deals', 100_000);
  const runs = arg('runs', 200);
  if (process.argv.includes('--serve')) return serve(deals, runs);
  out(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${mb(os.totalmem())} RAM, node ${process.version}, ${os.platform()}`,
  );
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
      '--runs',
      String(runs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const first = await new Promise<string>((resolve) =>
    readline.createInterface({ input: child.stdout }).once('line', resolve),
  );
  const report = JSON.parse(first) as ChildReport;
  const http = await overHttp(report);
  child.kill();

  out(`input: ${report.input}`);
  out(
    `each query: 200 ids; per way of timing ${runs} runs over different batches after ${WARMUP} warm-up runs; ms are p50 / p99`,
  );
  const ms = (t: Timing): string => `${t.p50.toFixed(1)} / ${t.p99.toFixed(1)} ms`;
  const yes = (ok: boolean): string => (ok ? 'yes' : 'NO');
  const rows: [string, string, string, string][] = [
    ['measure', 'aim', 'result', 'met?'],
    ['generate + load', '< 30 s', `${report.loadS.toFixed(1)} s`, yes(report.loadS < 30)],
    [
      'memory after load',
      '< 2 GB',
      `RSS ${Math.round(report.rssMb)} MB, peak ${Math.round(report.peakRssMb)} MB`,
      yes(report.peakRssMb < 2048),
    ],
  ];
  queryKinds().forEach((kind, k) => {
    const { answered: a, jsforce: j } = http[k];
    const size = `${a.records} records, ${((a.bytes ?? 0) / 1e6).toFixed(2)} MB`;
    rows.push([`${kind.name}: engine only`, '-', ms(report.engine[k]), '-']);
    rows.push([
      `${kind.name}: answered over HTTP (${size})`,
      kind.aim ? 'p50, p99 < 50 ms' : '-',
      ms(a),
      kind.aim ? yes(a.p50 < 50 && a.p99 < 50) : '-',
    ]);
    rows.push([`${kind.name}: jsforce conn.query(), parse included`, '-', ms(j), '-']);
  });
  table(rows);
}

void main();
