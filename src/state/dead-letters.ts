import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Events and records that could not be processed, kept with their replay id and the reason, one JSON
 * object a line in STATE_DIR/dead-letters.jsonl: nothing is dropped silently, and an operator can
 * replay or requeue from it.
 */
export interface DeadLetter {
  at: string;
  replayId: number | null;
  recordIds: string[];
  code: string;
  reason: string;
}

export class DeadLetterStore {
  readonly file: string;

  constructor(private readonly stateDir: string) {
    this.file = path.join(stateDir, 'dead-letters.jsonl');
  }

  async add(letter: DeadLetter): Promise<void> {
    await mkdir(this.stateDir, { recursive: true });
    await appendFile(this.file, `${JSON.stringify(letter)}\n`);
  }

  async list(): Promise<DeadLetter[]> {
    try {
      const text = await readFile(this.file, 'utf8');
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as DeadLetter);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}
