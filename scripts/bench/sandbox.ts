/**
 * Sandbox benchmark (not a test): generate and load a large org, then time a scoring-sized query
 * (200 ids with child subqueries) through jsforce over HTTP and in-process.
 * Usage: npm run bench:sandbox [-- --deals 100000 --runs 50]
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Connection } from 'jsforce';
import { startSandbox } from '../../src/sandbox';
import { runQuery } from '../../src/sandbox/soql-engine';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const mb = (n: number): string => `${Math.round(n / 1048576)} MB`;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
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

async function main(): Promise<void> {
  const deals = arg('deals', 100_000);
  const runs = arg('runs', 50);
  out(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${mb(os.totalmem())} RAM, node ${process.version}, ${os.platform()}`,
  );
  const t0 = performance.now();
  const sb = await startSandbox({ deals, seed: 1 });
  const loadMs = performance.now() - t0;
  // Collect the generator's garbage before timing queries, so one full GC of the load does not
  // land inside the latency figures (the service would see a long-running sandbox, not a fresh one).
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const objects = [
    'Opportunity',
    'Task',
    'Event',
    'EmailMessage',
    'OpportunityContactRole',
    'OpportunityHistory',
    'OpportunityFieldHistory',
    'Buying_Commitment__c',
    'Contact',
    'Account',
  ];
  const counts = objects.map((o) => `${o}=${sb.store.count(o)}`).join(' ');
  const total = objects.reduce((n, o) => n + sb.store.count(o), 0);
  out(`input: ${deals} opportunities, ${total} records (${counts})`);
  out(
    `generate + load: ${(loadMs / 1000).toFixed(1)} s, RSS ${mb(process.memoryUsage().rss)} (heap used ${mb(process.memoryUsage().heapUsed)})`,
  );

  const all = [...sb.store.all('Opportunity')].map((o) => o.Id);
  const pick = (i: number): string[] =>
    Array.from({ length: 200 }, (_, k) => all[(i * 7919 + k * 104729) % all.length]);
  const conn = new Connection({ instanceUrl: sb.instanceUrl, accessToken: sb.accessToken, version: '62.0' });
  const http: number[] = [];
  const inproc: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs + 5; i++) {
    const soql = QUERY(pick(i));
    let t = performance.now();
    const res = await conn.query(soql);
    if (i >= 5) http.push(performance.now() - t);
    rows = res.records.length;
    t = performance.now();
    runQuery(soql, { store: sb.store, now: sb.clock.now(), apiVersion: '62.0' });
    if (i >= 5) inproc.push(performance.now() - t);
  }
  const fmt = (xs: number[]): string => `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms`;
  out(`query of 200 ids with 6 child subqueries (${rows} rows), ${runs} runs:`);
  out(`  through jsforce over HTTP: ${fmt(http)}`);
  out(`  in-process engine only:    ${fmt(inproc)}`);
  await sb.close();
}

void main();
