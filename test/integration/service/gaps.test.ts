import { counter, isTampered, staleDeals, tamperOutputs, writesSince } from './org-oracle';
import { openIds, settled, startStack, until, type Stack } from './stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await stack.service.sweep('test waits for the first sweep');
  await settled(stack);
});
afterAll(() => stack.close());

describe('gap events', () => {
  it('rescores the deals a GAP_UPDATE names, and only those; GAP_OVERFLOW sweeps every open deal', async () => {
    const sandbox = stack.sandbox;
    const [named1, named2, unnamed] = openIds(sandbox);
    // Drift no change event reports: only the gap event (or a sweep) can bring these deals back.
    for (const id of [named1, named2, unnamed]) tamperOutputs(sandbox, id);
    const sweeps = await counter(stack.service.metrics.sweeps);
    const from = sandbox.writeLog.length;

    sandbox.publishGap({ changeType: 'GAP_UPDATE', recordIds: [named1, named2] });
    await until(() => writesSince(sandbox, from).has(named1) && writesSince(sandbox, from).has(named2));
    await settled(stack);
    expect(await staleDeals(sandbox, [named1, named2])).toEqual([]);
    expect(isTampered(sandbox, unnamed)).toBe(true);
    expect(await counter(stack.service.metrics.sweeps)).toBe(sweeps);

    sandbox.publishGap({ changeType: 'GAP_OVERFLOW' });
    await until(async () => (await counter(stack.service.metrics.sweeps, { outcome: 'done' })) > sweeps);
    await settled(stack);
    expect(isTampered(sandbox, unnamed)).toBe(false);
    expect(await staleDeals(sandbox, openIds(sandbox))).toEqual([]);
  });
});
