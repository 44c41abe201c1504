import type { Command } from 'commander';
import { parseEnv } from '../config/env';
import { backtestCommand, calibrateCommand, type CommandDeps } from '../forecast/commands';
import { createLogger } from '../lib/logger';
import { connectTo } from '../main';
import { DEFAULT_RULEBOOK_FILE } from '../rules/load-rulebook';
import { createProgress } from './progress';
import { configuredOrg } from './service-commands';

/** `backtest` and `calibrate`: flags here, the work in src/forecast/commands.ts. */
export function addHistoryCommands(
  program: Command,
  run: (action: () => Promise<void> | void) => Promise<void>,
): void {
  const collect = (value: string, previous: string[]): string[] => [...previous, value];
  program
    .command('backtest')
    .description('How well the stage and adjusted probabilities forecast closed deals, per horizon')
    .option('--from <date>', 'closed deals from the org with a CloseDate from this day (YYYY-MM-DD)')
    .option('--to <date>', '… to this day, inclusive')
    .option(
      '--snapshots <file>',
      'closed deals from a file instead: one deal snapshot (full history) per line',
    )
    .option('--horizon <days>', 'days before the close to look at each deal, comma-separated', '30,60,90')
    .option(
      '--rules <file>',
      'the rulebook (default: RULES_FILE, else the shipped one); twice to compare two',
      collect,
      [],
    )
    .option('--format <format>', 'table, json or csv', 'table')
    .action(
      (opts: {
        from?: string;
        to?: string;
        snapshots?: string;
        horizon: string;
        rules: string[];
        format: string;
      }) => run(() => backtestCommand(opts, commandDeps())),
    );

  program
    .command('calibrate')
    .description("Fit the rulebook's numbers on closed deals and write a proposed rulebook with its figures")
    .option('--from <date>', 'closed deals from the org with a CloseDate from this day (YYYY-MM-DD)')
    .option('--to <date>', '… to this day, inclusive')
    .option(
      '--snapshots <file>',
      'closed deals from a file instead: one deal snapshot (full history) per line',
    )
    .option('--horizon <days>', 'days before the close at which deals are scored', '30')
    .option('--rules <file>', 'the base rulebook (default: RULES_FILE, else the shipped one)')
    .requiredOption('--out <file>', 'where to write the proposed rulebook (a new file)')
    .action(
      (opts: {
        from?: string;
        to?: string;
        snapshots?: string;
        horizon: string;
        rules?: string;
        out: string;
      }) => run(() => calibrateCommand(opts, commandDeps())),
    );
}

function commandDeps(): CommandDeps {
  // A bar only on a terminal: piped output (json, csv) stays clean and logs stay short.
  const progress = process.stderr.isTTY
    ? createProgress({ stream: process.stderr, unit: 'deals' })
    : undefined;
  return {
    connect: async () => {
      const env = parseEnv();
      const logger = createLogger({ level: env.LOG_LEVEL, destination: process.stderr });
      return connectTo(env, await configuredOrg(env, logger));
    },
    now: Date.now,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    onProgress: progress
      ? (p) => {
          progress.update(p);
          if (p.done >= p.total) progress.finish();
        }
      : undefined,
    activeRulesFile: process.env.RULES_FILE || DEFAULT_RULEBOOK_FILE,
  };
}
