import path from 'node:path';
import type { Logger } from '../lib/logger';
import { errnoOf, nodeStateFs, writeAll, type StateFs } from './state-fs';
import type { StateHealth } from './state-health';

/**
 * Events and records that could not be processed, kept with their replay id and the reason, one JSON
 * object a line in STATE_DIR/dead-letters.jsonl: nothing is dropped silently, and an operator can
 * replay them (`commitment-scorer dead-letters retry`).
 */
export interface DeadLetter {
  at: string;
  replayId: number | null;
  recordIds: string[];
  code: string;
  reason: string;
}

export interface DeadLetterList {
  letters: DeadLetter[];
  /** Lines that are not a dead letter (a torn last line after a crash, a hand edit), by file and line. */
  unreadable: { file: string; line: number }[];
}

export interface DeadLetterStoreOptions {
  fs?: StateFs;
  health?: StateHealth;
  logger?: Logger;
}

export const DEAD_LETTER_FILE = 'dead-letters.jsonl';
/** A retry moves the file aside under this name first, so letters added meanwhile are not lost. */
const RETRYING = /^dead-letters\.retrying-\d+\.jsonl$/;

/** Unsaved letters held in memory for when STATE_DIR is writable again; past this they are only in the log. */
const MAX_UNSAVED = 1000;

export class DeadLetterStore {
  readonly file: string;
  private readonly fs: StateFs;
  private chain: Promise<unknown> = Promise.resolve();
  private unsaved: DeadLetter[] = [];

  constructor(
    private readonly stateDir: string,
    private readonly opts: DeadLetterStoreOptions = {},
  ) {
    this.file = path.join(stateDir, DEAD_LETTER_FILE);
    this.fs = opts.fs ?? nodeStateFs;
  }

  /**
   * Appends one letter as one whole line, or nothing: a write cut short (a full disk) is truncated
   * back. Never rejects: a letter that cannot be saved is logged whole, once, so it still exists
   * somewhere, and the process goes on (exiting would only replay into the same full disk). Resolves
   * true when the letter is in the file.
   */
  add(letter: DeadLetter): Promise<boolean> {
    // One append at a time: the truncate-back of a failed write must not cut a neighbour's line.
    const saved = this.chain.then(() => this.append(letter));
    this.chain = saved.catch(() => undefined);
    return saved.then(
      () => {
        this.opts.health?.worked('dead letters');
        return true;
      },
      (err: unknown) => {
        this.opts.health?.failed('dead letters', err);
        if (this.unsaved.length < MAX_UNSAVED) this.unsaved.push(letter);
        this.opts.logger?.error(
          { deadLetter: letter, file: this.file, errno: errnoOf(err) },
          'Cannot save a dead letter; it is kept only in this log line',
        );
        return false;
      },
    );
  }

  /** Writes the letters that could not be saved before (the log has them too); returns how many. */
  async saveUnsaved(): Promise<number> {
    const waiting = this.unsaved;
    this.unsaved = [];
    let saved = 0;
    for (const [i, letter] of waiting.entries()) {
      const done = this.chain.then(() => this.append(letter));
      this.chain = done.catch(() => undefined);
      try {
        await done;
        saved++;
      } catch (err) {
        this.opts.health?.failed('dead letters', err);
        this.unsaved = [...waiting.slice(i), ...this.unsaved].slice(0, MAX_UNSAVED);
        break;
      }
    }
    if (saved > 0) {
      this.opts.health?.worked('dead letters');
      this.opts.logger?.info(
        { saved, file: this.file },
        'Saved dead letters held while STATE_DIR could not be written',
      );
    }
    return saved;
  }

  /** Every readable letter, oldest first. */
  async list(): Promise<DeadLetter[]> {
    return (await this.listAll()).letters;
  }

  /** Every letter in the file (and in files a retry left behind); unreadable lines are counted, not fatal. */
  async listAll(): Promise<DeadLetterList> {
    const result: DeadLetterList = { letters: [], unreadable: [] };
    for (const file of await this.files()) this.parseInto(result, file, await this.readOrEmpty(file));
    return result;
  }

  /** The files holding letters: the live one last, so letters read in the order they were written. */
  async files(): Promise<string[]> {
    let names: string[];
    try {
      names = await this.fs.readdir(this.stateDir);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw err;
    }
    const aside = names.filter((n) => RETRYING.test(n)).sort();
    const live = names.includes(DEAD_LETTER_FILE) ? [DEAD_LETTER_FILE] : [];
    return [...aside, ...live].map((n) => path.join(this.stateDir, n));
  }

  /** Moves the live file aside for a retry; letters added from now on start a new live file. */
  async moveAside(now: Date): Promise<string | undefined> {
    const aside = path.join(this.stateDir, `dead-letters.retrying-${now.getTime()}.jsonl`);
    try {
      await this.fs.rename(this.file, aside);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return undefined;
      throw err;
    }
    return aside;
  }

  /** Reads the letters of one file. */
  async read(file: string): Promise<DeadLetterList> {
    const result: DeadLetterList = { letters: [], unreadable: [] };
    this.parseInto(result, file, await this.readOrEmpty(file));
    return result;
  }

  async remove(file: string): Promise<void> {
    await this.fs.unlink(file);
  }

  private async append(letter: DeadLetter): Promise<void> {
    await this.fs.mkdir(this.stateDir);
    const handle = await this.fs.open(this.file, 'a+');
    try {
      const { size } = await handle.stat();
      // A line torn by an older crash has no newline: start ours on a line of its own.
      const torn = size > 0 && !(await endsWithNewline(handle, size));
      const line = Buffer.from(`${torn ? '\n' : ''}${JSON.stringify(letter)}\n`);
      try {
        await writeAll(handle, line);
      } catch (err) {
        await handle.truncate(size).catch(() => undefined);
        throw err;
      }
    } finally {
      await handle.close();
    }
  }

  private async readOrEmpty(file: string): Promise<string> {
    try {
      return await this.fs.readFile(file);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return '';
      throw err;
    }
  }

  private parseInto(result: DeadLetterList, file: string, text: string): void {
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const letter = parseLetter(line);
      if (letter) result.letters.push(letter);
      else result.unreadable.push({ file, line: i + 1 });
    });
  }
}

async function endsWithNewline(handle: Awaited<ReturnType<StateFs['open']>>, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

function parseLetter(line: string): DeadLetter | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined; // a torn line: counted by the caller
  }
  const v = value as Partial<DeadLetter> | null;
  if (typeof v !== 'object' || v === null || !Array.isArray(v.recordIds) || typeof v.code !== 'string')
    return undefined;
  return {
    at: typeof v.at === 'string' ? v.at : '',
    replayId: typeof v.replayId === 'number' ? v.replayId : null,
    recordIds: v.recordIds.filter((id): id is string => typeof id === 'string'),
    code: v.code,
    reason: typeof v.reason === 'string' ? v.reason : '',
  };
}
