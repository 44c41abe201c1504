import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { exitCodeFor } from '../../../src/lib/errors';
import { createLogger } from '../../../src/lib/logger';
import { CheckpointStore } from '../../../src/state/checkpoint-store';
import { DeadLetterStore, type DeadLetter } from '../../../src/state/dead-letters';
import { nodeStateFs } from '../../../src/state/state-fs';
import { StateHealth } from '../../../src/state/state-health';
import { faultyStateFs } from '../../support/faulty-state-fs';

/** STATE_DIR on a full, read-only or missing volume, and files torn or corrupted by a crash. */

const CHANNEL = '/data/Commitment_Scorer__chn';
const dir = () => mkdtempSync(path.join(tmpdir(), 'scorer-state-faults-'));

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk, _e, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    }),
  });
  return { logger, lines };
}

const letter = (n: number): DeadLetter => ({
  at: `2026-11-20T12:00:0${n}Z`,
  replayId: 100 + n,
  recordIds: [`0065g00000ABCD${n}AAA`],
  code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  reason: `refused ${n}`,
});

describe('dead letters on a full disk', () => {
  it('writes a line whole or not at all, logs the unsaved letter whole once, and recovers', async () => {
    const stateDir = dir();
    const fs = faultyStateFs();
    const { logger, lines } = capture();
    const health = new StateHealth(stateDir, fs, logger);
    const store = new DeadLetterStore(stateDir, { fs, health, logger });
    expect(await store.add(letter(1))).toBe(true);
    const before = readFileSync(store.file, 'utf8');

    fs.mode = 'full';
    expect(await store.add(letter(2))).toBe(false);
    expect(fs.failures.get('ENOSPC')).toBe(1);
    // The half-written line was cut back: the file is as it was.
    expect(readFileSync(store.file, 'utf8')).toBe(before);
    expect(health.reason).toMatch(/STATE_DIR .* cannot be written \(dead letters: ENOSPC\)/);
    const logged = lines.filter(
      (l) => l.msg === 'Cannot save a dead letter; it is kept only in this log line',
    );
    expect(logged).toHaveLength(1);
    expect(logged[0].deadLetter).toEqual(letter(2));

    fs.mode = 'ok';
    expect(await store.add(letter(3))).toBe(true);
    expect(health.reason).toBeUndefined();
    expect((await store.listAll()).letters.map((l) => l.replayId)).toEqual([101, 103]);
    expect((await store.listAll()).unreadable).toEqual([]);
  });

  it('never rejects, so a caller cannot crash on it', async () => {
    const fs = faultyStateFs('read-only');
    const store = new DeadLetterStore(path.join(dir(), 'new'), { fs });
    await expect(store.add(letter(1))).resolves.toBe(false);
  });
});

describe('a torn last line', () => {
  it('is tolerated on read and does not swallow the next letter', async () => {
    const stateDir = dir();
    const store = new DeadLetterStore(stateDir);
    const whole = JSON.stringify(letter(1));
    // What a kill -9 mid-append (or an older version on a full disk) leaves.
    writeFileSync(store.file, `${whole}\n${JSON.stringify(letter(2)).slice(0, 30)}`);
    expect(await store.listAll()).toEqual({
      letters: [letter(1)],
      unreadable: [{ file: store.file, line: 2 }],
    });

    await store.add(letter(3));
    const { letters, unreadable } = await store.listAll();
    expect(letters.map((l) => l.replayId)).toEqual([101, 103]);
    expect(unreadable).toHaveLength(1);
  });
});

describe('the checkpoint on a failing volume', () => {
  it('keeps the previous checkpoint whole when the disk fills mid-save, and leaves no temp file', async () => {
    const stateDir = dir();
    const fs = faultyStateFs();
    const { logger } = capture();
    const health = new StateHealth(stateDir, fs, logger);
    const store = new CheckpointStore(stateDir, CHANNEL, { fs, health });
    await store.save(10, new Date('2026-11-20T12:00:00Z'));

    fs.mode = 'full';
    await expect(store.save(11, new Date())).rejects.toMatchObject({ code: 'STATE_UNWRITABLE' });
    expect(await store.load()).toBe(10);
    expect(readdirSync(stateDir)).toEqual([path.basename(store.file)]);
    expect(health.reason).toMatch(/checkpoint: ENOSPC/);

    fs.mode = 'ok';
    await store.save(12, new Date());
    expect(await store.load()).toBe(12);
    expect(health.reason).toBeUndefined();
  });

  it('reports a STATE_DIR whose parent is a regular file, with the real file system', async () => {
    const file = path.join(dir(), 'not-a-directory');
    writeFileSync(file, 'x');
    const stateDir = path.join(file, 'state');
    const { logger } = capture();
    const real = new StateHealth(stateDir, nodeStateFs, logger);
    expect(await real.probe()).toBe(false);
    expect(real.reason).toMatch(/directory: ENOTDIR/);
    const checkpoints = new CheckpointStore(stateDir, CHANNEL, { health: real });
    await expect(checkpoints.save(1, new Date())).rejects.toMatchObject({ code: 'STATE_UNWRITABLE' });
    // No checkpoint can exist there: a start goes on from new events.
    expect(await checkpoints.load()).toBeUndefined();
    expect(await new DeadLetterStore(stateDir, { health: real, logger }).add(letter(1))).toBe(false);
    expect(real.reason).toMatch(/checkpoint: ENOTDIR; dead letters: ENOTDIR|dead letters: ENOTDIR/);
  });

  it('removes temporary files a killed process left, and nothing else', async () => {
    const stateDir = dir();
    const store = new CheckpointStore(stateDir, CHANNEL);
    await store.save(5, new Date());
    writeFileSync(`${store.file}.4242.tmp`, '{"chan');
    writeFileSync(path.join(stateDir, '.probe-77.tmp'), 'ok');
    writeFileSync(path.join(stateDir, 'dead-letters.jsonl'), `${JSON.stringify(letter(1))}\n`);
    writeFileSync(path.join(stateDir, 'notes.tmp'), 'an operator file');
    expect((await store.removeStaleTemps()).sort()).toEqual([
      '.probe-77.tmp',
      `${path.basename(store.file)}.4242.tmp`,
    ]);
    expect(readdirSync(stateDir).sort()).toEqual(
      [path.basename(store.file), 'dead-letters.jsonl', 'notes.tmp'].sort(),
    );
    expect(await store.load()).toBe(5);
  });
});

describe('a corrupt checkpoint of any shape', () => {
  const shapes: [string, string][] = [
    ['an empty file', ''],
    ['null', 'null'],
    ['an array', '[1,2]'],
    ['a number', '42'],
    ['a string', '"checkpoint"'],
    ['no replay id', JSON.stringify({ channel: CHANNEL })],
    ['a replay id as text', JSON.stringify({ channel: CHANNEL, replayId: '12' })],
    ['a fractional replay id', JSON.stringify({ channel: CHANNEL, replayId: 1.5 })],
    ['a replay id past 2^53', `{"channel":"${CHANNEL}","replayId":1e300}`],
    ['bytes that are not text', '\u0000\u00ff\u0001'],
    ['half a JSON object', '{"channel":"/data/Commit'],
    ['another channel', JSON.stringify({ channel: '/data/Other__chn', replayId: 3 })],
  ];

  it.each(shapes)(
    'stops the start with exit code 1 naming the file and what to do: %s',
    async (_name, text) => {
      const stateDir = dir();
      const store = new CheckpointStore(stateDir, CHANNEL);
      writeFileSync(store.file, text);
      const err: unknown = await store.load().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'STATE_CORRUPT' });
      expect((err as Error).message).toContain(store.file);
      expect((err as Error).message).toMatch(/Move it aside \(mv .+ .+\.bad\)/);
      expect(exitCodeFor(err)).toBe(1);
    },
  );

  it('treats a directory where the file should be the same way', async () => {
    const stateDir = dir();
    const store = new CheckpointStore(stateDir, CHANNEL);
    mkdirSync(store.file);
    await expect(store.load()).rejects.toMatchObject({
      code: 'STATE_CORRUPT',
      message: expect.stringMatching(/cannot be read \(EISDIR.*Move it aside/),
    });
  });
});
