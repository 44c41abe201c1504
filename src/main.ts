import type { Connection } from 'jsforce';
import type { Env } from './config/env';
import { createApp } from './http/app';
import { createMetrics, type Metrics } from './http/metrics';
import { createPageAuth } from './http/pages/page-auth';
import { createPageData } from './http/pages/page-data';
import { createPagesRouter } from './http/pages/router';
import { reliabilityOf } from './forecast/calibration';
import { combineReadiness } from './http/readiness';
import { listen } from './http/server';
import { ScorerError } from './lib/errors';
import { createLogger, type Logger } from './lib/logger';
import { DEFAULT_RULEBOOK_FILE, loadRulebookFile, type Rulebook } from './rules/load-rulebook';
import { createConnection, loadSnapshots, type ApiCallKind } from './salesforce';
import { jsforceRefreshFn } from './salesforce/auth';
import { orgError } from './salesforce/org-errors';
import { verifyAccess } from './salesforce/verify-access';
import { ParentResolver } from './salesforce/resolve-parents';
import { ChangeSubscriber } from './salesforce/subscriber';
import { Batcher } from './pipeline/batcher';
import { createDeafnessGuard } from './pipeline/deafness-guard';
import { createEchoFilter } from './pipeline/echo-filter';
import { EventIntake } from './pipeline/intake';
import { PauseGate } from './pipeline/pause-gate';
import { describeForRulebook, fitToOrg, preflight } from './pipeline/preflight';
import { processBatch, type BatchDeps } from './pipeline/process-batch';
import { replayDeadLetters, type ReplayResult } from './pipeline/replay-dead-letters';
import { routeEvent } from './pipeline/route-event';
import { runSweep, type SweepResult } from './pipeline/sweep';
import { parseInterval, SweepScheduler } from './pipeline/sweep-scheduler';
import { scoreSnapshot } from './scoring';
import { CheckpointStore } from './state/checkpoint-store';
import { DeadLetterStore } from './state/dead-letters';
import { StateLease, type LeaseTimings } from './state/lease';
import { nodeStateFs, type StateFs } from './state/state-fs';
import { StateHealth } from './state/state-health';

/**
 * The composition root: configuration in, a running service out. Nothing else in src builds the
 * long-lived objects; everything below receives what it needs. The flow it wires is
 * subscriber → intake (route, echo filter, watermark) → batcher → process-batch → write-back,
 * with the sweep feeding the same batcher.
 */

/** How the service reaches the org: a token now and a way to get a new one. */
export interface OrgAccess {
  instanceUrl: string;
  accessToken: string;
  refreshable: boolean;
  refresh(): Promise<string>;
  describe(): string;
}

/** Knobs the tests and the demo turn; production uses the defaults. */
export interface ServiceTuning {
  batchWindowMs?: number;
  watchdogMs?: number;
  subscribeRetryMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long writes pause after the org says its daily API limit is reached. */
  limitPauseMs?: number;
  drainMs?: number;
  writeTimeoutMs?: number;
  checkpointEveryMs?: number;
  writeRetryBaseMs?: number;
  /** Drift check interval and grace; the interval overrides DRIFT_CHECK_INTERVAL. */
  driftCheckMs?: number;
  driftGraceMs?: number;
  driftSlackMs?: number;
  /** First delay and cap of the delayed retries of a locked row; the cap overrides LOCK_RETRY_MAX_DELAY. */
  lockRetryBaseMs?: number;
  lockRetryMaxMs?: number;
  now?: () => number;
  logger?: Logger;
  /** The file system under STATE_DIR; tests pass one that fails like a full or read-only disk. */
  stateFs?: StateFs;
  lease?: Partial<LeaseTimings>;
  /** How often a STATE_DIR that could not be written is tried again. */
  stateProbeMs?: number;
  /** Stops a standby that is still waiting for the lease (startService then rejects). */
  signal?: AbortSignal;
  onApiCall?: (kind: ApiCallKind) => void;
  onScored?: BatchDeps['onScored'];
}

/** How long a stop waits for events in flight before it saves the checkpoint without them. */
export const DEFAULT_DRAIN_MS = 10_000;

export interface RunningService {
  url: string;
  metrics: Metrics;
  intake: EventIntake;
  subscriber: ChangeSubscriber;
  connection: Connection;
  /** A new one-time sign-in link for the pages: print it to the operator, never log it. */
  loginLink(): string;
  /** Runs a sweep now (or joins the running one). */
  sweep(reason: string): Promise<SweepResult | undefined>;
  /**
   * Settles when the service cannot go on and must stop (the org refused a token that cannot be
   * refreshed); `serve` then closes it and exits with the error and its fix. Never settles otherwise.
   */
  fatal: Promise<ScorerError>;
  /** Resolves with the reason if another service took the lease over; consumption has stopped then. */
  lost: Promise<string>;
  close(): Promise<void>;
}

export async function startService(
  env: Env,
  org: OrgAccess,
  tuning: ServiceTuning = {},
): Promise<RunningService> {
  const logger = tuning.logger ?? createLogger({ level: env.LOG_LEVEL });
  const now = tuning.now ?? Date.now;
  const metrics = createMetrics();
  const rulesFile = env.RULES_FILE ?? DEFAULT_RULEBOOK_FILE;
  let rulebook: Rulebook = loadRulebookFile(rulesFile);

  // The port opens first: a standby answers /healthz, and /readyz with why it does not consume.
  const stateFs = tuning.stateFs ?? nodeStateFs;
  const health = new StateHealth(env.STATE_DIR, stateFs, logger.child({ component: 'state' }));
  let onLost: (reason: string) => void = () => undefined;
  const lost = new Promise<string>((resolve) => (onLost = resolve));
  const lease = new StateLease({
    stateDir: env.STATE_DIR,
    logger: logger.child({ component: 'lease' }),
    health,
    fs: stateFs,
    timings: tuning.lease,
    onLost: (reason) => onLost(reason),
  });
  const tokens = { adminToken: env.ADMIN_TOKEN, readToken: env.READ_TOKEN };
  const front = await listen(
    env.HOST,
    env.PORT,
    createApp({
      logger,
      metrics,
      rulebook: () => rulebook,
      now,
      ...tokens,
      notReadyReason: combineReadiness([() => lease.notReadyReason ?? 'starting']),
    }),
  );
  logger.info({ host: env.HOST, port: front.port }, 'Listening');
  try {
    await lease.acquire(tuning.signal);
  } catch (err) {
    await front.close();
    throw err;
  }
  const unwind = async () => {
    await lease.release();
    await front.close();
  };

  const conn = connectTo(env, org);
  let fail: (err: ScorerError) => void = () => undefined;
  const fatal = new Promise<ScorerError>((resolve) => {
    fail = (err) => {
      logger.fatal({ code: err.code, reason: err.message }, 'Stopping: the org refused the access token');
      resolve(err);
    };
  });
  const checkpoints = new CheckpointStore(env.STATE_DIR, env.CDC_CHANNEL, { fs: stateFs, health });
  const deadLetters = new DeadLetterStore(env.STATE_DIR, {
    fs: stateFs,
    health,
    logger: logger.child({ component: 'dead-letters' }),
  });
  let stored: number | undefined;
  let orgShape: Awaited<ReturnType<typeof describeForRulebook>>;
  try {
    const removed = await checkpoints.removeStaleTemps();
    if (removed.length > 0) logger.info({ removed }, 'Removed temporary files an earlier process left');
    await health.probe();
    stored = await checkpoints.load();
    await verifyAccess(conn, {
      apiVersion: env.SF_API_VERSION,
      timeoutMs: 8000,
      logger,
      what: org.describe(),
      hint: org.refreshable ? undefined : 'set a fresh SF_ACCESS_TOKEN, or the JWT variables, or SF_ORG',
    });
    // Does the org have what the rulebook maps? Kept, so a rules reload is checked without calling it.
    orgShape = await describeForRulebook(conn, rulebook);
    rulebook = fitToOrg(rulebook, orgShape, logger);
  } catch (err) {
    await unwind();
    throw err;
  }
  const gate = new PauseGate(now);
  const limitPauseMs = tuning.limitPauseMs ?? 120_000;

  const resolver = new ParentResolver(() => conn, { metrics, onApiCall: tuning.onApiCall });
  const isEcho = createEchoFilter({
    clientId: env.SCORER_CLIENT_ID,
    integrationUserId: env.INTEGRATION_USER_ID,
    outputFields: Object.values(rulebook.fields.outputs),
  });
  const retryBase = tuning.retryBaseMs ?? 1000;
  const retryMax = tuning.retryMaxMs ?? 60_000;
  const intake = new EventIntake({
    route: (ev) => routeEvent(ev, { commitment: rulebook.fields.commitment, isEcho }),
    submit: (ids) => batcher.add(ids),
    busy: () => batcher.depth,
    resolve: (route) => resolver.resolve(route),
    requestSweep: (reason) => void scheduler.trigger(reason),
    catchUp: (since) => guard.catchUp(since, 'ids not held at MAX_PENDING_DEALS'),
    maxPendingDeals: env.MAX_PENDING_DEALS,
    deadLetter: (letter) => deadLetters.add(letter),
    saveCheckpoint: async (replayId) => {
      // After a takeover the checkpoint is the new holder's: ours would move it backwards.
      if (lease.state === 'lost')
        throw new ScorerError('STATE_UNWRITABLE', 'The lease on STATE_DIR was lost');
      await checkpoints.save(replayId, new Date(now()));
    },
    initialReplayId: stored,
    checkpointEveryMs: tuning.checkpointEveryMs,
    retryDelayMs: (attempt) => Math.min(retryMax, retryBase * 2 ** (attempt - 1)),
    logger: logger.child({ component: 'intake' }),
    metrics,
    now,
  });
  const batchDeps: BatchDeps = {
    connection: () => conn,
    rulebook: () => rulebook,
    now,
    deadLetters,
    logger: logger.child({ component: 'batch' }),
    metrics,
    onApiCall: tuning.onApiCall,
    replayIdOf: (id) => intake.replayIdOf(id),
    onWritten: (id) => {
      // Written deals only: an echo or a change that moved nothing is no write to wait for.
      const seconds = intake.secondsSinceChange(id);
      if (seconds !== null) metrics.lag.observe(seconds);
    },
    writeTimeoutMs: tuning.writeTimeoutMs,
    onScored: tuning.onScored,
    writeOptions: { maxApiUsage: env.MAX_API_USAGE / 100, baseDelayMs: tuning.writeRetryBaseMs },
  };
  const batcher = new Batcher({
    windowMs: tuning.batchWindowMs ?? 250,
    maxBatch: 200,
    maxPending: 2000,
    // Locked rows wait out the lock with growing delays (see `lockRetryDelay`); their events stay
    // unfinished meanwhile, so the checkpoint never passes them and a restart replays them.
    laterDelayMs: lockRetryDelay(env, tuning),
    process: async (ids, { finalTry }) => {
      await gate.wait();
      metrics.queueDepth.set(batcher.depth);
      try {
        const outcome = await processBatch(ids, { ...batchDeps, deferLocked: (id) => !finalTry(id) });
        return { later: outcome.later };
      } catch (err) {
        metrics.batches.inc({ outcome: 'failed' });
        // REQUEST_LIMIT_EXCEEDED or our own budget line: stop calling the org for a while. The
        // events stay unfinished, so the checkpoint stays where it is until they are written.
        if (err instanceof ScorerError && err.code === 'ORG_LIMIT_EXCEEDED')
          gate.pauseFor(limitPauseMs, err.message);
        // REST 401 on a token nobody can refresh: nothing gets better until an operator acts.
        if (!org.refreshable && err instanceof ScorerError && err.code === 'ORG_AUTH_FAILED')
          fail(tokenRefused(err));
        throw err;
      }
    },
  });

  const sweepLogger = logger.child({ component: 'sweep' });
  const scheduler = new SweepScheduler({
    intervalMs: parseInterval(env.SWEEP_INTERVAL),
    logger: sweepLogger,
    sweep: async (signal) => {
      const result = await runSweep(conn, {
        submit: (ids) => batcher.add(ids),
        signal,
        logger: sweepLogger,
        metrics,
        onApiCall: tuning.onApiCall,
      });
      metrics.sweeps.inc({ outcome: result.stopped ? 'stopped' : 'done' });
      return result;
    },
  });

  const guardLogger = logger.child({ component: 'drift' });
  const guard = createDeafnessGuard({
    connection: () => conn,
    channel: env.CDC_CHANNEL,
    commitment: rulebook.fields.commitment,
    intervalMs: tuning.driftCheckMs ?? parseInterval(env.DRIFT_CHECK_INTERVAL),
    graceMs: tuning.driftGraceMs ?? 60_000,
    slackMs: tuning.driftSlackMs,
    newestSeen: () => intake.newestCommit,
    rebuildSubscription: () => subscriber.rebuildNow('drift'),
    submit: (ids) => batcher.add(ids),
    logger: guardLogger,
    metrics,
    onApiCall: tuning.onApiCall,
  });

  let authProblem: string | undefined;
  const subscriber = new ChangeSubscriber({
    channel: env.CDC_CHANNEL,
    connection: () => conn,
    // Until the first event is finished there is no checkpoint: a rebuild then takes every retained
    // event (-2, duplicates are skipped by replay id) so nothing published while it was down is lost.
    replayFrom: () => intake.checkpoint ?? (subscribed ? -2 : undefined),
    onMessage: (message) => intake.accept(message),
    refreshAuth: async () => {
      // A ready token cannot be renewed; a passing streaming 401 is no reason to stop while REST takes it.
      if (!org.refreshable) return confirmToken();
      try {
        conn.accessToken = await org.refresh();
        conn.instanceUrl = org.instanceUrl;
        authProblem = undefined;
      } catch (err) {
        authProblem = (err as Error).message;
        throw err;
      }
    },
    onReplayRefused: () => {
      intake.replayRestarted();
      scheduler.trigger('replay id refused');
    },
    watchdogMs: tuning.watchdogMs,
    retryMs: tuning.subscribeRetryMs,
    logger: logger.child({ component: 'subscriber' }),
    metrics,
  });

  const pageAuth = createPageAuth({ tokens: [env.ADMIN_TOKEN], now });
  const pages = createPagesRouter({
    auth: pageAuth,
    adminToken: env.ADMIN_TOKEN,
    logger,
    // The held-out table of the active rulebook's calibration: the last backtest the org has.
    reliability: () => reliabilityOf(rulebook),
    ...createPageData({
      connection: () => conn,
      rulebook: () => rulebook,
      now,
      blocked: () => gate.reason,
      logger,
      metrics,
      onApiCall: tuning.onApiCall,
    }),
  });
  /** One REST call with the token as it is: a 401 stops the service, naming the fix; other failures are retried. */
  async function confirmToken(): Promise<void> {
    try {
      tuning.onApiCall?.('query');
      await conn.limits();
      authProblem = undefined;
    } catch (err) {
      const e = orgError(err, 'Checking the access token over REST failed');
      if (e.code !== 'ORG_AUTH_FAILED') throw e;
      const refused = tokenRefused(e);
      authProblem = refused.message;
      fail(refused);
      throw refused;
    }
  }

  const app = createApp({
    pages,
    logger,
    metrics,
    rulebook: () => rulebook,
    now,
    ...tokens,
    readyDetails: () => (rulebook.switchedOff?.length ? { switchedOff: rulebook.switchedOff } : {}),
    notReadyReason: combineReadiness([
      () => lease.notReadyReason,
      () => (authProblem ? `the org refused our credentials: ${authProblem}` : undefined),
      () =>
        subscriber.state === 'subscribed'
          ? undefined
          : `not subscribed to ${env.CDC_CHANNEL} (${subscriber.state}${subscriber.failure ? `: ${subscriber.failure}` : ''})`,
      () => (gate.reason === undefined ? undefined : `writes paused: ${gate.reason}`),
      () => (intake.failing === undefined ? undefined : `changes are not being written: ${intake.failing}`),
      () => health.reason,
    ]),
    loadAndScore: async (id) => {
      // A preview must not spend the API budget the org has told us to stop spending.
      if (gate.reason !== undefined) throw new ScorerError('ORG_LIMIT_EXCEEDED', `Not now: ${gate.reason}`);
      const { snapshots } = await loadSnapshots(conn, [id], rulebook.fields, { metrics, logger });
      const snapshot = [...snapshots.values()][0];
      if (!snapshot)
        throw new ScorerError('NOT_FOUND', `No opportunity ${id} is visible to the integration user`);
      return scoreSnapshot(snapshot, rulebook, now());
    },
    sweep: async () => scheduler.trigger('admin request'),
    reloadRules: async () => {
      rulebook = fitToOrg(loadRulebookFile(rulesFile), orgShape, logger);
      logger.info({ version: rulebook.version }, 'Rulebook reloaded');
      return { version: rulebook.version };
    },
  });
  front.serve(app);

  const port = front.port;
  logger.info({ org: org.describe(), channel: env.CDC_CHANNEL, replayFrom: stored ?? -1, port }, 'Starting');
  let subscribed = false;
  try {
    // A refused ready token fails the start at once instead of after the subscribe deadline.
    await Promise.race([subscriber.start(), fatal.then((err) => Promise.reject(err))]);
    subscribed = true;
  } catch (err) {
    await subscriber.stop();
    await unwind();
    if (err instanceof ScorerError && err.code === 'ORG_TOKEN_REFUSED') throw err;
    throw new ScorerError('ORG_REQUEST_FAILED', (err as Error).message, { cause: err, retryable: false });
  }
  scheduler.start();
  guard.start();
  // With no checkpoint, only new events arrive: score the deals that exist now once.
  if (stored === undefined) void scheduler.trigger('first start');
  // A STATE_DIR that failed is tried again now and then, so /readyz turns ready once it is fixed and
  // the checkpoint catches up even when no event arrives to carry it.
  const probe = setInterval(() => {
    if (health.reason === undefined) return;
    void health.probe().then(async (ok) => {
      if (!ok) return;
      await lease.retryUnleased();
      await deadLetters.saveUnsaved();
      await intake.flush().catch((err: unknown) => logger.warn({ err }, 'Checkpoint still not saved'));
    });
  }, tuning.stateProbeMs ?? 30_000);
  probe.unref();

  let closing: Promise<void> | undefined;
  const service: RunningService = {
    url: front.url,
    loginLink: () => `${front.url}${pageAuth.issueLoginPath()}`,
    metrics,
    intake: intake,
    subscriber,
    connection: conn,
    fatal,
    sweep: async (reason) => {
      scheduler.trigger(reason);
      await scheduler.idle();
      return scheduler.lastResult;
    },
    lost,
    close: () => {
      closing ??= (async () => {
        clearInterval(probe);
        await subscriber.stop();
        // Release held batches first, or a sweep waiting at the gate keeps the scheduler from stopping.
        gate.release();
        await scheduler.stop();
        await guard.stop();
        // A STATE_DIR that cannot be written fails the last checkpoint save: said, then stop anyway.
        await intake
          .drain(tuning.drainMs ?? DEFAULT_DRAIN_MS)
          .catch((err: unknown) => logger.error({ err }, 'The last checkpoint was not saved'));
        gate.release();
        await batcher.close().catch((err: unknown) => logger.warn({ err }, 'A batch failed while closing'));
        await unwind();
        logger.info({ checkpoint: intake.checkpoint }, 'Stopped');
      })();
      return closing;
    },
  };
  // Another process took the lease (this one was frozen past its staleness): stop consuming now.
  void lost.then(() => service.close());
  return service;
}

export interface SweepOnceOptions {
  dryRun: boolean;
  onProgress?: (p: { done: number; total: number }) => void;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface SweepOnceResult extends SweepResult {
  scored: number;
  /** Deals whose values differ from the org's: written, or (dry run) that would be. */
  changed: number;
  written: number;
  deadLettered: number;
}

/** `commitment-scorer sweep`: every open deal through the batch path once, without a subscription. */
export async function sweepOnce(env: Env, org: OrgAccess, opts: SweepOnceOptions): Promise<SweepOnceResult> {
  const logger = opts.logger ?? createLogger({ level: env.LOG_LEVEL });
  const conn = connectTo(env, org);
  const { rulebook } = await preflight(
    conn,
    loadRulebookFile(env.RULES_FILE ?? DEFAULT_RULEBOOK_FILE),
    logger,
  );
  const totals = { scored: 0, changed: 0, written: 0, deadLettered: 0 };
  // Stop at the first sign that every further batch will fail the same way (limit, credentials).
  const stop = new AbortController();
  opts.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let fatal: unknown;
  const deps: BatchDeps = {
    connection: () => conn,
    rulebook: () => rulebook,
    now: Date.now,
    deadLetters: new DeadLetterStore(env.STATE_DIR),
    logger,
    dryRun: opts.dryRun,
    writeOptions: { maxApiUsage: env.MAX_API_USAGE / 100 },
  };
  const result = await runSweep(conn, {
    submit: async (ids) => {
      let outcome;
      try {
        outcome = await processBatch(ids, deps);
      } catch (err) {
        if (
          err instanceof ScorerError &&
          (err.code === 'ORG_LIMIT_EXCEEDED' || err.code === 'ORG_AUTH_FAILED')
        ) {
          fatal ??= err;
          stop.abort();
        }
        throw err;
      }
      totals.scored += outcome.scored;
      totals.changed += outcome.planned;
      totals.written += outcome.written;
      totals.deadLettered += outcome.deadLettered;
    },
    // One batch at a time: the same pace as the live service's batcher.
    concurrency: 1,
    onProgress: opts.onProgress,
    signal: stop.signal,
    logger,
  });
  if (fatal !== undefined) throw fatal;
  return { ...result, ...totals };
}

/**
 * A row another transaction keeps locked past the write's own attempts (~6 s) is tried again after
 * base × 2^(n-1), capped at LOCK_RETRY_MAX_DELAY, for LOCK_RETRY_ATTEMPTS more tries (by default
 * 5 s, 10 s, … 5 min: over an hour in all) and only then dead-lettered: by then the org refuses the
 * row for good (a record stuck in an approval lock, say), not for a moment.
 */
function lockRetryDelay(env: Env, tuning: ServiceTuning): (attempt: number) => number | undefined {
  const base = tuning.lockRetryBaseMs ?? 5000;
  const max = tuning.lockRetryMaxMs ?? parseInterval(env.LOCK_RETRY_MAX_DELAY) ?? 300_000;
  return (attempt) =>
    attempt > env.LOCK_RETRY_ATTEMPTS ? undefined : Math.min(max, base * 2 ** (attempt - 1));
}

function tokenRefused(err: ScorerError): ScorerError {
  return new ScorerError(
    'ORG_TOKEN_REFUSED',
    `The org refused the access token over REST, and a ready token cannot be refreshed (${err.message})`,
    { cause: err },
  );
}

/** `commitment-scorer dead-letters retry`: the deals behind the dead letters through the batch path. */
export async function retryDeadLettersOnce(
  env: Env,
  org: OrgAccess,
  opts: { logger?: Logger } = {},
): Promise<ReplayResult> {
  const logger = opts.logger ?? createLogger({ level: env.LOG_LEVEL });
  const rulebook = loadRulebookFile(env.RULES_FILE ?? DEFAULT_RULEBOOK_FILE);
  const conn = connectTo(env, org);
  const store = new DeadLetterStore(env.STATE_DIR, { logger });
  const resolver = new ParentResolver(() => conn, {});
  return replayDeadLetters({
    store,
    logger,
    now: () => new Date(),
    resolve: (req) => resolver.resolve(req),
    batch: {
      connection: () => conn,
      rulebook: () => rulebook,
      now: Date.now,
      deadLetters: store,
      logger,
      writeOptions: { maxApiUsage: env.MAX_API_USAGE / 100 },
    },
  });
}

export function connectTo(env: Env, org: OrgAccess): Connection {
  return createConnection({
    instanceUrl: org.instanceUrl,
    accessToken: org.accessToken,
    apiVersion: env.SF_API_VERSION,
    clientId: env.SCORER_CLIENT_ID,
    // jsforce calls this on a 401 and repeats the request with the new token.
    ...(org.refreshable ? { refreshFn: jsforceRefreshFn(org) } : {}),
  });
}

// `npm start` runs this file: the service against the configured org, or the sandbox demo without one.
if (require.main === module) {
  void import('./cli/start-demo').then(async ({ runStart }) => {
    const { reportFailure } = await import('./cli/io');
    const { exitOnUnhandledRejection } = await import('./cli');
    exitOnUnhandledRejection();
    await runStart().catch(reportFailure);
  });
}
