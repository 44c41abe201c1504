import { counter, deadLetters, savedCheckpoint, sellerEdit, writesSince } from './org-oracle';
import { expectAllWritten, until, warmStack, type Stack } from './stack';

/**
 * Faults the org answers REST calls with. The seller's edits go through the sandbox's write path
 * directly (still validated, logged and published as change events), because a REST fault would hit
 * the seller's own calls first.
 */

let stack: Stack;
let pool: [string, { StageName: string }][];

beforeAll(async () => {
  ({ stack, pool } = await warmStack({ sandbox: { deals: 60 } }));
});
afterEach(() => stack.sandbox.faults.reset());
afterAll(() => stack.close());

/** Edits `n` deals not changed before, one transaction each; returns their ids and replay ids. */
function sellerChanges(n: number): { ids: string[]; replayIds: number[] } {
  const rows = pool.splice(0, n);
  expect(rows).toHaveLength(n);
  const replayIds = rows.map(([id, change]) => sellerEdit(stack.sandbox, id, change));
  return { ids: rows.map(([id]) => id), replayIds };
}

describe('REST faults', () => {
  it('writes nothing and holds the checkpoint while the org answers REQUEST_LIMIT_EXCEEDED, then catches up', async () => {
    const sandbox = stack.sandbox;
    const from = sandbox.writeLog.length;
    const failedBatches = await counter(stack.service.metrics.batches, { outcome: 'failed' });
    sandbox.faults.requestLimitExceeded = true;

    const { ids, replayIds } = sellerChanges(3);
    // Several refused attempts (each followed by a pause) prove time passed with the limit in force.
    await until(
      async () => (await counter(stack.service.metrics.batches, { outcome: 'failed' })) >= failedBatches + 3,
    );
    expect(writesSince(sandbox, from).size).toBe(0);
    const first = Math.min(...replayIds);
    expect(stack.service.intake.checkpoint ?? -1).toBeLessThan(first);
    expect((await savedCheckpoint(stack.stateDir)) ?? -1).toBeLessThan(first);
    expect(await deadLetters(stack.stateDir)).toEqual([]);

    sandbox.faults.requestLimitExceeded = false;
    await expectAllWritten(stack, ids, from);
  });

  it('retries rows another transaction has locked and writes them', async () => {
    const sandbox = stack.sandbox;
    const from = sandbox.writeLog.length;
    const retried = await counter(stack.service.metrics.rowsWritten, { outcome: 'retried' });

    const { ids } = sellerChanges(3);
    // Locked right after the seller's commit, so the service's writes are the ones refused.
    sandbox.faults.lockRows(ids.slice(0, 2), 2);
    await expectAllWritten(stack, ids, from);

    expect(sandbox.faults.snapshot().lockedRows).toEqual({});
    expect(await counter(stack.service.metrics.rowsWritten, { outcome: 'retried' })).toBeGreaterThan(retried);
    expect(await deadLetters(stack.stateDir)).toEqual([]);
  });

  it('waits out a row locked for longer than every in-batch attempt, and writes it without a dead letter', async () => {
    const sandbox = stack.sandbox;
    const from = sandbox.writeLog.length;
    const deferred = await counter(stack.service.metrics.rowsWritten, { outcome: 'deferred' });
    const {
      ids,
      replayIds: [lockedReplayId],
    } = sellerChanges(2);
    // Far more refusals than the five attempts a write makes, which used to dead-letter the row.
    sandbox.faults.lockRows([ids[0]], 1000);
    await until(
      async () => (await counter(stack.service.metrics.rowsWritten, { outcome: 'deferred' })) >= deferred + 2,
    );
    // Unfinished work holds the checkpoint, in memory and on disk.
    expect(stack.service.intake.checkpoint ?? -1).toBeLessThan(lockedReplayId);
    expect((await savedCheckpoint(stack.stateDir)) ?? -1).toBeLessThan(lockedReplayId);
    expect(writesSince(sandbox, from).has(ids[0])).toBe(false);

    // The other transaction ends; the next delayed retry writes the row.
    sandbox.faults.reset();
    await expectAllWritten(stack, ids, from);
    expect(await deadLetters(stack.stateDir)).toEqual([]);
  });

  it('writes a row locked for twenty attempts, over several delayed retries', async () => {
    const sandbox = stack.sandbox;
    const from = sandbox.writeLog.length;
    const { ids } = sellerChanges(2);
    sandbox.faults.lockRows([ids[1]], 20);
    await expectAllWritten(stack, ids, from);
    expect(sandbox.faults.snapshot().lockedRows).toEqual({});
    expect(await deadLetters(stack.stateDir)).toEqual([]);
  });

  it('dead-letters a row a validation rule refuses, with its replay id, and moves the checkpoint on', async () => {
    const sandbox = stack.sandbox;
    const from = sandbox.writeLog.length;
    const {
      ids: [refused, fine],
      replayIds: [refusedReplayId],
    } = sellerChanges(2);
    sandbox.faults.failValidation([refused], 'Next Step is required in this stage');

    await until(async () => (await deadLetters(stack.stateDir)).some((l) => l.recordIds.includes(refused)));
    await expectAllWritten(stack, [fine], from);
    expect(stack.service.intake.checkpoint).toBeGreaterThanOrEqual(refusedReplayId);

    const letters = (await deadLetters(stack.stateDir)).filter((l) => l.recordIds.includes(refused));
    expect(letters).toEqual([
      expect.objectContaining({
        replayId: refusedReplayId,
        code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        reason: expect.stringContaining('Next Step is required'),
      }),
    ]);
    expect(writesSince(sandbox, from).has(refused)).toBe(false);
  });

  it('retries after 503 SERVER_UNAVAILABLE and writes the change', async () => {
    const sandbox = stack.sandbox;
    const from = sandbox.writeLog.length;
    sandbox.faults.unavailableNext = 2;

    const { ids } = sellerChanges(2);
    await until(() => ids.every((id) => writesSince(sandbox, from).has(id)));
    // Only the service calls REST here, so it met both 503s on the way.
    expect(sandbox.faults.unavailableNext).toBe(0);
    await expectAllWritten(stack, ids, from);
  });
});
