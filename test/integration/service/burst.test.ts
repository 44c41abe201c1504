import { changesThatRescore, sellerBulkUpdate, staleDeals, writesSince } from './org-oracle';
import { openIds, sellerConnection, settled, startStack, until, type Stack } from './stack';

const BURST = 1000;
/** The API budget of a burst: queries plus writes per changed deal (issue 5). */
const MAX_CALLS_PER_DEAL = 0.03;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sandbox: { deals: 1400, seed: 11 } });
  await stack.service.sweep('test waits for the first sweep');
  await settled(stack, 60_000);
}, 120_000);
afterAll(() => stack.close());

describe('a burst of changed deals', () => {
  it(`scores ${BURST} changed deals with at most ${MAX_CALLS_PER_DEAL} API calls per deal`, async () => {
    const sandbox = stack.sandbox;
    const changes = await changesThatRescore(sandbox, openIds(sandbox));
    expect(changes.size).toBeGreaterThanOrEqual(BURST);
    const rows = [...changes].slice(0, BURST).map(([Id, c]) => ({ Id, ...c }));
    const ids = rows.map((r) => r.Id);
    const scoredBefore = new Map(ids.map((id) => [id, stack.scored.get(id) ?? 0]));
    const calls = { ...stack.apiCalls };
    const from = sandbox.writeLog.length;

    await sellerBulkUpdate(sellerConnection(sandbox), rows);
    await until(() => {
      const written = writesSince(sandbox, from);
      return ids.every((id) => written.has(id));
    }, 60_000);
    await settled(stack, 60_000);

    const used = stack.apiCalls.query - calls.query + (stack.apiCalls.write - calls.write);
    expect(used / BURST).toBeLessThanOrEqual(MAX_CALLS_PER_DEAL);
    expect(ids.filter((id) => (stack.scored.get(id) ?? 0) <= (scoredBefore.get(id) ?? 0))).toEqual([]);
    expect(await staleDeals(sandbox, ids)).toEqual([]);
  }, 120_000);
});
