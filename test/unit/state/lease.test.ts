import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { StateLease } from '../../../src/state/lease';

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
});
