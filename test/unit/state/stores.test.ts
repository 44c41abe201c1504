import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CheckpointStore } from '../../../src/state/checkpoint-store';
import { DeadLetterStore } from '../../../src/state/dead-letters';

const dir = () => mkdtempSync(path.join(tmpdir(), 'scorer-state-'));

describe('the checkpoint store', () => {
  it('has nothing before the first save, then returns the saved replay id', async () => {
    const store = new CheckpointStore(dir(), '/data/Commitment_Scorer__chn');
    expect(await store.load()).toBeUndefined();
    await store.save(1042, new Date('2026-11-20T12:00:00Z'));
    expect(await store.load()).toBe(1042);
  });

  it('leaves no temporary file behind', async () => {
    const stateDir = dir();
    const store = new CheckpointStore(stateDir, '/data/OpportunityChangeEvent');
    await store.save(1, new Date());
    await store.save(2, new Date());
    expect(readdirSync(stateDir)).toEqual(['checkpoint-_data_OpportunityChangeEvent.json']);
  });

  it('names the file and what to do when the checkpoint is not JSON', async () => {
    const d = dir();
    writeFileSync(path.join(d, 'checkpoint-_data_Commitment_Scorer__chn.json'), '{"replayId": 10');
    await expect(new CheckpointStore(d, '/data/Commitment_Scorer__chn').load()).rejects.toMatchObject({
      code: 'STATE_CORRUPT',
      message: expect.stringMatching(
        /checkpoint-_data_Commitment_Scorer__chn\.json is not JSON.*Move it aside/,
      ),
    });
  });

  it("refuses another channel's checkpoint", async () => {
    const stateDir = dir();
    writeFileSync(
      path.join(stateDir, 'checkpoint-_data_X.json'),
      JSON.stringify({ channel: '/data/Y', replayId: 5 }),
    );
    await expect(new CheckpointStore(stateDir, '/data/X').load()).rejects.toThrow(
      /not a checkpoint of \/data\/X/,
    );
  });
});

describe('the dead-letter store', () => {
  it('keeps every dead letter with its replay id and reason', async () => {
    const store = new DeadLetterStore(dir());
    await store.add({
      at: '2026-11-20T12:00:00Z',
      replayId: 77,
      recordIds: ['006A'],
      code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      reason: 'Amount required',
    });
    await store.add({
      at: '2026-11-20T12:00:01Z',
      replayId: null,
      recordIds: ['006B'],
      code: 'ENTITY_IS_DELETED',
      reason: 'deleted',
    });
    const letters = await store.list();
    expect(letters.map((l) => [l.replayId, l.code])).toEqual([
      [77, 'FIELD_CUSTOM_VALIDATION_EXCEPTION'],
      [null, 'ENTITY_IS_DELETED'],
    ]);
  });
});
