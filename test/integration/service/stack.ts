import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { parseEnv } from '../../../src/config/env';
import { startService, type RunningService, type ServiceTuning } from '../../../src/main';
import { captureLogs, recordSecrets } from '../../support/log-capture';
import { fixedTokenOrgAccess, sandboxOrgAccess } from '../../support/sandbox-org-access';
import { changesThatRescore, savedCheckpoint, staleDeals, writesSince } from './org-oracle';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../src/sandbox';

/**
 * The real service against the sandbox org over HTTP and CometD, with a fresh STATE_DIR: what the
 * acceptance tests drive. Timings are shortened (batch window, watchdog, retries), nothing is faked.
 */

export interface Stack {
  sandbox: Sandbox;
  service: RunningService;
  stateDir: string;
  apiCalls: { query: number; write: number };
  /** Tokens the service minted through its refresh path. */
  refreshes: number;
  /** How many times the service scored each opportunity (18-character id), across restarts. */
  scored: Map<string, number>;
  restart(tuning?: ServiceTuning): Promise<void>;
  close(): Promise<void>;
}

export const FAST: ServiceTuning = {
  batchWindowMs: 50,
  watchdogMs: 3000,
  subscribeRetryMs: 200,
  retryBaseMs: 50,
  retryMaxMs: 400,
  limitPauseMs: 300,
  drainMs: 3000,
  checkpointEveryMs: 20,
  writeRetryBaseMs: 20,
  lockRetryBaseMs: 50,
  lockRetryMaxMs: 400,
};

export async function startStack(
  opts: {
    sandbox?: SandboxOptions;
    tuning?: ServiceTuning;
    env?: Record<string, string>;
    /** A ready token that cannot be refreshed (SF_ACCESS_TOKEN mode) instead of a refreshable session. */
    fixedToken?: boolean;
  } = {},
): Promise<Stack> {
  const sandbox = await startSandbox({ deals: 40, seed: 7, cometdTimeoutMs: 1000, ...opts.sandbox });
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'scorer-state-'));
  // The service logs through the capture (production redaction), scanned for these after the run.
  const secretEnv = Object.entries(opts.env ?? {}).filter(([name]) => /TOKEN|KEY|SECRET/.test(name));
  recordSecrets(sandbox.accessToken, sandbox.sellerToken, ...secretEnv.map(([, value]) => value));
  const apiCalls = { query: 0, write: 0 };
  const scored = new Map<string, number>();
  const stack: Stack = {
    sandbox,
    stateDir,
    apiCalls,
    refreshes: 0,
    scored,
    service: undefined as unknown as RunningService,
    restart: async (tuning) => {
      await stack.service.close();
      stack.service = await boot(tuning);
    },
    close: async () => {
      const sessions = sandbox.cometdClients();
      await stack.service?.close();
      // Let the service's /meta/disconnect reach the org before the org goes away: a streaming client
      // whose disconnect fails retries it for ever and keeps the process alive (see the e2e test
      // "stops on SIGTERM even when the org has gone away").
      await until(() => sandbox.cometdClients() < sessions, 5000).catch(() => undefined);
      await sandbox.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  // Refreshes mint a new sandbox token for the integration user, as the JWT flow would.
  const org = opts.fixedToken
    ? fixedTokenOrgAccess(sandbox)
    : sandboxOrgAccess(sandbox, () => stack.refreshes++);
  const env = parseEnv({
    SF_INSTANCE_URL: sandbox.instanceUrl,
    SF_ACCESS_TOKEN: sandbox.accessToken,
    INTEGRATION_USER_ID: sandbox.integrationUserId,
    STATE_DIR: stateDir,
    PORT: '0',
    SWEEP_INTERVAL: 'off',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const boot = (tuning?: ServiceTuning) =>
    startService(env, org, {
      ...FAST,
      logger: captureLogs().logger,
      onApiCall: (kind) => apiCalls[kind]++,
      ...opts.tuning,
      ...tuning,
      onScored: (result, info) => {
        const id = result.opportunityId;
        if (id !== null) scored.set(id, (scored.get(id) ?? 0) + 1);
        (tuning?.onScored ?? opts.tuning?.onScored)?.(result, info);
      },
    });
  try {
    stack.service = await boot();
  } catch (err) {
    // A service that refuses to start (say, an org without a field it writes) leaves no org behind.
    await sandbox.close();
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }
  return stack;
}

/** A seller's connection: their edits are what the service must react to. */
export function sellerConnection(sandbox: Sandbox): Connection {
  return new Connection({
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.sellerToken,
    version: '62.0',
  });
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const openIds = (sandbox: Sandbox): string[] =>
  [...sandbox.store.all('Opportunity')].filter((o) => !o.IsClosed).map((o) => String(o.Id));

/**
 * Waits until the service has finished every change event the sandbox published so far: nothing
 * outstanding in the intake and the watermark at (or past) the newest replay id. The echo of our own
 * writes is an event too, so after this the echo has been seen and skipped as well.
 */
export async function settled(stack: Stack, timeoutMs = 20_000): Promise<void> {
  // The newest id is read on every poll: a write publishes its echo before the write call returns,
  // so by the time the change behind it is finished the echo's id is already the newest.
  await until(
    () =>
      stack.service.intake.outstanding === 0 &&
      (stack.service.intake.checkpoint ?? -1) >= stack.sandbox.core.bus.lastReplayId(),
    timeoutMs,
  );
}

/** Our writes in the sandbox's write log, per opportunity id. */
export function writesById(sandbox: Sandbox, userId = sandbox.integrationUserId): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of sandbox.writeLog) {
    if (w.object !== 'Opportunity' || w.userId !== userId) continue;
    out.set(w.id, (out.get(w.id) ?? 0) + 1);
  }
  return out;
}

/**
 * A stack past its first sweep with nothing in flight, and a pool of open deals each paired with the
 * stage move that is sure to change its outputs: what the fault tests draw their changes from.
 */
export async function warmStack(
  opts: Parameters<typeof startStack>[0],
): Promise<{ stack: Stack; pool: [string, { StageName: string }][] }> {
  const stack = await startStack(opts);
  await stack.service.sweep('test waits for the first sweep');
  await settled(stack);
  return { stack, pool: [...(await changesThatRescore(stack.sandbox, openIds(stack.sandbox)))] };
}

/**
 * Nothing lost after a fault: every deal in `ids` has a write since write-log position `from`, its
 * outputs equal a fresh scoring, and the checkpoint on disk is past every published change event.
 */
export async function expectAllWritten(stack: Stack, ids: string[], from: number): Promise<void> {
  await until(() => ids.every((id) => writesSince(stack.sandbox, from).has(id)));
  await settled(stack);
  expect(await staleDeals(stack.sandbox, ids)).toEqual([]);
  const last = stack.sandbox.core.bus.lastReplayId();
  await until(async () => ((await savedCheckpoint(stack.stateDir)) ?? -1) >= last);
}
