import { CUSTOM_CHANNEL } from '../../../src/sandbox/change-events';
import { changesThatRescore, counter, OUTPUTS, savedCheckpoint, staleDeals, writesSince } from './org-oracle';
import { openIds, sellerConnection, settled, startStack, until, writesById, type Stack } from './stack';

let stack: Stack;
let candidates: string[];

beforeAll(async () => {
  stack = await startStack();
  // First start: no checkpoint, so the service sweeps every open deal once.
  await stack.service.sweep('test waits for the first sweep');
  await settled(stack);
  candidates = openIds(stack.sandbox);
});
afterAll(() => stack.close());

/** A deal not used by an earlier test, with a stage move that changes its outputs. */
async function nextChange(): Promise<{ id: string; StageName: string }> {
  while (candidates.length > 0) {
    const id = candidates.shift() as string;
    const change = (await changesThatRescore(stack.sandbox, [id])).get(id);
    if (change) return { id, ...change };
  }
  throw new Error('no open deal left whose stage move changes its outputs');
}

describe('the live service against the sandbox org', () => {
  it('scores every open deal on first start', async () => {
    const written = writesById(stack.sandbox);
    for (const id of openIds(stack.sandbox)) {
      const opp = stack.sandbox.store.get('Opportunity', id);
      expect(opp?.[OUTPUTS.rulesVersion]).toMatch(/^default@/);
    }
    expect(written.size).toBeGreaterThan(0);
    expect(await staleDeals(stack.sandbox, openIds(stack.sandbox))).toEqual([]);
  });

  it("writes the output fields after a seller's change", async () => {
    const { id, StageName } = await nextChange();
    const before: Record<string, unknown> = { ...stack.sandbox.store.get('Opportunity', id) };
    const from = stack.sandbox.writeLog.length;

    await sellerConnection(stack.sandbox).sobject('Opportunity').update({ Id: id, StageName });
    await until(() => writesSince(stack.sandbox, from).has(id));

    const ours = stack.sandbox.writeLog
      .slice(from)
      .filter((w) => w.id === id && w.userId === stack.sandbox.integrationUserId);
    expect(ours[0].clientId).toBe('commitment-scorer');
    expect(Object.keys(ours[0].fields)).toContain(OUTPUTS.scoredAt);
    const after: Record<string, unknown> = stack.sandbox.store.get('Opportunity', id) ?? {};
    expect(after.StageName).toBe(StageName);
    expect(Date.parse(String(after[OUTPUTS.scoredAt]))).toBeGreaterThan(
      Date.parse(String(before[OUTPUTS.scoredAt])),
    );
    const outputsBefore = Object.values(OUTPUTS).map((f) => before[f]);
    const outputsAfter = Object.values(OUTPUTS).map((f) => after[f]);
    expect(outputsAfter).not.toEqual(outputsBefore);
    expect(await staleDeals(stack.sandbox, [id])).toEqual([]);
  });

  it('skips the echo of its own write: one write per change', async () => {
    const { id, StageName } = await nextChange();
    const from = stack.sandbox.writeLog.length;
    const fromReplay = stack.sandbox.core.bus.lastReplayId();
    const echoesSkipped = await counter(stack.service.metrics.eventsSkipped);

    await sellerConnection(stack.sandbox).sobject('Opportunity').update({ Id: id, StageName });
    await until(() => writesSince(stack.sandbox, from).has(id));
    // The watermark has passed the echo of that write: it arrived and was dealt with.
    await settled(stack);
    const echo = stack.sandbox.core.bus
      .retained(CUSTOM_CHANNEL, fromReplay)
      .find(
        (ev) =>
          ev.data.payload.ChangeEventHeader.commitUser === stack.sandbox.integrationUserId &&
          ev.data.payload.ChangeEventHeader.recordIds.includes(id),
      );
    expect(echo).toBeDefined();
    expect(stack.service.intake.checkpoint).toBeGreaterThanOrEqual(echo?.replayId ?? Infinity);
    await until(async () => ((await savedCheckpoint(stack.stateDir)) ?? -1) >= (echo?.replayId ?? Infinity));

    expect(writesSince(stack.sandbox, from).get(id)).toBe(1);
    expect(await counter(stack.service.metrics.eventsSkipped)).toBeGreaterThan(echoesSkipped);
  });

  it('times change-to-write for written deals only: the echo and a change that moves nothing add no sample', async () => {
    const lagCount = async () => {
      const { values } = await stack.service.metrics.lag.get();
      return (
        values.find((v) => v.metricName === 'commitment_scorer_change_to_write_seconds_count')?.value ?? 0
      );
    };
    const { id, StageName } = await nextChange();
    const before = await lagCount();
    const skippedBefore = await counter(stack.service.metrics.eventsSkipped);
    const from = stack.sandbox.writeLog.length;
    await sellerConnection(stack.sandbox).sobject('Opportunity').update({ Id: id, StageName });
    await until(() => writesSince(stack.sandbox, from).has(id));
    await settled(stack);
    expect(await lagCount()).toBe(before + 1);
    expect(await counter(stack.service.metrics.eventsSkipped)).toBeGreaterThan(skippedBefore); // the echo

    // A change to a field scoring does not read: scored, nothing to write, no sample.
    const quiet = stack.sandbox.writeLog.length;
    await sellerConnection(stack.sandbox)
      .sobject('Opportunity')
      .update({ Id: id, NextStep: 'Send the deck' });
    await settled(stack);
    expect(writesSince(stack.sandbox, quiet).has(id)).toBe(false);
    expect(await lagCount()).toBe(before + 1);
  });
});
