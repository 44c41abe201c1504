import { counter, savedCheckpoint, sellerEdit } from './org-oracle';
import { openIds, settled, startStack, until, type Stack } from './stack';

/**
 * A restart with a backlog larger than the pending-work cap: the ids beyond it are not held, a
 * catch-up sweep by SystemModstamp rescores them, and the checkpoint passes the backlog only after
 * that. (The memory figures for a 100,000-change backlog come from `npm run bench:backlog`.)
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sandbox: { deals: 400, seed: 3 }, env: { MAX_PENDING_DEALS: '100' } });
  await stack.service.sweep('test waits for the first sweep');
  await settled(stack);
});
afterAll(() => stack.close());

it('rescores every deal of a backlog beyond MAX_PENDING_DEALS, via a catch-up sweep', async () => {
  const { sandbox } = stack;
  const ids = openIds(sandbox).slice(0, 250);
  expect(ids).toHaveLength(250);
  await stack.service.close();
  // Two changes per deal while the service is down: 500 events on 250 deals, the cap is 100.
  for (const round of [1, 2])
    for (const id of ids) sellerEdit(sandbox, id, { NextStep: `Call back ${round}` });
  const last = sandbox.core.bus.lastReplayId();
  const before = new Map(ids.map((id) => [id, stack.scored.get(id) ?? 0]));

  await stack.restart();
  await until(() => ids.every((id) => (stack.scored.get(id) ?? 0) > (before.get(id) ?? 0)), 60_000);
  await until(async () => ((await savedCheckpoint(stack.stateDir)) ?? -1) >= last, 60_000);

  expect(await counter(stack.service.metrics.idsNotHeld)).toBeGreaterThan(0);
  expect(await counter(stack.service.metrics.sweeps, { outcome: 'caught_up' })).toBeGreaterThan(0);
  expect(stack.service.intake.pendingDeals).toBe(0);
});
