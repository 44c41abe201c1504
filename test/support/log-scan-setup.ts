import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CAPTURE_DIR_VAR } from './log-capture';

/**
 * Jest global setup: one directory for the whole run, where test processes leave their captured log
 * lines, child-process output and the secret values they used (see log-capture.ts). Workers start
 * after this and inherit the variable.
 */
export default async function setUpLogScan(): Promise<void> {
  process.env[CAPTURE_DIR_VAR] = mkdtempSync(path.join(os.tmpdir(), 'scorer-test-logs-'));
}
