import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ScorerError } from '../lib/errors';

/**
 * The replay checkpoint in STATE_DIR. Written to a temporary file and renamed over the old one, so a
 * crash mid-write leaves the previous checkpoint, never half a file.
 */
export interface Checkpoint {
  channel: string;
  replayId: number;
  savedAt: string;
}

export class CheckpointStore {
  private readonly file: string;

  constructor(
    private readonly stateDir: string,
    private readonly channel: string,
  ) {
    this.file = path.join(stateDir, `checkpoint-${channel.replace(/[^A-Za-z0-9_]+/g, '_')}.json`);
  }

  async load(): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ScorerError(
        'CONFIG_INVALID',
        `Cannot read the checkpoint ${this.file}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    let parsed: Partial<Checkpoint>;
    try {
      parsed = JSON.parse(text) as Partial<Checkpoint>;
    } catch (err) {
      throw new ScorerError(
        'CONFIG_INVALID',
        `The checkpoint ${this.file} is not JSON (${(err as Error).message}); move it aside to start from new events and a sweep`,
        { cause: err },
      );
    }
    if (parsed.channel !== this.channel || typeof parsed.replayId !== 'number') {
      throw new ScorerError(
        'CONFIG_INVALID',
        `The checkpoint ${this.file} is not a checkpoint of ${this.channel}`,
      );
    }
    return parsed.replayId;
  }

  async save(replayId: number, now: Date): Promise<void> {
    await mkdir(this.stateDir, { recursive: true });
    const body: Checkpoint = { channel: this.channel, replayId, savedAt: now.toISOString() };
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(body)}\n`);
    await rename(tmp, this.file);
  }
}
