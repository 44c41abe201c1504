import type { Command } from 'commander';
import { calibrationDetails, calibrationLine } from '../rules/calibration-line';
import { DEFAULT_RULEBOOK_FILE, loadRulebookFile } from '../rules/load-rulebook';
import { parseAsOf, scoreSnapshot } from '../scoring';
import { printJson, readJsonFile } from './io';
import { checkRulebookOnOrg } from './org-check-command';

export function addScoringCommands(
  program: Command,
  run: (action: () => Promise<void> | void) => Promise<void>,
): void {
  program
    .command('score')
    .description('Score one deal snapshot and print the score result as JSON (writes nothing)')
    .requiredOption(
      '--file <path>',
      'the deal snapshot (JSON, see src/scoring/snapshot.schema.json); - reads standard input',
    )
    .option('--as-of <iso>', 'score as of this moment (default: now)')
    .option('--rules <path>', 'the rulebook (default: RULES_FILE, else the shipped default)')
    .action((opts: { file: string; asOf?: string; rules?: string }) =>
      run(() => {
        const rulebook = loadRulebookFile(opts.rules ?? (process.env.RULES_FILE || DEFAULT_RULEBOOK_FILE));
        const asOf = opts.asOf === undefined ? Date.now() : parseAsOf(opts.asOf);
        printJson(scoreSnapshot(readJsonFile(opts.file), rulebook, asOf));
      }),
    );

  const rules = program.command('rules').description('Check and compare rulebooks');
  rules
    .command('check')
    .description('Validate a rulebook; every problem names its rule and line')
    .argument('<file>', 'the rulebook (YAML)')
    .option('--org', "also check it against the configured org's fields, picklist values and access")
    .action((file: string, opts: { org?: boolean }) =>
      run(async () => {
        const rulebook = loadRulebookFile(file);
        if (opts.org) {
          process.stdout.write(`${(await checkRulebookOnOrg(file, rulebook)).join('\n')}\n`);
          return;
        }
        process.stdout.write(
          `${file}: valid, version ${rulebook.version}, ${rulebook.flags.length} flag${rulebook.flags.length === 1 ? '' : 's'}\n` +
            `${calibrationLine(rulebook.calibration)}\n` +
            (rulebook.calibration ? `${calibrationDetails(rulebook.calibration)}\n` : ''),
        );
      }),
    );
}
