import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { StateLease } from '../../../src/state/lease';
import { faultyStateFs } from '../../support/faulty-state-fs';

/** The STATE_DIR lease within one process (the e2e test runs it across processes with kill -9). */

const logger = pino({ level: 'silent' });
const fast = { staleMs: 2000, updateMs: 1000, pollMs: 50 };
const leases: StateLease[] = [];
afterEach(async () => {
  for (const l of leases.splice(0)) await l.release();
});

function lease(stateDir: string, onLost: (reason: string) => void = () => undefined): StateLease {
  const l = new StateLease({ stateDir, logger, timings: fast, onLost });
  leases.push(l);
  return l;
}

describe('the STATE_DIR lease', () => {
  it('lets one holder in, keeps the next on standby, and hands over when the holder releases', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scorer-lease-'));
    const first = lease(dir);
    await first.acquire();
    expect(first.state).toBe('held');
    expect(first.notReadyReason).toBeUndefined();

    const second = lease(dir);
    const taken = second.acquire();
    await new Promise((r) => setTimeout(r, 200));
    expect(second.state).toBe('standby');
    expect(second.notReadyReason).toMatch(/^standby: another service holds the lease/);

    await first.release();
    await taken;
    expect(second.state).toBe('held');
  });

  it('stops waiting when its signal aborts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scorer-lease-'));
    await lease(dir).acquire();
    const stop = new AbortController();
    const waiting = lease(dir).acquire(stop.signal);
    stop.abort(new Error('SIGTERM'));
    await expect(waiting).rejects.toThrow('SIGTERM');
  });

  it('runs unleased, saying why, when STATE_DIR cannot hold a lock (its parent is a file)', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'scorer-lease-')), 'file');
    writeFileSync(file, 'x');
    const l = lease(path.join(file, 'state'));
    await l.acquire();
    expect(l.state).toBe('unleased');
  });

  it('takes the lease once an unleased STATE_DIR is writable, and gives way if another took it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scorer-lease-'));
    const fs = faultyStateFs('read-only');
    const lost: string[] = [];
    const unleased = new StateLease({
      stateDir: path.join(dir, 'state'),
      logger,
      timings: fast,
      fs,
      onLost: (r) => lost.push(r),
    });
    leases.push(unleased);
    await unleased.acquire();
    expect(unleased.state).toBe('unleased');
    fs.mode = 'ok';
    await unleased.retryUnleased();
    expect(unleased.state).toBe('held');

    const otherFs = faultyStateFs('read-only');
    const otherDir = path.join(dir, 'other');
    const other = new StateLease({
      stateDir: otherDir,
      logger,
      timings: fast,
      fs: otherFs,
      onLost: (r) => lost.push(r),
    });
    leases.push(other);
    await other.acquire();
    expect(other.state).toBe('unleased');
    // Meanwhile a second service on the same directory took the lease.
    await lease(otherDir).acquire();
    otherFs.mode = 'ok';
    await other.retryUnleased();
    expect(other.state).toBe('lost');
    expect(lost).toEqual([expect.stringMatching(/another service holds the lease/)]);
  });
});
