import fc from 'fast-check';
import { ScorerError } from '../../../src/lib/errors';
import { createLogger } from '../../../src/lib/logger';
import { EventIntake } from '../../../src/pipeline/intake';
import { routeEvent, type EventRoute } from '../../../src/pipeline/route-event';
import { to18 } from '../../../src/salesforce/ids';
import type { DeadLetter } from '../../../src/state/dead-letters';
import { AT, commitment, expectedRoute, intentArb, isEcho, messageFor, type Intent } from './event-messages';
import { mutate, mutationsArb, prototypeFingerprint, type Mutation } from './mutate';

/**
 * Each case runs a short stream of change events (event-messages.ts), some mutated, through a real
 * EventIntake with the real router and echo filter; the batch path and the parent lookup are fakes
 * that succeed, fail once or refuse for good. `checkEventCase` throws on the first broken promise.
 */

export interface EventStep {
  intent: Intent;
  /** Replay ids step forward by 1 + gap; a mutation may still send one backwards. */
  gap: number;
  mutations: Mutation[];
}

export interface EventCase {
  /** The stored checkpoint the intake starts from (undefined: first start). */
  initial: number | undefined;
  /** Replay id of the first event relative to the checkpoint: ≤ 0 replays ones already finished. */
  offset: number;
  steps: EventStep[];
  submit: 'ok' | 'fail-once' | 'refuse';
  resolve: 'found' | 'none' | 'fail-once' | 'refuse';
}

export const eventCaseArb: fc.Arbitrary<EventCase> = fc.record({
  initial: fc.option(fc.constant(5000), { nil: undefined }),
  offset: fc.integer({ min: -3, max: 5 }),
  steps: fc.array(fc.record({ intent: intentArb, gap: fc.nat(3), mutations: mutationsArb }), {
    minLength: 1,
    maxLength: 6,
  }),
  submit: fc.constantFrom<EventCase['submit']>('ok', 'ok', 'ok', 'fail-once', 'refuse'),
  resolve: fc.constantFrom<EventCase['resolve']>('found', 'found', 'none', 'fail-once', 'refuse'),
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

// pino's own JSON: a logger that serializes every line (so logging weird values is exercised) and drops it.
const logger = createLogger({ level: 'debug', destination: { write: () => undefined } });
const HANG_MS = 2000;

class Violation extends Error {}
const fail = (what: string, message: unknown, detail: unknown = ''): never => {
  const shown = JSON.stringify(message, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 200 ? `${v.slice(0, 60)}…(${v.length} chars)` : v,
  );
  throw new Violation(`${what}: ${String(detail)}\n  message: ${(shown ?? String(message)).slice(0, 1500)}`);
};

/** What the fakes around the intake saw, in order. */
interface Harness {
  intake: EventIntake;
  routes: { replayId: number; route: EventRoute }[];
  letters: DeadLetter[];
  submitted: string[][];
}

function harness(c: EventCase, tally: EventTally): Harness {
  const h: Omit<Harness, 'intake'> = { routes: [], letters: [], submitted: [] };
  const failed = { submit: false, resolve: false };
  const failOnce = (which: 'submit' | 'resolve', err: Error) => {
    if (failed[which]) return;
    failed[which] = true;
    tally.retries++;
    throw err;
  };
  const intake = new EventIntake({
    catchUp: async () => undefined,
    route: (ev) => {
      const route = routeEvent(ev, { commitment, isEcho });
      h.routes.push({ replayId: ev.replayId, route });
      return route;
    },
    submit: async (ids) => {
      h.submitted.push(ids);
      if (c.submit === 'refuse') throw new Error('the batch path refused these ids');
      if (c.submit === 'fail-once') failOnce('submit', new ScorerError('NETWORK', 'socket hang up'));
    },
    resolve: async (route) => {
      if (c.resolve === 'refuse') throw new Error('the lookup refused these ids');
      if (c.resolve === 'fail-once')
        failOnce('resolve', new ScorerError('ORG_REQUEST_FAILED', 'Salesforce answered 503'));
      return c.resolve === 'none' ? [] : [`006${route.recordIds[0].slice(3, 15)}`];
    },
    requestSweep: () => undefined,
    deadLetter: async (letter) => void h.letters.push(letter),
    saveCheckpoint: async () => undefined,
    initialReplayId: c.initial,
    checkpointEveryMs: 0,
    retryDelayMs: () => 0,
    logger,
    now: () => AT,
  });
  return { ...h, intake };
}

/** Runs one case; throws a Violation naming the broken promise. */
export async function checkEventCase(c: EventCase, tally: EventTally): Promise<void> {
  const fingerprint = prototypeFingerprint();
  const h = harness(c, tally);
  let replayId = (c.initial ?? 5000) + c.offset;
  // The model: the newest usable replay id seen, and the checkpoint once every event is finished.
  const model = { maxSeen: c.initial ?? Number.NEGATIVE_INFINITY, checkpoint: c.initial };
  for (const step of c.steps) {
    replayId += 1 + step.gap;
    const base = messageFor(step.intent, replayId);
    const message = step.mutations.length === 0 ? base : mutate(base, step.mutations);
    tally.messages++;
    tally[step.mutations.length === 0 ? 'wellFormed' : 'mutated']++;
    await checkStep(h, step, message, model, tally);
  }
  if (prototypeFingerprint() !== fingerprint || ({} as Record<string, unknown>).polluted !== undefined)
    throw new Violation('Object.prototype was changed');
}

async function checkStep(
  h: Harness,
  step: EventStep,
  message: unknown,
  model: { maxSeen: number; checkpoint: number | undefined },
  tally: EventTally,
): Promise<void> {
  const rid = usableReplayId(message);
  const seen = { routes: h.routes.length, letters: h.letters.length, submitted: h.submitted.length };
  try {
    h.intake.accept(message);
  } catch (err) {
    fail('accept() threw', message, err);
  }
  await h.intake.drain(HANG_MS);
  const routes = h.routes.slice(seen.routes);
  const letters = h.letters.slice(seen.letters);
  if (rid !== null && rid <= model.maxSeen) {
    tally.duplicates++;
    if (routes.length + letters.length > 0) fail('a replayed (duplicate) event was handled again', message);
    return;
  }
  if (rid !== null) model.maxSeen = model.checkpoint = rid;
  if (letters.length > 1) fail('an event was dead-lettered twice', message);
  if (routes.length > 1) fail('an event was routed twice', message);
  if (routes.length === 0 && letters.length === 0)
    fail(`an event was neither routed nor dead-lettered within ${HANG_MS} ms`, message);
  if (letters[0]) checkLetter(letters[0], rid, step, message, tally);
  if (routes[0]) checkRoute(routes[0], rid, step, h.submitted.slice(seen.submitted), message, tally);
  if (h.intake.checkpoint !== model.checkpoint)
    fail(
      `checkpoint ${h.intake.checkpoint}, expected ${model.checkpoint} (every event is finished)`,
      message,
    );
  if (h.intake.outstanding !== 0) fail(`${h.intake.outstanding} events still outstanding`, message);
}

function checkLetter(
  letter: DeadLetter,
  rid: number | null,
  step: EventStep,
  message: unknown,
  tally: EventTally,
): void {
  if (letter.replayId !== rid)
    fail(`dead-lettered with replay id ${letter.replayId}, expected ${rid}`, message);
  if (typeof letter.reason !== 'string' || letter.reason === '')
    fail('a dead letter without a reason', message);
  // A well-formed event is dead-lettered only when the batch path or the lookup refuses it for good.
  if (step.mutations.length === 0 && letter.code !== 'INTERNAL')
    fail('a well-formed event was dead-lettered', message, letter.reason);
  tally.deadLettered++;
  if (rid === null) tally.deadLetteredWithoutReplayId++;
  tally.deadLetterCodes[letter.code] = (tally.deadLetterCodes[letter.code] ?? 0) + 1;
}

const OPPORTUNITY_ID18 = /^006[a-zA-Z0-9]{15}$/;
const RECORD_ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

function checkRoute(
  routed: { replayId: number; route: EventRoute },
  rid: number | null,
  step: EventStep,
  submitted: string[][],
  message: unknown,
  tally: EventTally,
): void {
  const { route } = routed;
  tally.routed[route.kind]++;
  if (routed.replayId !== rid) fail(`routed with replay id ${routed.replayId}, expected ${rid}`, message);
  const ids = submitted.flat();
  if (ids.some((id) => !OPPORTUNITY_ID18.test(id)))
    fail(`submitted ids that are not 18-character opportunity ids: ${ids.slice(0, 3).join(', ')}`, message);
  if (route.kind === 'score' && submitted.length === 0) fail('a score route submitted nothing', message);
  if (route.kind === 'resolve' && route.recordIds.some((id) => !RECORD_ID.test(id)))
    fail('a lookup was asked for invalid record ids', message);
  if (step.mutations.length > 0) return;
  const want = expectedRoute(step.intent);
  if (route.kind !== want) fail(`routed to ${route.kind}, expected ${want}`, message);
  if (route.kind === 'score' && step.intent.entity === 'Opportunity') {
    const expected = JSON.stringify(step.intent.recordIds.map(to18));
    if (JSON.stringify(submitted[0]) !== expected)
      fail(`submitted ${JSON.stringify(submitted[0])}, expected ${expected}`, message);
  }
}
