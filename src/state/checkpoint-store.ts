import path from 'node:path';
import { z } from 'zod';
import { ScorerError } from '../lib/errors';
import { errnoOf, nodeStateFs, replaceFile, type StateFs } from './state-fs';
import type { StateHealth } from './state-health';

/**
 * The replay checkpoint in STATE_DIR. Written to a temporary file and renamed over the old one, so a
 * crash mid-write leaves the previous checkpoint, never half a file.
 */
export interface Checkpoint {
  channel: string;
  replayId: number;
  savedAt: string;
}

const checkpointSchema = z.object({
  channel: z.string(),
  replayId: z.number().int().safe(),
  savedAt: z.string().optional(),
});

/** Temporary files of an earlier process that died between write and rename. */
const STALE_TEMP = /^(checkpoint-.+\.json|dead-letters\.jsonl)\.\d+\.tmp$|^\.probe-\d+\.tmp$/;

export interface CheckpointStoreOptions {
  fs?: StateFs;
  health?: StateHealth;
}

export class CheckpointStore {
  readonly file: string;
  private readonly fs: StateFs;

  constructor(
    private readonly stateDir: string,
    private readonly channel: string,
    private readonly opts: CheckpointStoreOptions = {},
  ) {
    this.file = path.join(stateDir, `checkpoint-${channel.replace(/[^A-Za-z0-9_]+/g, '_')}.json`);
    this.fs = opts.fs ?? nodeStateFs;
  }

  /** The stored replay id; undefined when there is none. Anything else in the file stops the start. */
  async load(): Promise<number | undefined> {
    let text: string;
    try {
      text = await this.fs.readFile(this.file);
    } catch (err) {
      // ENOTDIR: STATE_DIR's parent is a file, so no checkpoint can exist; the state health says so.
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
      throw this.corrupt(`cannot be read (${errnoOf(err)}; check its permissions)`, err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw this.corrupt(`is not JSON (${(err as Error).message})`, err);
    }
    const parsed = checkpointSchema.safeParse(json);
    if (!parsed.success) throw this.corrupt('is not a checkpoint: it needs a channel and a whole replayId');
    if (parsed.data.channel !== this.channel)
      throw this.corrupt(`is not a checkpoint of ${this.channel} but of ${parsed.data.channel}`);
    return parsed.data.replayId;
  }

  async save(replayId: number, now: Date): Promise<void> {
    const body: Checkpoint = { channel: this.channel, replayId, savedAt: now.toISOString() };
    try {
      await this.fs.mkdir(this.stateDir);
      await replaceFile(this.fs, this.file, `${JSON.stringify(body)}\n`);
    } catch (err) {
      this.opts.health?.failed('checkpoint', err);
      throw new ScorerError('STATE_UNWRITABLE', `Cannot save the checkpoint ${this.file}: ${errnoOf(err)}`, {
        cause: err,
      });
    }
    this.opts.health?.worked('checkpoint');
  }

  /** Removes temporary files a killed process left between write and rename; returns their names. */
  async removeStaleTemps(): Promise<string[]> {
    let names: string[];
    try {
      names = await this.fs.readdir(this.stateDir);
    } catch {
      return []; // no STATE_DIR yet, or unreadable: the first save says so
    }
    const removed: string[] = [];
    for (const name of names.filter((n) => STALE_TEMP.test(n))) {
      try {
        await this.fs.unlink(path.join(this.stateDir, name));
        removed.push(name);
      } catch (err) {
        this.opts.health?.failed('directory', err);
      }
    }
    return removed;
  }

  private corrupt(what: string, cause?: unknown): ScorerError {
    return new ScorerError(
      'STATE_CORRUPT',
      `The checkpoint ${this.file} ${what}. Move it aside (mv ${this.file} ${this.file}.bad) and start again: the service then starts from new events and sweeps every open deal once, so no change is missed`,
      { cause, context: { file: this.file } },
    );
  }
}
