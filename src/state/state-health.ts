import path from 'node:path';
import type { Logger } from '../lib/logger';
import { errnoOf, writeAll, type StateFs } from './state-fs';

export type StateArea = 'directory' | 'checkpoint' | 'dead letters' | 'lease';

/**
 * Whether STATE_DIR can be written, as the stores last found it. A read-only or full volume does not
 * stop scoring (the org is the truth, a sweep catches up), but it makes /readyz say why: checkpoints
 * that do not move mean replays after a restart, and dead letters that cannot be saved exist only in
 * the log. Each area logs once when it starts failing and once when it recovers, not at every write.
 */
export class StateHealth {
  private readonly problems = new Map<StateArea, string>();

  constructor(
    readonly stateDir: string,
    private readonly fs: StateFs,
    private readonly logger: Logger,
  ) {}

  /** Undefined while every area works; else one sentence naming each failing area and its errno. */
  get reason(): string | undefined {
    if (this.problems.size === 0) return undefined;
    const parts = [...this.problems].map(([area, detail]) => `${area}: ${detail}`);
    return `STATE_DIR ${this.stateDir} cannot be written (${parts.join('; ')})`;
  }

  failed(area: StateArea, err: unknown): void {
    if (!this.problems.has(area))
      this.logger.error(
        { area, stateDir: this.stateDir, err },
        'STATE_DIR cannot be written; scoring goes on, /readyz says not ready',
      );
    this.problems.set(area, errnoOf(err));
  }

  worked(area: StateArea): void {
    if (!this.problems.delete(area)) return;
    this.logger.info({ area, stateDir: this.stateDir }, 'STATE_DIR can be written again');
  }

  /** Creates and removes a small file: is the directory writable right now? */
  async probe(): Promise<boolean> {
    const file = path.join(this.stateDir, `.probe-${process.pid}.tmp`);
    try {
      await this.fs.mkdir(this.stateDir);
      const handle = await this.fs.open(file, 'w');
      try {
        await writeAll(handle, Buffer.from('ok\n'));
      } finally {
        await handle.close();
      }
      await this.fs.unlink(file);
      this.worked('directory');
      return true;
    } catch (err) {
      await this.fs.unlink(file).catch(() => undefined);
      this.failed('directory', err);
      return false;
    }
  }
}
