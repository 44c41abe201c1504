import path from 'node:path';
import type { Command } from 'commander';
import { orgAuthFrom, parseEnv, type Env } from '../config/env';
import { ScorerError } from '../lib/errors';
import { createLogger, type Logger } from '../lib/logger';
import { DEFAULT_DRAIN_MS, startService, sweepOnce, type OrgAccess } from '../main';
import { openSession } from '../salesforce/auth';
import { reportFailure } from './io';
import { createProgress } from './progress';

/** `serve` and `sweep`: the service and the one-off reconciliation against the configured org. */
export function addServiceCommands(
  program: Command,
  run: (action: () => Promise<void> | void) => Promise<void>,
): void {
  program
    .command('serve')
    .description('Run the service against the configured org: subscribe, score changed deals, write back')
    .action(() =>
      run(async () => {
        const env = parseEnv();
        const logger = createLogger({ level: env.LOG_LEVEL });
        // Listening for signals from the start: a standby waiting for the lease must stop too.
        const stop = new AbortController();
        const signalled = untilSignal().then(() => stop.abort());
        let service;
        try {
          service = await startService(env, await configuredOrg(env, logger), {
            logger,
            signal: stop.signal,
          });
        } catch (err) {
          if (!stop.signal.aborted) throw err;
          logger.info('Stopped on standby');
          return;
        }
        // On stderr, beside the JSON log on stdout, and through no logger: see signInLine.
        process.stderr.write(`${signInLine(service.loginLink())}\n`);
        const ended = await Promise.race([
          signalled.then(() => undefined),
          service.lost.then((reason) => ({ lost: reason })),
          service.fatal.then((err) => ({ fatal: err })),
        ]);
        await stopWithin(service.close(), DEFAULT_DRAIN_MS + 5000, () => {
          logger.error({ deadlineMs: DEFAULT_DRAIN_MS + 5000 }, 'Stopping took too long; exiting now');
          process.exit(2);
        });
        // The org refused a token that cannot be refreshed: exit 2 with the error and its fix.
        if (ended !== undefined && 'fatal' in ended) throw ended.fatal;
        if (ended !== undefined && 'lost' in ended) {
          // Exit so the orchestrator restarts it; the new process waits as a standby.
          throw new ScorerError(
            'ORG_REQUEST_FAILED',
            `Stopped consuming: the lease on STATE_DIR was lost (${ended.lost})`,
          );
        }
      }),
    );

  program
    .command('sweep')
    .description('Rescore every open opportunity once and write what changed')
    .option('--dry-run', 'score and count what would change, write nothing')
    .action((opts: { dryRun?: boolean }) =>
      run(async () => {
        const env = parseEnv();
        const logger = createLogger({ level: env.LOG_LEVEL, destination: process.stderr });
        const progress = createProgress({ stream: process.stderr, unit: 'deals' });
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        const result = await sweepOnce(env, await configuredOrg(env, logger), {
          dryRun: opts.dryRun === true,
          onProgress: (p) => progress.update(p),
          signal: stop.signal,
          logger,
        });
        progress.finish();
        const verb = opts.dryRun ? 'would change' : 'changed';
        process.stdout.write(
          `${result.stopped ? 'Stopped after' : 'Swept'} ${result.scored} of ${result.total} open deals: ` +
            `${result.changed} ${verb}, ${result.written} written, ${result.deadLettered} dead-lettered, ` +
            `${result.failedChunks} batches failed (${(result.durationMs / 1000).toFixed(1)} s)\n`,
        );
        if (result.failedChunks > 0 || result.stopped) process.exitCode = 2;
        // Rows the org refused are not lost (each is a dead letter) but the run did not do its job.
        if (result.deadLettered > 0) {
          const err = new ScorerError(
            'ROWS_DEAD_LETTERED',
            `${result.deadLettered} deal${result.deadLettered === 1 ? ' was' : 's were'} refused by the org and dead-lettered in ${path.join(env.STATE_DIR, 'dead-letters.jsonl')}`,
          );
          reportFailure(err);
        }
      }),
    );
}

/** The org the environment names; the sandbox is only for `npm start` and has no credentials to find. */
export async function configuredOrg(env: Env, logger?: Logger): Promise<OrgAccess> {
  const auth = orgAuthFrom(env);
  if (auth.kind === 'sandbox') {
    throw new ScorerError(
      'CONFIG_INVALID',
      'No org is configured: set SF_ORG, or SF_CLIENT_ID + SF_USERNAME + SF_JWT_KEY_FILE, or SF_INSTANCE_URL + SF_ACCESS_TOKEN (`npm start` runs the sandbox org instead)',
    );
  }
  return openSession(auth, { apiVersion: env.SF_API_VERSION, logger });
}

/**
 * The pages' sign-in, printed for the operator and never logged: the code in it works once, for 10
 * minutes, so a copy that lands in a log afterwards opens nothing.
 */
export function signInLine(link: string): string {
  return `Open first: ${link}   (one-time sign-in to the pages, valid 10 minutes; a new one: POST /v1/admin/login-link)`;
}

/** Resolves on the first SIGINT or SIGTERM: the orchestrator's stop, or Ctrl-C. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/**
 * Waits for `work` (the service's close: drain, last checkpoint, sockets) at most `ms`; after that
 * `onLate` runs (the CLI exits), so a hung socket or batch cannot keep a stopped pod alive.
 */
export async function stopWithin(work: Promise<void>, ms: number, onLate: () => void): Promise<void> {
  const timer = setTimeout(onLate, ms);
  timer.unref();
  try {
    await work;
  } finally {
    clearTimeout(timer);
  }
}
