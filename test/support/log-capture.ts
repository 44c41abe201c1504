import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/lib/logger';

/**
 * Log capture for tests. `captureLogs()` gives the service's own logger (createLogger: the production
 * redaction paths) writing into memory; every line is also kept for the secret scan that runs once
 * after the whole jest run (test/support/log-scan-teardown.ts), together with the output of the
 * service processes the end-to-end tests start (`recordChildOutput`) and the secret values tests used
 * (`recordSecrets`). Outside jest's global setup (a script, a single file run by another runner) the
 * run-wide part is skipped and only the in-memory lines remain.
 */

export const CAPTURE_DIR_VAR = 'SCORER_TEST_LOG_DIR';

/** One file per test process for its logger lines: appends are whole lines, never interleaved. */
let linesFd: number | undefined;

function runDir(): string | undefined {
  const dir = process.env[CAPTURE_DIR_VAR];
  if (dir) mkdirSync(dir, { recursive: true });
  return dir || undefined;
}

function appendRunWide(file: string, text: string): void {
  const dir = runDir();
  if (!dir) return;
  const fd = openSync(path.join(dir, file), 'a');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function appendLine(line: string): void {
  const dir = runDir();
  if (!dir) return;
  linesFd ??= openSync(path.join(dir, `lines-${process.pid}.log`), 'a');
  writeSync(linesFd, line.endsWith('\n') ? line : `${line}\n`);
}

export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, as pino wrote it (JSON). */
  lines: string[];
}

/**
 * The service's logger at `level` (default: debug, so more than production writes is scanned). With
 * TEST_LOG_LEVEL set, that level is used and the lines are also shown on stderr, for debugging a test.
 */
export function captureLogs(level: string = process.env.TEST_LOG_LEVEL ?? 'debug'): CapturedLogs {
  const lines: string[] = [];
  const show = process.env.TEST_LOG_LEVEL !== undefined;
  const destination = new Writable({
    write(chunk, _enc, done) {
      const line = String(chunk);
      lines.push(line);
      appendLine(line);
      if (show) process.stderr.write(line);
      done();
    },
  });
  return { logger: createLogger({ destination, level }), lines };
}

/** Keeps a child process's whole output (stdout and stderr) for the run-wide scan. */
export function recordChildOutput(name: string, output: string): void {
  const safe = name.replace(/[^a-zA-Z0-9-]/g, '_');
  appendRunWide(
    `child-${safe}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.log`,
    output,
  );
}

/** Secret values a test handed to the service: the scan looks for each of them verbatim. */
export function recordSecrets(...values: string[]): void {
  appendRunWide(`secrets-${process.pid}.jsonl`, values.map((v) => `${JSON.stringify(v)}\n`).join(''));
}
