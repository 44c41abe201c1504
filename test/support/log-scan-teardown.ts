import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CAPTURE_DIR_VAR } from './log-capture';
import { findSecrets } from './secret-scan';

/**
 * Jest global teardown: scans every log line captured in the run (test loggers and the output of the
 * service processes the end-to-end tests started) for the secret values the tests used and for
 * anything shaped like a credential, prints the figures, and fails the run on any finding.
 */
export default async function scanRunLogs(): Promise<void> {
  const dir = process.env[CAPTURE_DIR_VAR];
  if (!dir) return;
  try {
    const files = readdirSync(dir);
    const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
    const secrets = files
      .filter((f) => f.startsWith('secrets-'))
      .flatMap((f) =>
        read(f)
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as string),
      );
    let lines = 0;
    let childLines = 0;
    const findings: string[] = [];
    for (const f of files.filter((name) => !name.startsWith('secrets-'))) {
      const text = read(f);
      const count = text.split('\n').filter(Boolean).length;
      if (f.startsWith('child-')) childLines += count;
      else lines += count;
      for (const finding of findSecrets(text, secrets))
        findings.push(`${f}: ${finding.what}: …${finding.excerpt}…`);
    }
    process.stdout.write(
      `\nLog scan: ${lines + childLines} lines (${lines} from test loggers, ${childLines} from service processes), ` +
        `${new Set(secrets).size} known secret values: ${findings.length} secrets found\n`,
    );
    if (findings.length > 0) throw new Error(`Secrets in the logs:\n${findings.slice(0, 20).join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
