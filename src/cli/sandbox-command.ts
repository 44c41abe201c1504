import { InvalidArgumentError, type Command } from 'commander';
import { describeSandbox, startSandbox } from '../sandbox';

function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
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
    .option('--data <file>', 'load the org from this JSON file, or generate and save it there')
    .option(
      '--activity <perMinute>',
      'simulate seller and customer activity at this rate (0 = off)',
      wholeNumber('--activity', 0, 6000),
      0,
    )
    .action((opts: { port: number; deals: number; seed: number; data?: string; activity: number }) =>
      run(async () => {
        const sandbox = await startSandbox({
          port: opts.port,
          deals: opts.deals,
          seed: opts.seed,
          dataFile: opts.data,
        });
        if (opts.activity > 0) sandbox.simulator.start({ ratePerMinute: opts.activity });
        process.stdout.write(`${describeSandbox(sandbox)}\n\nCtrl-C stops it.\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        sandbox.simulator.stop();
        await sandbox.close();
      }),
    );
}
