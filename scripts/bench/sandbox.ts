/**
 * Sandbox benchmark (not a test): generate and load a large org, then time a scoring-sized query
 * (200 ids with six child subqueries) in the engine alone and through jsforce over HTTP.
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
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { runQuery } from '../../src/sandbox/soql-engine';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const mb = (n: number): string => `${Math.round(n / 1048576)} MB`;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (xs: number[]): string =>
  `p50 ${pct(xs, 50).toFixed(1)} ms, p90 ${pct(xs, 90).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms`;
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const QUERY = (ids: string[]): string =>
  'SELECT Id, Name, StageName, Amount, CloseDate, Probability, IsClosed, OwnerId, Owner.Name, Compelling_Event__c, ' +
  'Cost_Of_Delay__c, Customer_Decision_Date__c, Strategic_Initiative__c, Discount_Percent__c, ' +
  '(SELECT ContactId, Role, IsPrimary, CreatedDate FROM OpportunityContactRoles), ' +
  '(SELECT Id, Subject, TaskSubtype, Type, CallType, Status, ActivityDate, CompletedDateTime, CreatedDate, WhoId, OwnerId FROM Tasks), ' +
  '(SELECT Id, Subject, StartDateTime, EndDateTime, WhoId, OwnerId, CreatedDate FROM Events), ' +
  '(SELECT Id, Incoming, MessageDate, FromAddress, ToAddress FROM EmailMessages), ' +
  '(SELECT StageName, CloseDate, PrevCloseDate, Probability, Amount, CreatedDate FROM OpportunityHistories), ' +
  '(SELECT Type__c, Owner_Side__c, Status__c, Due_Date__c, Completed_Date__c, Contact__c, CreatedDate FROM Buying_Commitments__r) ' +
  `FROM Opportunity WHERE Id IN ('${ids.join("','")}')`;

const OBJECTS = [
  'Opportunity',
  'Task',
  'Event',
  'EmailMessage',
  'OpportunityContactRole',
  'OpportunityHistory',
];
const MORE = ['OpportunityFieldHistory', 'Buying_Commitment__c', 'Contact', 'Account'];

function batches(sb: Sandbox, runs: number): string[] {
  const all = [...sb.store.all('Opportunity')].map((o) => o.Id);
  return Array.from({ length: runs }, (_, i) =>
    QUERY(Array.from({ length: 200 }, (_, k) => all[(i * 7919 + k * 104729) % all.length])),
  );
}

/** Child: build the org, time the engine in-process, then serve until killed. */
async function serve(deals: number, runs: number): Promise<void> {
  const t0 = performance.now();
  const sb = await startSandbox({ deals, seed: 1 });
  const loadMs = performance.now() - t0;
  // Collect the generator's garbage before timing, so the load's one big GC is not counted as query time.
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const counts = [...OBJECTS, ...MORE].map((o) => `${o}=${sb.store.count(o)}`).join(' ');
  const total = [...OBJECTS, ...MORE].reduce((n, o) => n + sb.store.count(o), 0);
  const inproc: number[] = [];
  const qs = batches(sb, runs + 5);
  qs.forEach((soql, i) => {
    const t = performance.now();
    runQuery(soql, { store: sb.store, now: sb.clock.now(), apiVersion: '62.0' });
    if (i >= 5) inproc.push(performance.now() - t);
  });
  const report = {
    url: sb.instanceUrl,
    token: sb.accessToken,
    queries: qs,
    lines: [
      `input: ${deals} opportunities, ${total} records (${counts})`,
      `generate + load: ${(loadMs / 1000).toFixed(1)} s, RSS ${mb(process.memoryUsage().rss)} (heap used ${mb(process.memoryUsage().heapUsed)}, peak RSS ${mb(process.resourceUsage().maxRSS * 1024)})`,
      `query of 200 ids with 6 child subqueries, ${runs} runs:`,
      `  in-process engine only:    ${fmt(inproc)}`,
    ],
  };
  out(JSON.stringify(report));
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
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const first = await new Promise<string>((resolve) =>
    readline.createInterface({ input: child.stdout }).once('line', resolve),
  );
  const report = JSON.parse(first) as { url: string; token: string; queries: string[]; lines: string[] };
  report.lines.forEach(out);
  const conn = new Connection({ instanceUrl: report.url, accessToken: report.token, version: '62.0' });
  const http: number[] = [];
  for (const [i, soql] of report.queries.entries()) {
    const t = performance.now();
    await conn.query(soql);
    if (i >= 5) http.push(performance.now() - t);
  }
  out(`  through jsforce over HTTP: ${fmt(http)} (sandbox in its own process)`);
  child.kill();
}

void main();
