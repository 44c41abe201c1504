import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseEnv } from '../../../src/config/env';
import { retryDeadLettersOnce } from '../../../src/main';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { DeadLetterStore, type DeadLetter } from '../../../src/state/dead-letters';
import { sandboxOrgAccess } from '../../support/sandbox-org-access';
import { isTampered, tamperOutputs } from './org-oracle';

/** `dead-letters retry` against the sandbox org: the deals behind the letters, through the batch path. */

let sandbox: Sandbox;
let stateDir: string;
beforeEach(async () => {
  sandbox = await startSandbox({ deals: 20, seed: 9, cometdTimeoutMs: 1000 });
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'scorer-retry-'));
});
afterEach(async () => {
  await sandbox.close();
  await rm(stateDir, { recursive: true, force: true });
});

const env = () =>
  parseEnv({
    SF_INSTANCE_URL: sandbox.instanceUrl,
    SF_ACCESS_TOKEN: sandbox.accessToken,
    STATE_DIR: stateDir,
    LOG_LEVEL: 'silent',
  });
const letter = (recordIds: string[], code = 'FIELD_CUSTOM_VALIDATION_EXCEPTION'): DeadLetter => ({
  at: '2026-11-20T12:00:00.000Z',
  replayId: 5,
  recordIds,
  code,
  reason: 'refused then',
});
const openDeals = () =>
  [...sandbox.store.all('Opportunity')].filter((o) => !o.IsClosed).map((o) => String(o.Id));

describe('dead-letters retry', () => {
  it('rescores and writes the deals behind the letters, and keeps the letters that name no deal', async () => {
    const [direct, viaTask, stillRefused] = openDeals();
    const task = [...sandbox.store.all('Task')].find((t) => t.WhatId === viaTask);
    expect(task).toBeDefined();
    for (const id of [direct, viaTask, stillRefused]) tamperOutputs(sandbox, id);
    sandbox.faults.failValidation([stillRefused], 'Next Step is required in this stage');

    const store = new DeadLetterStore(stateDir);
    const nameless = letter([], 'EVENT_INVALID');
    for (const l of [letter([direct]), letter([String(task?.Id)]), letter([stillRefused]), nameless])
      await store.add(l);

    const result = await retryDeadLettersOnce(env(), sandboxOrgAccess(sandbox), {
      logger: pino({ level: 'silent' }),
    });
    expect(result).toMatchObject({ letters: 4, deals: 3, scored: 3, written: 2, deadLettered: 1, kept: 1 });
    expect(isTampered(sandbox, direct)).toBe(false);
    expect(isTampered(sandbox, viaTask)).toBe(false);
    expect(isTampered(sandbox, stillRefused)).toBe(true);

    // Left: the letter naming no deal, and a new letter for the deal the org refuses again.
    const left = await store.list();
    expect(left).toHaveLength(2);
    expect(left).toEqual(
      expect.arrayContaining([
        nameless,
        expect.objectContaining({ recordIds: [stillRefused], reason: expect.stringContaining('Next Step') }),
      ]),
    );
    expect(readdirSync(stateDir).filter((f) => f.startsWith('dead-letters'))).toEqual(['dead-letters.jsonl']);
    expect(readFileSync(store.file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('puts every letter back when the org cannot be reached, and exits with failed batches', async () => {
    const [id] = openDeals();
    const store = new DeadLetterStore(stateDir);
    await store.add(letter([id]));
    await sandbox.close();
    const result = await retryDeadLettersOnce(
      env(),
      { ...sandboxOrgAccess(sandbox), refreshable: false },
      { logger: pino({ level: 'silent' }) },
    );
    expect(result).toMatchObject({ letters: 1, failedBatches: 1, kept: 1, written: 0 });
    expect(await store.list()).toEqual([letter([id])]);
    sandbox = await startSandbox({ deals: 1, seed: 1 });
  });
});
