#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { addForecastCommands } from './cli/forecast-commands';
import { addHistoryCommands } from './cli/history-commands';
import { addDeadLettersCommand } from './cli/dead-letters-command';
import { addSandboxCommand } from './cli/sandbox-command';
import { addManifestsCommand } from './cli/manifests-command';
import { addScoringCommands } from './cli/scoring-commands';
import { addServiceCommands } from './cli/service-commands';
import { reportFailure } from './cli/io';

/** The `commitment-scorer` command: parses arguments and hands over to the modules. */
export function buildProgram(): Command {
  const program = new Command('commitment-scorer')
    .description('Scores Salesforce opportunities for customer commitment')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();
  const run = async (action: () => Promise<void> | void) => {
    try {
      await action();
    } catch (err) {
      reportFailure(err);
    }
  };
  addScoringCommands(program, run);
  addHistoryCommands(program, run);
  addServiceCommands(program, run);
  addForecastCommands(program, run);
  addSandboxCommand(program, run);
  addManifestsCommand(program, run);
  addDeadLettersCommand(program, run);
  return program;
}

/** The version of the package this file belongs to: src/ and dist/ both sit next to package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

/**
 * A promise nobody awaited failed: the process state is unknown, so stop with exit code 2 and let the
 * orchestrator restart it. Nothing is lost: unfinished events are past the stored checkpoint.
 */
export function exitOnUnhandledRejection(): void {
  process.on('unhandledRejection', (err) => {
    reportFailure(err);
    process.exit(2);
  });
}

async function main(argv: string[]): Promise<void> {
  exitOnUnhandledRejection();
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    // commander's own exits (help, version, usage errors) arrive here because of exitOverride().
    process.exitCode = (err as { exitCode?: number }).exitCode === 0 ? 0 : 1;
  }
}

if (require.main === module) void main(process.argv);
