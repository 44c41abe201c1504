import fc from 'fast-check';
import type { EventRoute } from '../../../src/pipeline/route-event';
import { to18 } from '../../../src/salesforce/ids';
import type { DeadLetter } from '../../../src/state/dead-letters';
import { expectedRoute, intentArb, messageFor, type Intent } from './event-messages';
import {
  settle,
  startHarness,
  stopHarness,
  Violation,
  type Harness,
  type HarnessCase,
} from './intake-harness';
import { mutate, mutationsArb, prototypeFingerprint, type Mutation } from './mutate';

/**
 * Each case runs a short stream of change events (event-messages.ts), some mutated, through a real
 * EventIntake (intake-harness.ts). Events arrive in deliveries of one or more, as faye hands over a
 * response's events in one turn; after each delivery the case waits until the intake has no work
 * open and checks every event of it. `checkEventCase` throws on the first broken promise.
 */

export interface EventStep {
  intent: Intent;
  /** Replay ids step forward by 1 + gap; a mutation may still send one backwards. */
  gap: number;
  mutations: Mutation[];
  /** Delivered in the same turn as the step before (a deal named twice then waits once). */
  together: boolean;
}

export interface EventCase extends HarnessCase {
  /** The stored checkpoint the intake starts from (undefined: first start). */
  initial: number | undefined;
  /** Replay id of the first event relative to the checkpoint: ≤ 0 replays ones already finished. */
  offset: number;
  steps: EventStep[];
}

export const eventCaseArb: fc.Arbitrary<EventCase> = fc.record({
  initial: fc.option(fc.constant(5000), { nil: undefined }),
  offset: fc.integer({ min: -3, max: 5 }),
  steps: fc.array(
    fc.record({
      intent: intentArb,
      gap: fc.nat(3),
      mutations: mutationsArb,
      together: fc.constantFrom(false, true, true),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  submit: fc.constantFrom<EventCase['submit']>('ok', 'ok', 'ok', 'fail-once', 'refuse'),
  resolve: fc.constantFrom<EventCase['resolve']>('found', 'found', 'none', 'fail-once', 'refuse'),
  cap: fc.constantFrom<number | undefined>(undefined, undefined, undefined, 1, 2),
});

export interface EventTally {
  messages: number;
  wellFormed: number;
  mutated: number;
  duplicates: number;
  routed: Record<EventRoute['kind'], number>;
  deadLettered: number;
  deadLetteredWithoutReplayId: number;
  deadLetterCodes: Record<string, number>;
  retries: number;
  /** Changes to a deal already waiting (one write covers them). */
  coalesced: number;
  /** Catch-up sweeps asked for by an intake at its cap, for the ids it did not hold. */
  catchUps: number;
}

export const newEventTally = (): EventTally => ({
  messages: 0,
  wellFormed: 0,
  mutated: 0,
  duplicates: 0,
  routed: { score: 0, resolve: 0, sweep: 0, skip: 0 },
  deadLettered: 0,
  deadLetteredWithoutReplayId: 0,
  deadLetterCodes: {},
  retries: 0,
  coalesced: 0,
  catchUps: 0,
});

/**
 * The replay id a message can be placed by: a safe, non-negative integer (-1 and -2 are subscription
 * sentinels, never event ids; anything past 2^53 cannot be compared or stored exactly).
 */
export function usableReplayId(message: unknown): number | null {
  if (message === null || typeof message !== 'object') return null;
  const event = (message as Record<string, unknown>).event;
  if (event === null || typeof event !== 'object') return null;
  const id = Object.getOwnPropertyDescriptor(event, 'replayId')?.value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

const HANG_MS = 2000;

const fail = (what: string, message: unknown, detail: unknown = ''): never => {
  const shown = JSON.stringify(message, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 200 ? `${v.slice(0, 60)}…(${v.length} chars)` : v,
  );
  throw new Violation(`${what}: ${String(detail)}\n  message: ${(shown ?? String(message)).slice(0, 1500)}`);
};

/** One event of a delivery, as the case sent it. */
interface Sent {
  step: EventStep;
  message: unknown;
  rid: number | null;
  duplicate: boolean;
}

/** The model: the newest usable replay id seen, and the checkpoint once every event is finished. */
interface Model {
  maxSeen: number;
  checkpoint: number | undefined;
}

/** Runs one case; throws a Violation naming the broken promise. */
export async function checkEventCase(c: EventCase, tally: EventTally): Promise<void> {
  const fingerprint = prototypeFingerprint();
  const h = startHarness(c, tally);
  try {
    let replayId = (c.initial ?? 5000) + c.offset;
    const model: Model = { maxSeen: c.initial ?? Number.NEGATIVE_INFINITY, checkpoint: c.initial };
    let delivery: Sent[] = [];
    for (const step of c.steps) {
      if (!step.together && delivery.length > 0) {
        await checkDelivery(h, delivery, model, tally);
        delivery = [];
      }
      replayId += 1 + step.gap;
      const base = messageFor(step.intent, replayId);
      const message = step.mutations.length === 0 ? base : mutate(base, step.mutations);
      tally.messages++;
      tally[step.mutations.length === 0 ? 'wellFormed' : 'mutated']++;
      delivery.push({ step, message, ...place(message, model) });
    }
    await checkDelivery(h, delivery, model, tally);
  } finally {
    await stopHarness(h);
  }
  if (prototypeFingerprint() !== fingerprint || ({} as Record<string, unknown>).polluted !== undefined)
    throw new Violation('Object.prototype was changed');
}

/** Where the model places a message: a replay already seen is a duplicate. */
function place(message: unknown, model: Model): { rid: number | null; duplicate: boolean } {
  const rid = usableReplayId(message);
  if (rid !== null && rid <= model.maxSeen) return { rid, duplicate: true };
  if (rid !== null) model.maxSeen = model.checkpoint = rid;
  return { rid, duplicate: false };
}

/** Hands a delivery to the intake in one turn, waits until its work is done, then checks each event. */
async function checkDelivery(h: Harness, delivery: Sent[], model: Model, tally: EventTally): Promise<void> {
  const seen = { routes: h.routes.length, letters: h.letters.length, submitted: h.submitted.length };
  const catchUps = h.catchUps;
  for (const { message } of delivery) {
    try {
      h.intake.accept(message);
    } catch (err) {
      fail('accept() threw', message, err);
    }
  }
  const last = delivery[delivery.length - 1].message;
  if (!(await settle(h, HANG_MS)))
    fail(
      `work still open after ${HANG_MS} ms (${h.intake.outstanding} pieces, ${h.intake.pendingDeals} deals)`,
      last,
    );
  if (h.broken) fail(h.broken, last);
  const routes = h.routes.slice(seen.routes);
  const letters = h.letters.slice(seen.letters);
  const submitted = new Set(h.submitted.slice(seen.submitted));
  const swept = h.catchUps > catchUps;
  for (const id of submitted)
    if (!OPPORTUNITY_ID18.test(id))
      fail(`submitted an id that is not an 18-character opportunity id: ${id}`, last);
  for (const sent of delivery) {
    if (sent.duplicate) tally.duplicates++;
    const mine = (r: { replayId: number | null }) =>
      !sent.duplicate && r.replayId === sent.rid && sent.rid !== null;
    checkEvent(sent, routes.filter(mine), letters.filter(mine), { submitted, swept }, tally);
  }
  // Replays and messages without a usable replay id are told apart by the replay id they carry.
  const stray = routes.filter((r) => !delivery.some((s) => !s.duplicate && s.rid === r.replayId));
  if (stray.length > 0)
    fail(`a replayed (duplicate) event was handled again (replay id ${stray[0].replayId})`, last);
  const withoutId = letters.filter((l) => l.replayId === null);
  const expectedWithoutId = delivery.filter((s) => s.rid === null);
  if (withoutId.length !== expectedWithoutId.length)
    fail(
      `${withoutId.length} dead letters without a replay id for ${expectedWithoutId.length} such events`,
      last,
    );
  for (let i = 0; i < withoutId.length; i++) checkLetter(withoutId[i], expectedWithoutId[i], tally);
  if (h.needs.size > 0)
    fail(`changes to ${[...h.needs.keys()].join(', ')} neither written, dead-lettered nor swept`, last);
  if (h.intake.checkpoint !== model.checkpoint)
    fail(`checkpoint ${h.intake.checkpoint}, expected ${model.checkpoint} (every event is finished)`, last);
}

function checkEvent(
  sent: Sent,
  routes: { replayId: number; route: EventRoute }[],
  letters: DeadLetter[],
  done: { submitted: Set<string>; swept: boolean },
  tally: EventTally,
): void {
  const { message } = sent;
  if (sent.duplicate || sent.rid === null) return;
  if (routes.length > 1) fail('an event was routed twice', message);
  if (routes.length === 0 && letters.length !== 1)
    fail(
      letters.length === 0
        ? 'an event was neither routed nor dead-lettered'
        : 'an event was dead-lettered twice',
      message,
    );
  // A routed event's letters are its deals' (one each) or its lookup's (one).
  const named = letters.map((l) => l.recordIds.join(','));
  if (new Set(named).size !== named.length) fail('a deal was dead-lettered twice for one event', message);
  if (letters[0]) checkLetter(letters[0], sent, tally);
  for (const letter of letters.slice(1)) checkLetter(letter, sent, undefined);
  if (routes[0]) checkRoute(routes[0].route, sent, done, tally);
}

function checkLetter(letter: DeadLetter, sent: Sent, tally: EventTally | undefined): void {
  const { message, rid, step } = sent;
  if (letter.replayId !== rid)
    fail(`dead-lettered with replay id ${letter.replayId}, expected ${rid}`, message);
  if (typeof letter.reason !== 'string' || letter.reason === '')
    fail('a dead letter without a reason', message);
  // A well-formed event is dead-lettered only when the batch path or the lookup refuses it for good.
  if (step.mutations.length === 0 && letter.code !== 'INTERNAL')
    fail('a well-formed event was dead-lettered', message, letter.reason);
  if (!tally) return;
  tally.deadLettered++;
  if (rid === null) tally.deadLetteredWithoutReplayId++;
  tally.deadLetterCodes[letter.code] = (tally.deadLetterCodes[letter.code] ?? 0) + 1;
}

const OPPORTUNITY_ID18 = /^006[a-zA-Z0-9]{15}$/;
const RECORD_ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

/**
 * A score route's deals were all handed to the batch path in this delivery (an event naming a deal
 * already waiting is covered by that deal's one write) or, at the cap, left to a catch-up sweep.
 */
function checkRoute(
  route: EventRoute,
  sent: Sent,
  done: { submitted: Set<string>; swept: boolean },
  tally: EventTally,
): void {
  const { message, step } = sent;
  tally.routed[route.kind]++;
  if (route.kind === 'score' && !done.swept && route.ids.some((id) => !done.submitted.has(to18(id))))
    fail('a score route neither submitted its deals nor asked for a catch-up', message);
  if (route.kind === 'resolve' && route.recordIds.some((id) => !RECORD_ID.test(id)))
    fail('a lookup was asked for invalid record ids', message);
  if (step.mutations.length > 0) return;
  const want = expectedRoute(step.intent);
  if (route.kind !== want) fail(`routed to ${route.kind}, expected ${want}`, message);
  if (route.kind === 'score' && step.intent.entity === 'Opportunity') {
    const expected = JSON.stringify(step.intent.recordIds.map(to18));
    if (JSON.stringify(route.ids.map(to18)) !== expected)
      fail(`routed ${JSON.stringify(route.ids)}, expected ${expected}`, message);
  }
}
