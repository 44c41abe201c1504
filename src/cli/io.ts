import { readFileSync } from 'node:fs';
import { ScorerError, exitCodeFor, isScorerError } from '../lib/errors';

/** Reads a JSON file (or standard input for `-`), naming the file when it is not JSON. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new ScorerError('INPUT_UNREADABLE', `Cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ScorerError('INPUT_UNREADABLE', `${file} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints what went wrong and its fix, then sets the exit code the README's Contract section gives for it. */
export function reportFailure(err: unknown): void {
  if (isScorerError(err)) {
    process.stderr.write(`error: ${err.message}\n`);
    if (err.fix) process.stderr.write(`${err.fix}\n`);
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exitCode = exitCodeFor(err);
}
