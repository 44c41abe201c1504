/**
 * The sandbox org: a local Salesforce stand-in (REST + CometD + generated data + faults) for the
 * demo, the tests and the benchmarks. `startSandbox` is what the CLI and the tests call.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';
import { wrapError } from '../lib/errors';
import { adminRoutes, publishGap, type GapRequest } from './admin-routes';
import { BayeuxServer } from './bayeux';
import { SandboxClock } from './clock';
import { createCore, type SandboxCore } from './core';
import type { Faults, Stats, WriteLogEntry } from './faults';
import { generateOrg, loadOrg, saveOrg, type GeneratedOrg } from './generator';
import { newToken, oauthRoutes, revokeTokens, type JwtClient } from './oauth-routes';
import type { OrgShapeOptions } from './org-shape';
import { errorHandler, restGuard } from './rest-guard';
import { restRoutes } from './rest-routes';
import { ActivitySimulator } from './simulator';
import type { RecordStore } from './store';

export interface SandboxOptions {
  port?: number;
  host?: string;
  deals?: number;
  seed?: number;
  /** JSON org file: loaded when it exists, otherwise generated and saved there. */
  dataFile?: string;
  apiVersion?: string;
  plantedEffect?: number;
  /** Share of generated deals that are closed (default 0.25). */
  closedShare?: number;
  /** Query page size (Salesforce: 2000); tests use small pages to exercise nextRecordsUrl. */
  queryBatchSize?: number;
  cometdTimeoutMs?: number;
  cometdClientTimeoutMs?: number;
  dailyApiLimit?: number;
  clock?: SandboxClock;
  logger?: Logger;
  /** An org that differs from the full schema: dropped fields, stricter picklists, read-only fields. */
  shape?: OrgShapeOptions;
  /** Connected apps allowed to use the JWT bearer grant at /services/oauth2/token (as the integration user). */
  jwtClients?: JwtClient[];
}

export interface Sandbox {
  url: string;
  instanceUrl: string;
  apiVersion: string;
  accessToken: string;
  integrationUserId: string;
  /** The integration user's Username: the `sub` a JWT bearer assertion must name. */
  integrationUsername: string;
  sellerToken: string;
  sellerUserId: string;
  store: RecordStore;
  faults: Faults;
  writeLog: WriteLogEntry[];
  stats: Stats;
  clock: SandboxClock;
  simulator: ActivitySimulator;
  core: SandboxCore;
  cometdClients(): number;
  publishGap(req?: GapRequest): number;
  /** Invalidates every current access token (the next call answers 401); returns how many there were. */
  revokeTokens(): number;
  close(): Promise<void>;
}

function loadData(opts: SandboxOptions, now: number): GeneratedOrg {
  if (opts.dataFile && existsSync(opts.dataFile)) return loadOrg(opts.dataFile);
  const org = generateOrg({
    deals: opts.deals ?? 200,
    seed: opts.seed ?? 42,
    plantedEffect: opts.plantedEffect,
    closedShare: opts.closedShare,
    now,
  });
  if (opts.dataFile) saveOrg(opts.dataFile, org);
  return org;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const core = createCore({ ...opts, clock: opts.clock ?? new SandboxClock() });
  const org = loadData(opts, core.clock.now());
  core.store.load(org.records);
  const accessToken = newToken();
  const sellerToken = newToken();
  core.tokens.set(accessToken, org.integrationUserId);
  core.tokens.set(sellerToken, org.sellerUserId);

  const bayeux = new BayeuxServer(core);
  const { integrationUserId, sellerUserId } = org;
  const simulator = new ActivitySimulator(core, () => sellerUserId);
  const app = express();
  app.disable('x-powered-by');
  // No ETag: hashing a 2 MB query page costs milliseconds, and Salesforce sends none on queries.
  app.set('etag', false);
  app.use((_req, _res, next) =>
    core.faults.latencyMs > 0 ? setTimeout(next, core.faults.latencyMs) : next(),
  );
  app.get('/services/data', (_req, res) => {
    core.stats.count('versions');
    res.json(
      ['58.0', '59.0', '60.0', '61.0', '62.0'].map((v) => ({
        label: `v${v}`,
        url: `/services/data/v${v}`,
        version: v,
      })),
    );
  });
  app.use(
    '/services/oauth2',
    oauthRoutes(core, { jwtClients: opts.jwtClients ?? [], selfUrl: () => url, integrationUserId }),
  );
  app.use('/services/data', restGuard(core), express.json({ limit: '10mb' }), restRoutes(core));
  app.use('/cometd', bayeux.router());
  app.use(
    '/__sandbox',
    adminRoutes(core, simulator, () => bayeux.clientCount()),
  );
  app.use(errorHandler());

  // The token endpoint names the instance URL in its answers; it is known once the server listens.
  let url = '';
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    bayeux.close();
    if ((err as { syscall?: string }).syscall !== 'listen') throw err;
    throw wrapError(err, 'USAGE', `Port ${opts.port ?? 0} on ${opts.host ?? '127.0.0.1'} cannot be used`);
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  opts.logger?.info({ url, records: core.store.count('Opportunity') }, 'sandbox org started');

  return {
    url,
    instanceUrl: url,
    apiVersion: core.apiVersion,
    accessToken,
    integrationUserId,
    integrationUsername: String(core.store.get('User', integrationUserId)?.Username ?? ''),
    sellerToken,
    sellerUserId,
    store: core.store,
    faults: core.faults,
    writeLog: core.writeLog,
    stats: core.stats,
    clock: core.clock,
    simulator,
    core,
    cometdClients: () => bayeux.clientCount(),
    publishGap: (req) => publishGap(core, req),
    revokeTokens: () => revokeTokens(core),
    close: async () => {
      simulator.stop();
      bayeux.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The lines `commitment-scorer sandbox` prints: where it is, a token, and a jsforce snippet. */
export function describeSandbox(sb: Sandbox): string {
  const opps = sb.store.count('Opportunity');
  return [
    `Sandbox org listening on ${sb.url} (${opps} opportunities, API v${sb.apiVersion})`,
    `  instance URL:         ${sb.instanceUrl}`,
    `  access token:         ${sb.accessToken}`,
    `  integration user id:  ${sb.integrationUserId}`,
    `  seller token:         ${sb.sellerToken}`,
    `  admin API:            ${sb.url}/__sandbox/stats`,
    '',
    'Query it with jsforce:',
    '',
    ...jsforceSnippet(sb.instanceUrl, sb.accessToken, sb.apiVersion)
      .split('\n')
      .map((l) => `  ${l}`),
  ].join('\n');
}

export function jsforceSnippet(instanceUrl: string, accessToken: string, version = '62.0'): string {
  return [
    "const { Connection } = require('jsforce');",
    `const conn = new Connection({ instanceUrl: '${instanceUrl}', accessToken: '${accessToken}', version: '${version}' });`,
    '(async () => {',
    '  const res = await conn.query(',
    "    'SELECT Id, Name, StageName, Amount, Owner.Name, (SELECT Role FROM OpportunityContactRoles) ' +",
    "      'FROM Opportunity WHERE IsClosed = false ORDER BY Amount DESC LIMIT 5',",
    '  );',
    '  for (const o of res.records) console.log(o.Name, o.StageName, o.Amount, o.Owner?.Name);',
    "  console.log('API usage', conn.limitInfo.apiUsage);",
    '})();',
  ].join('\n');
}

export { generateOrg, saveOrg, loadOrg } from './generator';
export { SandboxClock } from './clock';
export type { GeneratedOrg } from './generator';
