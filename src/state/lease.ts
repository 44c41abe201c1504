import path from 'node:path';
import * as lockfile from 'proper-lockfile';
import type { Logger } from '../lib/logger';
import { errnoOf, nodeStateFs, type StateFs } from './state-fs';
import type { StateHealth } from './state-health';

/**
 * The one-consumer lease on STATE_DIR: a lock directory whose mtime the holder refreshes every
 * `updateMs`. A second service on the same STATE_DIR waits as a standby and takes the lease once the
 * holder stops refreshing it for `staleMs` (killed, host gone), so at most one process consumes the
 * org's events and moves the checkpoint. Takeover after a kill -9 takes at most staleMs + pollMs.
 */

export interface LeaseTimings {
  /** A lease not refreshed for this long belongs to a dead holder. */
  staleMs: number;
  updateMs: number;
  /** How often a standby tries to take the lease. */
  pollMs: number;
}

// 10 s of silence means the holder is gone: long enough for a GC pause or a slow disk, short enough
// that a standby is consuming within 30 s of a kill -9 (10 s stale + 2 s poll + the subscribe).
export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { staleMs: 10_000, updateMs: 2_000, pollMs: 2_000 };

export type LeaseState = 'waiting' | 'standby' | 'held' | 'unleased' | 'lost' | 'released';

export interface LeaseOptions {
  stateDir: string;
  logger: Logger;
  health?: StateHealth;
  fs?: StateFs;
  timings?: Partial<LeaseTimings>;
  /** The holder's lease was taken over or could not be refreshed: stop consuming at once. */
  onLost: (reason: string) => void;
}

export class StateLease {
  readonly lockPath: string;
  private stateValue: LeaseState = 'waiting';
  private releaseLock: (() => Promise<void>) | undefined;
  private readonly timings: LeaseTimings;

  constructor(private readonly opts: LeaseOptions) {
    this.lockPath = path.join(opts.stateDir, 'service.lock');
    this.timings = { ...DEFAULT_LEASE_TIMINGS, ...opts.timings };
  }

  get state(): LeaseState {
    return this.stateValue;
  }

  /** For /readyz while this process does not consume. */
  get notReadyReason(): string | undefined {
    switch (this.stateValue) {
      case 'standby':
      case 'waiting':
        return `standby: another service holds the lease ${this.lockPath}; this one takes over when it stops`;
      case 'lost':
        return `lease lost: another service took over ${this.lockPath}`;
      default:
        return undefined;
    }
  }

  /**
   * Resolves once this process may consume: the lease is held, or STATE_DIR cannot be written at all
   * (read-only, full), where no lease can exist and scoring goes on with /readyz saying why. Rejects
   * with the signal's reason when stopped while on standby.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      try {
        await (this.opts.fs ?? nodeStateFs).mkdir(this.opts.stateDir);
        this.releaseLock = await this.lock();
        this.stateValue = 'held';
        this.opts.health?.worked('lease');
        this.opts.logger.info({ lock: this.lockPath }, 'Lease on STATE_DIR taken; this service consumes');
        return;
      } catch (err) {
        if (errnoOf(err) !== 'ELOCKED') {
          this.stateValue = 'unleased';
          this.opts.health?.failed('lease', err);
          this.opts.logger.warn(
            { lock: this.lockPath, errno: errnoOf(err) },
            'No lease can be taken on STATE_DIR; running without one (a second service would consume too)',
          );
          return;
        }
        if (this.stateValue !== 'standby')
          this.opts.logger.info({ lock: this.lockPath }, 'Another service holds the lease; standing by');
        this.stateValue = 'standby';
        await sleep(this.timings.pollMs, signal);
      }
    }
  }

  /**
   * Running unleased and STATE_DIR writable again: take the lease now. If another service took it
   * meanwhile, both have been consuming: this one gives way (onLost) and exits to become a standby.
   */
  async retryUnleased(): Promise<void> {
    if (this.stateValue !== 'unleased') return;
    try {
      await (this.opts.fs ?? nodeStateFs).mkdir(this.opts.stateDir);
      this.releaseLock = await this.lock();
      this.stateValue = 'held';
      this.opts.health?.worked('lease');
      this.opts.logger.info({ lock: this.lockPath }, 'Lease on STATE_DIR taken after all');
    } catch (err) {
      if (errnoOf(err) === 'ELOCKED')
        this.compromised(Object.assign(new Error('another service holds the lease'), { code: 'ELOCKED' }));
    }
  }

  async release(): Promise<void> {
    const release = this.releaseLock;
    this.releaseLock = undefined;
    if (this.stateValue === 'held') this.stateValue = 'released';
    await release?.().catch((err: unknown) =>
      this.opts.logger.warn({ err, lock: this.lockPath }, 'Could not remove the lease'),
    );
  }

  private lock(): Promise<() => Promise<void>> {
    return lockfile.lock(this.opts.stateDir, {
      lockfilePath: this.lockPath,
      realpath: false,
      stale: this.timings.staleMs,
      update: this.timings.updateMs,
      onCompromised: (err) => this.compromised(err),
    });
  }

  private compromised(err: Error): void {
    this.releaseLock = undefined;
    this.stateValue = 'lost';
    const reason = `${errnoOf(err)}: ${err.message}`;
    this.opts.logger.error({ lock: this.lockPath, reason }, 'Lease on STATE_DIR lost; stopping consumption');
    this.opts.onLost(reason);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
