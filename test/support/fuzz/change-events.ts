import fc from 'fast-check';
import { ScorerError } from '../../../src/lib/errors';
import { createLogger } from '../../../src/lib/logger';
import { createEchoFilter } from '../../../src/pipeline/echo-filter';
import { EventIntake } from '../../../src/pipeline/intake';
import { routeEvent, type EventRoute } from '../../../src/pipeline/route-event';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { to18 } from '../../../src/salesforce/ids';
import { ChangeEventBus, type ChangeInput } from '../../../src/sandbox/change-events';
import { SandboxClock } from '../../../src/sandbox/clock';
import type { DeadLetter } from '../../../src/state/dead-letters';
import { mutate, mutationsArb, prototypeFingerprint, type Mutation } from './mutate';

/**
 * Change events as the subscriber hands them to the intake (the CometD message's data: schema, payload
 * with ChangeEventHeader, event.replayId), built by the sandbox's own change-event bus and sent as
 * JSON, then mutated. Each case runs a short stream of them through a real EventIntake with the real
 * router and echo filter; the batch path and the parent lookup are fakes that succeed, fail once or
 * refuse for good. `checkEventCase` throws on the first broken promise of the intake.
 */

const SELLER = '005000000000001AAA';
const INTEGRATION_USER = '005000000000009AAA';
const CLIENT_ID = 'commitment-scorer';
const AT = Date.parse('2026-11-20T12:00:00Z');
const rulebook = loadRulebookFile();
const { commitment, outputs } = rulebook.fields;
const isEcho = createEchoFilter({
  clientId: CLIENT_ID,
  integrationUserId: INTEGRATION_USER,
  outputFields: Object.values(outputs),
});

const PREFIX: Record<string, string> = {
  Opportunity: '006',
  Task: '00T',
  Event: '00U',
  OpportunityContactRole: '00K',
  [commitment.object]: 'a0X',
  Account: '001',
};
const PARENT: Record<string, string | undefined> = {
  Task: 'WhatId',
  Event: 'WhatId',
  OpportunityContactRole: 'OpportunityId',
  [commitment.object]: commitment.opportunity,
};
const CHANGE_TYPES = ['CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE'];

/** What a well-formed event is meant to say; the oracle for where it must be routed. */
export interface Intent {
  entity: string;
  changeType: string;
  recordIds: string[];
  /** The parent lookup the payload carries (related records only). */
  parent: 'opportunity' | 'account' | 'absent';
  parentId: string;
  /** Our own write coming back: by the origin marker, or the integration user touching only outputs. */
  echo: 'origin' | 'user' | false;
}

const idArb = (prefix: string) =>
  fc
    .tuple(fc.integer({ min: 1, max: 99_999_999 }), fc.boolean())
    .map(([n, short]) => `${prefix}${String(n).padStart(12, '0')}${short ? '' : 'AAA'}`);

export const intentArb: fc.Arbitrary<Intent> = fc
  .record({
    entity: fc.constantFrom(...Object.keys(PREFIX)),
    changeType: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...CHANGE_TYPES) },
      { weight: 1, arbitrary: fc.constant('GAP_OVERFLOW') },
    ),
    n: fc.integer({ min: 1, max: 4 }),
    seed: fc.array(fc.integer({ min: 1, max: 99_999_999 }), { minLength: 4, maxLength: 4 }),
    parent: fc.constantFrom<Intent['parent']>('opportunity', 'opportunity', 'account', 'absent'),
    parentId: fc.oneof(idArb('006'), idArb('001')),
    echo: fc.constantFrom<Intent['echo']>(false, false, false, 'origin', 'user'),
  })
  .map(({ entity, changeType, n, seed, parent, parentId, echo }) => ({
    entity,
    changeType,
    recordIds:
      changeType === 'GAP_OVERFLOW'
        ? []
        : seed.slice(0, n).map((s) => `${PREFIX[entity]}${String(s).padStart(12, '0')}AAA`),
    parent: PARENT[entity] === undefined ? 'absent' : parent,
    parentId: `${parent === 'account' ? '001' : '006'}${parentId.slice(3)}`,
    // The integration-user shortcut only covers an Opportunity UPDATE of output fields.
    echo: echo === 'user' && !(entity === 'Opportunity' && changeType === 'UPDATE') ? false : echo,
  }));

function changeInput(intent: Intent): ChangeInput {
  const field = PARENT[intent.entity];
  const fields: Record<string, unknown> = {};
  const changedFields: string[] = [];
  // Gap events carry the header only: no field values, no changed-field list.
  if (intent.changeType.startsWith('GAP_'))
    return {
      entity: intent.entity,
      recordIds: intent.recordIds,
      changeType: intent.changeType,
      changedFields,
      fields,
    };
  if (intent.entity === 'Opportunity' && intent.changeType.endsWith('UPDATE')) {
    const changed = intent.echo === 'user' ? [outputs.score, outputs.flags] : ['StageName'];
    for (const f of changed) {
      fields[f] = f === 'StageName' ? 'Negotiation/Review' : f === outputs.score ? 42 : 'ONE_SIDED_EFFORT';
      changedFields.push(f);
    }
  }
  if (field !== undefined && intent.parent !== 'absent') {
    fields[field] = intent.parentId;
    if (intent.changeType.endsWith('UPDATE')) changedFields.push(field);
  }
  if (intent.changeType.endsWith('UPDATE')) changedFields.push('LastModifiedDate');
  return {
    entity: intent.entity,
    recordIds: intent.recordIds,
    changeType: intent.changeType,
    changedFields,
    fields,
  };
}

/** The message of one event as it arrives over CometD: built by the sandbox's bus, sent as JSON. */
export function messageFor(intent: Intent, replayId: number): Record<string, unknown> {
  const bus = new ChangeEventBus(new SandboxClock(new Date(AT)));
  const origin = `com/salesforce/api/rest/62.0${intent.echo === 'origin' ? `;client=${CLIENT_ID}` : ''}`;
  const user = intent.echo === 'user' ? INTEGRATION_USER : SELLER;
  const [stored] = bus.publishTransaction([changeInput(intent)], { user, origin });
  const message = JSON.parse(JSON.stringify(stored.data)) as { event: { replayId: number } };
  message.event.replayId = replayId;
  return message;
}

/** Where a well-formed event must go. */
export function expectedRoute(intent: Intent): EventRoute['kind'] {
  const deleted = intent.changeType === 'DELETE' || intent.changeType === 'GAP_DELETE';
  if (intent.changeType === 'GAP_OVERFLOW') return 'sweep';
  if (intent.echo !== false) return 'skip';
  if (intent.entity === 'Account' || deleted) return 'skip';
  if (intent.entity === 'Opportunity') return 'score';
  if (intent.changeType.startsWith('GAP_')) return 'resolve';
  if (intent.parent === 'opportunity') return 'score';
  if (intent.parent === 'account' && intent.changeType !== 'UPDATE') return 'skip';
  return 'resolve';
}

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

/** Runs one case; throws a Violation naming the broken promise. */
export async function checkEventCase(c: EventCase, tally: EventTally): Promise<void> {
  const fingerprint = prototypeFingerprint();
  const routes: { replayId: number; route: EventRoute }[] = [];
  const letters: DeadLetter[] = [];
  const submitted: string[][] = [];
  const failed = { submit: false, resolve: false };
  const intake = new EventIntake({
    route: (ev) => {
      const route = routeEvent(ev, { commitment, isEcho });
      routes.push({ replayId: ev.replayId, route });
      return route;
    },
    submit: async (ids) => {
      submitted.push(ids);
      if (c.submit === 'refuse') throw new Error('the batch path refused these ids');
      if (c.submit === 'fail-once' && !failed.submit) {
        failed.submit = true;
        tally.retries++;
        throw new ScorerError('NETWORK', 'socket hang up');
      }
    },
    resolve: async (route) => {
      if (c.resolve === 'refuse') throw new Error('the lookup refused these ids');
      if (c.resolve === 'fail-once' && !failed.resolve) {
        failed.resolve = true;
        tally.retries++;
        throw new ScorerError('ORG_REQUEST_FAILED', 'Salesforce answered 503');
      }
      return c.resolve === 'none' ? [] : [`006${route.recordIds[0].slice(3, 15)}`];
    },
    requestSweep: () => undefined,
    deadLetter: async (letter) => {
      letters.push(letter);
    },
    saveCheckpoint: async () => undefined,
    initialReplayId: c.initial,
    checkpointEveryMs: 0,
    retryDelayMs: () => 0,
    logger,
    now: () => AT,
  });

  let replayId = (c.initial ?? 5000) + c.offset;
  let maxSeen = c.initial ?? Number.NEGATIVE_INFINITY;
  let checkpoint = c.initial;
  for (const step of c.steps) {
    replayId += 1 + step.gap;
    const base = messageFor(step.intent, replayId);
    const message = step.mutations.length === 0 ? base : mutate(base, step.mutations);
    const wellFormed = step.mutations.length === 0;
    tally.messages++;
    tally[wellFormed ? 'wellFormed' : 'mutated']++;
    const rid = usableReplayId(message);
    const duplicate = rid !== null && rid <= maxSeen;
    const seen = { routes: routes.length, letters: letters.length, submitted: submitted.length };

    try {
      intake.accept(message);
    } catch (err) {
      fail('accept() threw', message, err);
    }
    await intake.drain(HANG_MS);

    const newRoutes = routes.slice(seen.routes);
    const newLetters = letters.slice(seen.letters);
    if (duplicate) {
      tally.duplicates++;
      if (newRoutes.length + newLetters.length > 0)
        fail('a replayed (duplicate) event was handled again', message);
      continue;
    }
    if (rid !== null) maxSeen = rid;
    if (rid !== null) checkpoint = rid;
    if (newLetters.length > 1) fail('an event was dead-lettered twice', message);
    if (newRoutes.length > 1) fail('an event was routed twice', message);
    if (newRoutes.length === 0 && newLetters.length === 0)
      fail(`an event was neither routed nor dead-lettered within ${HANG_MS} ms`, message);
    const route = newRoutes[0];
    if (route && route.replayId !== rid)
      fail(`routed with replay id ${route.replayId}, expected ${rid}`, message);

    const letter = newLetters[0];
    if (letter) {
      if (letter.replayId !== rid)
        fail(`dead-lettered with replay id ${letter.replayId}, expected ${rid}`, message);
      if (wellFormed && letter.code === 'EVENT_INVALID')
        fail('a well-formed event was dead-lettered', message, letter.reason);
      if (typeof letter.reason !== 'string' || letter.reason === '')
        fail('a dead letter without a reason', message);
      tally.deadLettered++;
      if (rid === null) tally.deadLetteredWithoutReplayId++;
      tally.deadLetterCodes[letter.code] = (tally.deadLetterCodes[letter.code] ?? 0) + 1;
    }
    if (route) {
      tally.routed[route.route.kind]++;
      checkRoute(route.route, submitted.slice(seen.submitted), message);
      if (wellFormed && route.route.kind !== expectedRoute(step.intent))
        fail(`routed to ${route.route.kind}, expected ${expectedRoute(step.intent)}`, message);
      if (wellFormed && route.route.kind === 'score' && step.intent.entity === 'Opportunity') {
        const want = step.intent.recordIds.map(to18);
        if (JSON.stringify(submitted[seen.submitted]) !== JSON.stringify(want))
          fail(
            `submitted ${JSON.stringify(submitted[seen.submitted])}, expected ${JSON.stringify(want)}`,
            message,
          );
      }
    }
    if (wellFormed && letter && c.submit !== 'refuse' && c.resolve !== 'refuse')
      fail('a well-formed event was dead-lettered although nothing refused it', message, letter.reason);
    if (intake.checkpoint !== checkpoint)
      fail(`checkpoint ${intake.checkpoint}, expected ${checkpoint} (every event is finished)`, message);
    if (intake.outstanding !== 0) fail(`${intake.outstanding} events still outstanding`, message);
  }
  if (prototypeFingerprint() !== fingerprint || ({} as Record<string, unknown>).polluted !== undefined)
    throw new Violation('Object.prototype was changed');
}

function checkRoute(route: EventRoute, submitted: string[][], message: unknown): void {
  const ids = submitted.flat();
  if (ids.some((id) => !/^006[a-zA-Z0-9]{15}$/.test(id)))
    fail(`submitted ids that are not 18-character opportunity ids: ${ids.slice(0, 3).join(', ')}`, message);
  if (route.kind === 'score' && submitted.length === 0) fail('a score route submitted nothing', message);
  if (
    route.kind === 'resolve' &&
    route.recordIds.some((id) => !/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(id))
  )
    fail('a lookup was asked for invalid record ids', message);
}
