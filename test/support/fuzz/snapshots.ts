import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { isScorerError } from '../../../src/lib/errors';
import { scoreSnapshot } from '../../../src/scoring';
import {
  AS_OF,
  aClosedDeal,
  aDeal,
  aHealthyDeal,
  anInboundEmail,
  anOutboundCall,
  aMeeting,
  aSellerTask,
  aStageMove,
  contactId,
  STAGES,
  theDefaultRulebook,
} from '../builders';
import { mutate, mutationsArb, prototypeFingerprint, type Mutation } from './mutate';

/**
 * Deal snapshots as `POST /v1/score`, `score --file` and the batch path hand them to the parser:
 * the builders' deals and the shipped examples, then mutated. Scoring either returns a sane result or
 * throws SNAPSHOT_INVALID naming the path; anything else (another error, a result out of range, a
 * result that cannot be sent as JSON) is a crash.
 */

const examples = ['healthy-deal.json', 'one-sided-deal.json', 'quarter-end-push.json'].map(
  (f) =>
    JSON.parse(
      readFileSync(path.join(__dirname, '..', '..', '..', 'scripts', 'examples', f), 'utf8'),
    ) as unknown,
);

const busy = aHealthyDeal({
  tasks: Array.from({ length: 60 }, (_, i) => (i % 2 ? anOutboundCall(i) : aSellerTask(i))),
  emails: Array.from({ length: 40 }, (_, i) => anInboundEmail(i)),
  events: Array.from({ length: 20 }, (_, i) => aMeeting(i * 3, contactId(1 + (i % 3)))),
  history: [
    aStageMove(STAGES.qualification, 20, 90),
    aStageMove(STAGES.negotiation, 90, 5, '2026-12-20', '2026-12-01'),
  ],
});

export const SNAPSHOT_BASES: unknown[] = [
  aDeal(),
  aHealthyDeal(),
  aClosedDeal(true),
  aClosedDeal(false),
  busy,
  ...examples,
];

export interface SnapshotCase {
  base: number;
  mutations: Mutation[];
  /** The moment it is scored at: the tests' fixed clock or anywhere in 1970–2200. */
  asOf: number;
}

export const snapshotCaseArb: fc.Arbitrary<SnapshotCase> = fc.record({
  base: fc.nat(SNAPSHOT_BASES.length - 1),
  mutations: mutationsArb,
  asOf: fc.oneof(fc.constant(AS_OF), fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) })),
});

export interface SnapshotTally {
  snapshots: number;
  wellFormed: number;
  scored: number;
  rejected: number;
  slowestMs: number;
}

export const newSnapshotTally = (): SnapshotTally => ({
  snapshots: 0,
  wellFormed: 0,
  scored: 0,
  rejected: 0,
  slowestMs: 0,
});

class Violation extends Error {}

export function checkSnapshotCase(c: SnapshotCase, tally: SnapshotTally): void {
  const fingerprint = prototypeFingerprint();
  const snapshot =
    c.mutations.length === 0 ? SNAPSHOT_BASES[c.base] : mutate(SNAPSHOT_BASES[c.base], c.mutations);
  tally.snapshots++;
  if (c.mutations.length === 0) tally.wellFormed++;
  const started = performance.now();
  let result;
  try {
    result = scoreSnapshot(snapshot, theDefaultRulebook(), c.asOf);
  } catch (err) {
    if (
      !isScorerError(err) ||
      err.code !== 'SNAPSHOT_INVALID' ||
      !/^Invalid deal snapshot: \S/.test(err.message)
    )
      throw new Violation(`scoring crashed: ${(err as Error)?.stack ?? String(err)}`);
    if (c.mutations.length === 0) throw new Violation(`a well-formed snapshot was rejected: ${err.message}`);
    tally.rejected++;
    return;
  } finally {
    tally.slowestMs = Math.max(tally.slowestMs, performance.now() - started);
  }
  tally.scored++;
  const { commitmentScore, adjustedProbability, baseProbability, flags } = result;
  for (const [name, v] of Object.entries({ commitmentScore, adjustedProbability, baseProbability }))
    if (!Number.isFinite(v) || v < 0 || v > 100) throw new Violation(`${name} is ${v}`);
  if (!Array.isArray(flags) || flags.some((f) => typeof f.code !== 'string' || typeof f.message !== 'string'))
    throw new Violation('flags are not a list of coded messages');
  if (Object.values(result.fields).some((v) => typeof v === 'number' && !Number.isFinite(v)))
    throw new Violation(`an output field is not a finite number: ${JSON.stringify(result.fields)}`);
  JSON.stringify(result);
  if (prototypeFingerprint() !== fingerprint || ({} as Record<string, unknown>).polluted !== undefined)
    throw new Violation('Object.prototype was changed');
}
