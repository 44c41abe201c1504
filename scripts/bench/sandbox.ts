/**
 * Sandbox benchmark (not a test): generate and load a large org, then time the queries the service
 * really sends for a scoring batch of 200 deals (src/salesforce/snapshot-fields.ts: the Opportunity
 * query with its contact-role, history, commitment, task and event subqueries, and the EmailMessage
 * query), in the engine alone and through jsforce over HTTP. A heavier made-up query (six
 * subqueries, no activity window) is timed too, for comparison only.
 * The org runs in a child process, as it would beside the service, so the client's timings are not
 * mixed with garbage collection of the org's 1 GB heap.
 * Usage: npm run bench:sandbox [-- --deals 100000 --runs 50]
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Connection } from 'jsforce';
import { loadRulebookFile } from '../../src/rules/load-rulebook';
import { DEFAULT_ACTIVITY_DAYS } from '../../src/salesforce/load-snapshots';
import { emailQuery, opportunityQuery } from '../../src/salesforce/snapshot-fields';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { OBJECTS } from '../../src/sandbox/schema';
import { runQuery } from '../../src/sandbox/soql-engine';

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

/** The queries timed, each built for a list of 200 quoted ids; `aim` marks the one issue 4 sets. */
function queryKinds(): { name: string; aim: boolean; build: (list: string) => string }[] {
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

/** Per kind, runs + 5 queries over different spread-out batches of 200 ids (5 for warm-up). */
function batches(sb: Sandbox, runs: number): string[][] {
  const all = [...sb.store.all('Opportunity')].map((o) => o.Id);
  const list = (i: number): string =>
    Array.from({ length: 200 }, (_, k) => `'${all[(i * 7919 + k * 104729) % all.length]}'`).join(',');
  return queryKinds().map((kind) => Array.from({ length: runs + 5 }, (_, i) => kind.build(list(i))));
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
  queries: string[][];
  input: string;
  loadS: number;
  rssMb: number;
  peakRssMb: number;
  engine: Timing[];
}

/** Child: build the org, time the engine in-process, then serve until killed. */
async function serve(deals: number, runs: number): Promise<void> {
  const t0 = performance.now();
  const sb = await startSandbox({ deals, seed: 1 });
  const loadS = (performance.now() - t0) / 1000;
  // Collect the generator's garbage before timing, so the load's one big GC is not counted as query time.
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const objects = Object.keys(OBJECTS).filter((o) => sb.store.count(o) > 0);
  const counts = objects.map((o) => `${o}=${sb.store.count(o)}`).join(' ');
  const total = objects.reduce((n, o) => n + sb.store.count(o), 0);
  const queries = batches(sb, runs);
  const engine = queries.map((qs) => {
    const ms: number[] = [];
    qs.forEach((soql, i) => {
      const t = performance.now();
      runQuery(soql, { store: sb.store, now: sb.clock.now(), apiVersion: sb.apiVersion });
      if (i >= 5) ms.push(performance.now() - t);
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

async function overHttp(report: ChildReport): Promise<Timing[]> {
  const conn = new Connection({ instanceUrl: report.url, accessToken: report.token, version: '62.0' });
  const result: Timing[] = [];
  for (const qs of report.queries) {
    const ms: number[] = [];
    let records = 0;
    for (const [i, soql] of qs.entries()) {
      const t = performance.now();
      const res = await conn.query(soql);
      if (i >= 5) ms.push(performance.now() - t);
      records = res.totalSize;
    }
    const raw = await fetch(`${report.url}/services/data/v62.0/query?q=${encodeURIComponent(qs[0])}`, {
      headers: { Authorization: `Bearer ${report.token}` },
    });
    result.push({ ...timing(ms), bytes: (await raw.arrayBuffer()).byteLength, records });
  }
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
  const runs = arg('runs', 50);
  if (process.argv.includes('--serve')) return serve(deals, runs);
  out(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${mb(os.totalmem())} RAM, node ${process.version}, ${os.platform()}`,
  );
  const child = spawn(
    process.execPath,
    ['-r', 'tsx/cjs', __filename, '--serve', '--deals', String(deals), '--runs', String(runs)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const first = await new Promise<string>((resolve) =>
    readline.createInterface({ input: child.stdout }).once('line', resolve),
  );
  const report = JSON.parse(first) as ChildReport;
  const http = await overHttp(report);
  child.kill();

  out(`input: ${report.input}`);
  out(`each query: 200 ids, ${runs} runs over different batches after 5 warm-up runs; ms are p50 / p99`);
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
    const h = http[k];
    const size = `${h.records} records, ${((h.bytes ?? 0) / 1e6).toFixed(2)} MB`;
    rows.push([`${kind.name}: engine only`, '-', ms(report.engine[k]), '-']);
    rows.push([
      `${kind.name}: jsforce over HTTP (${size})`,
      kind.aim ? 'p50, p99 < 50 ms' : '-',
      `${ms(h)} (${(h.p50 / report.engine[k].p50).toFixed(1)}× engine p50)`,
      kind.aim ? yes(h.p50 < 50 && h.p99 < 50) : '-',
    ]);
  });
  table(rows);
}

void main();
