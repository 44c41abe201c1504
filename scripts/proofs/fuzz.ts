/**
 * Fuzz proof (not a test): fast-check cases of change events and deal snapshots, well-formed and
 * mutated (wrong types, missing header fields, nulls, huge arrays and strings, odd and out-of-range
 * replay ids, deep nesting, `__proto__` keys), through the intake, the router and the parsers. It
 * fails on the first crash (an uncaught throw, an event neither routed nor dead-lettered, a dead letter
 * without its replay id, a checkpoint that does not match, a rejected well-formed input) and prints
 * the shrunk counterexample; otherwise it prints what happened to the inputs.
 *
 * Usage: npm run proof:fuzz [-- --events 20000 --snapshots 2000 --seed 20261201] (defaults: 100,000 each)
 * The jest suite runs the same properties on 2,000 cases each (test/unit/proofs/fuzz.test.ts).
 */
import fc from 'fast-check';
import { checkEventCase, eventCaseArb, newEventTally } from '../../test/support/fuzz/change-events';
import { checkSnapshotCase, newSnapshotTally, snapshotCaseArb } from '../../test/support/fuzz/snapshots';
import { machineLine } from '../bench/machine';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const n = (x: number): string => x.toLocaleString('en-US');

async function main(): Promise<void> {
  const seed = arg('seed', 20261201);
  const eventCases = arg('events', 100_000);
  const snapshotCases = arg('snapshots', 100_000);
  out(machineLine());
  out(`seed ${seed}`);

  const events = newEventTally();
  let started = performance.now();
  await fc.assert(
    fc.asyncProperty(eventCaseArb, (c) => checkEventCase(c, events)),
    { numRuns: eventCases, seed },
  );
  const eventSeconds = (performance.now() - started) / 1000;
  out(
    `change events: ${n(eventCases)} cases, ${n(events.messages)} messages (${n(events.mutated)} mutated, ${n(events.wellFormed)} well-formed) in ${eventSeconds.toFixed(1)} s`,
  );
  out(`  crashes 0, hangs 0, events lost 0`);
  out(
    `  routed: ${Object.entries(events.routed)
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ')}`,
  );
  out(
    `  dead-lettered ${n(events.deadLettered)} (${n(events.deadLettered - events.deadLetteredWithoutReplayId)} with their replay id, ${n(events.deadLetteredWithoutReplayId)} without a usable one): ${Object.entries(
      events.deadLetterCodes,
    )
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ')}`,
  );
  out(
    `  replays skipped as duplicates ${n(events.duplicates)}, passing failures retried ${n(events.retries)}, changes coalesced into a waiting deal ${n(events.coalesced)}, catch-ups at the cap ${n(events.catchUps)}`,
  );

  const snapshots = newSnapshotTally();
  started = performance.now();
  fc.assert(
    fc.property(snapshotCaseArb, (c) => checkSnapshotCase(c, snapshots)),
    { numRuns: snapshotCases, seed },
  );
  const snapshotSeconds = (performance.now() - started) / 1000;
  out(
    `snapshots: ${n(snapshots.snapshots)} (${n(snapshots.snapshots - snapshots.wellFormed)} mutated, ${n(snapshots.wellFormed)} well-formed) in ${snapshotSeconds.toFixed(1)} s`,
  );
  out(
    `  crashes 0; scored ${n(snapshots.scored)}, rejected with the path named ${n(snapshots.rejected)}; slowest ${snapshots.slowestMs.toFixed(1)} ms`,
  );
}

main().catch((err: unknown) => {
  const cause = err instanceof Error ? err.cause : undefined;
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  if (cause !== undefined)
    process.stderr.write(`${cause instanceof Error ? cause.message : String(cause)}\n`);
  process.exit(1);
});
