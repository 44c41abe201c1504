import { Option, type Command } from 'commander';
import { parseEnv } from '../config/env';
import { createLogger } from '../lib/logger';
import { retryDeadLettersOnce } from '../main';
import { DeadLetterStore, type DeadLetter } from '../state/dead-letters';
import { printJson } from './io';
import { configuredOrg } from './service-commands';

/** `dead-letters list|retry`: what was set aside in STATE_DIR, and replaying it against the org. */
export function addDeadLettersCommand(
  program: Command,
  run: (action: () => Promise<void> | void) => Promise<void>,
): void {
  const group = program
    .command('dead-letters')
    .description('Show the dead letters in STATE_DIR, or replay them against the configured org');

  group
    .command('list')
    .description('Print every dead letter: when, replay id, code, records, reason')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action((opts: { format: 'table' | 'json' }) =>
      run(async () => {
        const env = parseEnv();
        const { letters, unreadable } = await new DeadLetterStore(env.STATE_DIR).listAll();
        if (opts.format === 'json') printJson({ letters, unreadable });
        else process.stdout.write(table(letters));
        for (const { file, line } of unreadable)
          process.stderr.write(
            `warning: ${file} line ${line} is not a dead letter (torn by a crash?); skipped\n`,
          );
      }),
    );

  group
    .command('retry')
    .description('Rescore the deals behind every dead letter through the normal batch path, and write them')
    .action(() =>
      run(async () => {
        const env = parseEnv();
        const logger = createLogger({ level: env.LOG_LEVEL, destination: process.stderr });
        const r = await retryDeadLettersOnce(env, await configuredOrg(env, logger), { logger });
        process.stdout.write(
          `Retried ${r.letters} dead letters: ${r.deals} deals, ${r.scored} scored, ${r.written} written, ` +
            `${r.deadLettered} dead-lettered again, ${r.kept} kept, ${r.failedBatches} batches failed\n`,
        );
        if (r.kept > 0)
          process.stdout.write(
            'Kept letters name no deal that can be looked up, or their batch failed: `commitment-scorer sweep` rescores every open deal.\n',
          );
        if (r.failedBatches > 0) process.exitCode = 2;
      }),
    );
}

function table(letters: DeadLetter[]): string {
  if (letters.length === 0) return 'No dead letters.\n';
  const rows = letters.map((l) => [
    l.at,
    l.replayId === null ? '-' : String(l.replayId),
    l.code,
    l.recordIds.join(',') || '-',
    // One line a letter: a reason with newlines or a kilobyte of text would break the columns.
    l.reason.replace(/\s+/g, ' ').slice(0, 120),
  ]);
  const head = ['AT', 'REPLAY ID', 'CODE', 'RECORDS', 'REASON'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[head, ...rows].map(line).join('\n')}\n${letters.length} dead letters\n`;
}
