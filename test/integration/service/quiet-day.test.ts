import { DAY_MS, SandboxClock } from '../../../src/sandbox/clock';
import { DEFAULT_WRITE_STEPS } from '../../../src/pipeline/plan-writes';
import { OUTPUTS } from './org-oracle';
import { openIds, settled, startStack, type Stack } from './stack';

/**
 * A day passes and nobody touches a deal. A sweep then must not rewrite the pipeline: every write
 * bumps LastModifiedDate, fires the org's flows and triggers and adds field-history rows. What it
 * writes must carry a change a person would see. The service runs on the sandbox's clock, so the
 * day is simulated, not waited for.
 */

const DEALS = 400;
const VISIBLE = [OUTPUTS.flags, OUTPUTS.warnings, OUTPUTS.lastCustomerYesDate, OUTPUTS.rulesVersion];
// Balances at or above the default rulebook's target (1) are all "healthy": compared capped there.
const STEPPED: [string, number, number][] = [
  [OUTPUTS.adjustedProbability, DEFAULT_WRITE_STEPS.adjustedProbability, Infinity],
  [OUTPUTS.score, DEFAULT_WRITE_STEPS.score, Infinity],
  [OUTPUTS.balance, DEFAULT_WRITE_STEPS.balance, 1],
];

let stack: Stack;
beforeAll(async () => {
  let clock: () => number = Date.now;
  // A fixed start, so the day boundaries (date-only fields, LAST_N_DAYS) fall the same on every run.
  const start = new SandboxClock(new Date('2026-11-20T10:00:00Z'));
  const seed = Number(process.env.QUIET_DAY_SEED ?? 11);
  stack = await startStack({ sandbox: { deals: DEALS, seed, clock: start }, tuning: { now: () => clock() } });
  clock = () => stack.sandbox.clock.now();
  await stack.service.sweep('first sweep');
  await settled(stack);
}, 120_000);
afterAll(() => stack.close());

/** Why a write was worth making, judged against the values the org held before it. */
function visibleChange(before: Record<string, unknown>, fields: Record<string, unknown>): string | undefined {
  for (const f of VISIBLE) if (f in fields) return f;
  for (const [f, step, cap] of STEPPED) {
    if (!(f in fields)) continue;
    const [a, b] = [before[f], fields[f]];
    if (typeof a !== 'number' || typeof b !== 'number') return f;
    if (Math.abs(Math.min(a, cap) - Math.min(b, cap)) >= step - 1e-9) return f;
  }
  return undefined;
}

it('a sweep one simulated day later with no activity writes at most 10 % of open deals, each with a visible change', async () => {
  const open = openIds(stack.sandbox);
  expect(open.length).toBeGreaterThan(DEALS / 2);
  const before = new Map(open.map((id) => [id, { ...stack.sandbox.store.get('Opportunity', id) }]));
  const from = stack.sandbox.writeLog.length;

  stack.sandbox.clock.advance(DAY_MS);
  const result = await stack.service.sweep('the next day');
  await settled(stack);
  expect(result?.total).toBe(open.length);

  const writes = stack.sandbox.writeLog
    .slice(from)
    .filter((w) => w.object === 'Opportunity' && w.userId === stack.sandbox.integrationUserId);
  const written = new Set(writes.map((w) => w.id));
  const share = written.size / open.length;
  if (process.env.REPORT_FIGURES)
    process.stderr.write(
      `quiet day: ${written.size} of ${open.length} open deals written (${(share * 100).toFixed(1)} %)\n`,
    );
  if (process.env.REPORT_FIGURES) {
    const why = new Map<string, number>();
    for (const w of writes) {
      const b = before.get(w.id) ?? {};
      const k = visibleChange(b, w.fields) ?? 'none';
      why.set(k, (why.get(k) ?? 0) + 1);
    }
    process.stderr.write(`${JSON.stringify([...why])}\n`);
  }
  expect(share).toBeLessThanOrEqual(0.1);
  for (const w of writes) {
    expect(w.fields).toHaveProperty(OUTPUTS.scoredAt);
    expect([w.id, visibleChange(before.get(w.id) ?? {}, w.fields)]).toEqual([w.id, expect.any(String)]);
  }
});
