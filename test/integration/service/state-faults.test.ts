import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { faultyStateFs } from '../../support/faulty-state-fs';
import { changesThatRescore, savedCheckpoint, sellerEdit, staleDeals, writesSince } from './org-oracle';
import { openIds, settled, startStack, until, type Stack } from './stack';

/**
 * STATE_DIR faults with the whole service running against the sandbox org. Before, a failed
 * checkpoint save left /readyz saying ready, and the first dead letter that could not be written
 * stopped the process with exit code 2, on every restart (a crash loop). Now scoring goes on, /readyz
 * names the problem, and an unsaved dead letter is logged whole once.
 */

function captured() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _e, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    }),
  );
  return { logger, lines };
}

async function readiness(stack: Stack): Promise<{ status: number; reason?: string }> {
  const res = await fetch(`${stack.service.url}/readyz`);
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, reason: body.reason };
}

const UNSAVED = 'Cannot save a dead letter; it is kept only in this log line';

describe('a full STATE_DIR volume', () => {
  const fs = faultyStateFs();
  const { logger, lines } = captured();
  let stack: Stack;
  let pool: [string, { StageName: string }][];
  beforeAll(async () => {
    stack = await startStack({ sandbox: { deals: 30 }, tuning: { stateFs: fs, logger, stateProbeMs: 100 } });
    await stack.service.sweep('test waits for the first sweep');
    await settled(stack);
    pool = [...(await changesThatRescore(stack.sandbox, openIds(stack.sandbox)))];
  });
  afterAll(() => stack.close());

  it('keeps scoring, says not ready, logs the unsaved dead letter whole once, and recovers when space returns', async () => {
    const sandbox = stack.sandbox;
    expect((await readiness(stack)).status).toBe(200);
    const checkpointBefore = await savedCheckpoint(stack.stateDir);
    const lettersFile = path.join(stack.stateDir, 'dead-letters.jsonl');
    writeFileSync(lettersFile, '');

    fs.mode = 'full';
    const [[refused, refusedChange], [fine, fineChange]] = pool.splice(0, 2);
    const from = sandbox.writeLog.length;
    const refusedReplay = sellerEdit(sandbox, refused, refusedChange);
    // Our write of this deal is refused for good: a dead letter, which cannot be saved.
    sandbox.faults.failValidation([refused], 'Next Step is required in this stage');
    sellerEdit(sandbox, fine, fineChange);

    // The fine change is scored and written although nothing can be saved.
    await until(() => writesSince(sandbox, from).has(fine));
    await until(() => lines.some((l) => l.msg === UNSAVED));
    await until(async () => (await readiness(stack)).status === 503);
    expect((await readiness(stack)).reason).toMatch(/STATE_DIR .* cannot be written \(.*ENOSPC/);
    await settled(stack);
    const unsaved = lines.filter((l) => l.msg === UNSAVED);
    expect(unsaved).toHaveLength(1);
    expect(unsaved[0].deadLetter).toMatchObject({
      replayId: refusedReplay,
      recordIds: [refused],
      code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      reason: expect.stringContaining('Next Step is required'),
    });
    // No torn line, and the checkpoint on disk is the old one, whole.
    expect(readFileSync(lettersFile, 'utf8')).toBe('');
    expect(await savedCheckpoint(stack.stateDir)).toBe(checkpointBefore);
    expect(stack.service.subscriber.state).toBe('subscribed');

    fs.mode = 'ok';
    let after = await readiness(stack);
    await until(async () => (after = await readiness(stack)).status === 200).catch(() => {
      throw new Error(`still not ready: ${after.reason}`);
    });
    // The letter held in memory meanwhile is in the file now, as one whole line.
    const saved = readFileSync(lettersFile, 'utf8').split('\n').filter(Boolean);
    expect(saved.map((line) => JSON.parse(line) as unknown)).toEqual([unsaved[0].deadLetter]);
    // The checkpoint catches up without waiting for another event.
    const last = sandbox.core.bus.lastReplayId();
    await until(async () => ((await savedCheckpoint(stack.stateDir)) ?? -1) >= last);
    expect(await staleDeals(sandbox, [fine])).toEqual([]);
  });
});

describe('a STATE_DIR that cannot exist (its parent is a regular file)', () => {
  it('starts, scores and writes changes, and says why it is not ready', async () => {
    const parent = path.join(await mkdtemp(path.join(os.tmpdir(), 'scorer-notdir-')), 'a-file');
    writeFileSync(parent, 'not a directory');
    const { logger, lines } = captured();
    const stack = await startStack({
      sandbox: { deals: 20 },
      env: { STATE_DIR: path.join(parent, 'state') },
      tuning: { logger },
    });
    try {
      await stack.service.sweep('test waits for the first sweep');
      await settled(stack);
      const ready = await readiness(stack);
      expect(ready.status).toBe(503);
      expect(ready.reason).toMatch(/STATE_DIR .*a-file\/state cannot be written \(.*ENOTDIR/);
      const [[id, change]] = [...(await changesThatRescore(stack.sandbox, openIds(stack.sandbox)))];
      const from = stack.sandbox.writeLog.length;
      sellerEdit(stack.sandbox, id, change);
      await until(() => writesSince(stack.sandbox, from).has(id));
      expect(lines.some((l) => /running without one/.test(String(l.msg)))).toBe(true);
    } finally {
      await stack.close();
    }
  });
});
