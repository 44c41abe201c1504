import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError, type Command } from 'commander';
import { ScorerError, type ErrorCode } from '../lib/errors';

export interface SandboxWorkerData {
  port: number;
  deals: number;
  seed: number;
  data?: string;
  activity: number;
  effect: number;
}

/** Why the org did not start, as the worker reports it. */
export interface WorkerFailure {
  message: string;
  code?: ErrorCode;
}

/**
 * The org's young generation: semi-spaces of 64 MB instead of V8's 16 MB (V8 sizes the young
 * generation at three semi-spaces). The org keeps a long-lived heap of over 1 GB at 100k deals and
 * allocates a few MB per query; with the default, scavenges ran about every other 200-deal query and
 * loading spent a third of its time in them. `npm run bench:sandbox` gives its org the same size.
 */
export const ORG_SEMI_SPACE_MB = 64;
const ORG_HEAP = { maxYoungGenerationSizeMb: 3 * ORG_SEMI_SPACE_MB };

function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

function plantedEffect(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 5)
    throw new InvalidArgumentError('--effect must be a number from 0 to 5, e.g. 1.5.');
  return n;
}

export function addSandboxCommand(
  program: Command,
  run: (action: () => Promise<void> | void) => Promise<void>,
): void {
  program
    .command('sandbox')
    .description('Run the sandbox org alone: a local Salesforce stand-in speaking REST and CometD')
    .option('--port <n>', 'port to listen on (0 picks a free one)', wholeNumber('--port', 0, 65535), 8090)
    .option('--deals <n>', 'opportunities to generate', wholeNumber('--deals', 1, 1_000_000), 200)
    .option(
      '--seed <n>',
      'seed of the generator (same seed, same org)',
      wholeNumber('--seed', 0, 2 ** 31 - 1),
      42,
    )
    .option(
      '--effect <E>',
      "how strongly customer commitment decides closed deals' outcomes: log-odds per unit of commitment (0 = not at all, 1 = moderate, 2 = strong)",
      plantedEffect,
      1,
    )
    .option('--data <file>', 'load the org from this JSON file, or generate and save it there')
    .option(
      '--activity <perMinute>',
      'simulate seller and customer activity at this rate (0 = off)',
      wholeNumber('--activity', 0, 6000),
      0,
    )
    .action((opts: SandboxWorkerData) => run(() => runOrgWorker(opts)));
}

/**
 * Runs the org in a worker thread with ORG_HEAP until SIGINT or SIGTERM, then closes it. A signal
 * while the org is still being generated ends the worker at once rather than after the load.
 */
function runOrgWorker(opts: SandboxWorkerData): Promise<void> {
  const ts = path.extname(__filename) === '.ts';
  const file = path.join(__dirname, `sandbox-worker${ts ? '.ts' : '.js'}`);
  const options = { workerData: opts, resourceLimits: ORG_HEAP };
  // Run from source (tsx src/cli.ts), the worker registers the TypeScript loader itself: workers do
  // not inherit a loader registered through --import. Resolved here, as an eval worker's require
  // looks from the working directory.
  const loader = ts ? require.resolve('tsx/cjs') : '';
  const worker = ts
    ? new Worker(`require(${JSON.stringify(loader)}); require(${JSON.stringify(file)});`, {
        ...options,
        eval: true,
      })
    : new Worker(file, options);
  let listening = false;
  let stopping = false;
  const stop = (): void => {
    stopping = true;
    if (listening) worker.postMessage('stop');
    else void worker.terminate();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(
    opts.data && existsSync(opts.data)
      ? `Loading the sandbox org from ${opts.data}…\n`
      : `Generating the sandbox org (${opts.deals} deals${opts.data ? `, saved to ${opts.data}` : ''})…\n`,
  );
  return new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: { listening?: string; failed?: WorkerFailure }) => {
      if (msg.listening) {
        listening = true;
        if (stopping) worker.postMessage('stop');
        else process.stdout.write(`${msg.listening}\n\nCtrl-C stops it.\n`);
      }
      if (msg.failed) {
        const { code, message } = msg.failed;
        reject(code ? new ScorerError(code, message) : new Error(message));
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 || stopping
        ? resolve()
        : reject(new Error(`the sandbox org stopped with exit code ${code}`)),
    );
  }).finally(() => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
}
