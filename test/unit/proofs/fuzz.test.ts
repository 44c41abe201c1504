import fc from 'fast-check';
import { checkEventCase, eventCaseArb, newEventTally } from '../../support/fuzz/change-events';
import { checkSnapshotCase, newSnapshotTally, snapshotCaseArb } from '../../support/fuzz/snapshots';

/**
 * The fuzz proof on a seeded 2,000 cases each (`npm run proof:fuzz` runs more): change events and
 * deal snapshots, well-formed and mutated, through the intake, the router and the parsers. Each case
 * asserts the promises in test/support/fuzz; here the totals show every kind of outcome was reached,
 * so a generator that stopped producing (say) malformed replay ids would fail too.
 */

const SEED = 20261201;

describe('fuzzed change events through the intake and the router', () => {
  it('never crashes or hangs: every event is routed, dead-lettered with its replay id, or a known replay', async () => {
    const tally = newEventTally();
    await fc.assert(
      fc.asyncProperty(eventCaseArb, (c) => checkEventCase(c, tally)),
      { numRuns: 2000, seed: SEED },
    );
    expect(tally.mutated).toBeGreaterThan(1000);
    expect(tally.wellFormed).toBeGreaterThan(500);
    for (const kind of ['score', 'resolve', 'sweep', 'skip'] as const)
      expect(tally.routed[kind]).toBeGreaterThan(50);
    expect(tally.deadLettered - tally.deadLetteredWithoutReplayId).toBeGreaterThan(500);
    expect(tally.deadLetteredWithoutReplayId).toBeGreaterThan(100);
    expect(tally.deadLetterCodes.INTERNAL).toBeGreaterThan(0);
    expect(tally.duplicates).toBeGreaterThan(0);
    expect(tally.retries).toBeGreaterThan(0);
    // Deliveries of several events name a waiting deal again, and small caps leave ids to a catch-up.
    expect(tally.coalesced).toBeGreaterThan(0);
    expect(tally.catchUps).toBeGreaterThan(50);
  });
});

describe('fuzzed deal snapshots through the parser and the scoring core', () => {
  it('scores each one or rejects it naming the path, and never crashes', () => {
    const tally = newSnapshotTally();
    fc.assert(
      fc.property(snapshotCaseArb, (c) => checkSnapshotCase(c, tally)),
      { numRuns: 2000, seed: SEED },
    );
    expect(tally.wellFormed).toBeGreaterThan(200);
    expect(tally.scored).toBeGreaterThan(500);
    expect(tally.rejected).toBeGreaterThan(500);
  });
});
