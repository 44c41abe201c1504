/**
 * The org of `commitment-scorer sandbox`, run in a worker thread so that it gets the heap in
 * ORG_HEAP (see sandbox-command.ts). Tells the command when it is listening, stops when told.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isScorerError } from '../lib/errors';
import { describeSandbox, startSandbox } from '../sandbox';
import type { SandboxWorkerData, WorkerFailure } from './sandbox-command';

async function main(port: NonNullable<typeof parentPort>, opts: SandboxWorkerData): Promise<void> {
  const sandbox = await startSandbox({
    port: opts.port,
    deals: opts.deals,
    seed: opts.seed,
    dataFile: opts.data,
    plantedEffect: opts.effect,
  }).catch((err: unknown) => {
    // An error crossing to the main thread loses its class, so its code travels beside it.
    const failed: WorkerFailure = {
      message: err instanceof Error ? err.message : String(err),
      code: isScorerError(err) ? err.code : undefined,
    };
    port.postMessage({ failed });
    return undefined;
  });
  if (!sandbox) return;
  if (opts.activity > 0) sandbox.simulator.start({ ratePerMinute: opts.activity });
  port.once('message', () => {
    sandbox.simulator.stop();
    void sandbox.close().then(() => port.close());
  });
  port.postMessage({ listening: describeSandbox(sandbox) });
}

// Anything else that fails here becomes the worker's 'error' event, which the command reports.
if (parentPort) void main(parentPort, workerData as SandboxWorkerData);
