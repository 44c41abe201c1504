import fc from 'fast-check';
import { createEchoFilter } from '../../../src/pipeline/echo-filter';
import type { EventRoute } from '../../../src/pipeline/route-event';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { ChangeEventBus, type ChangeInput } from '../../../src/sandbox/change-events';
import { SandboxClock } from '../../../src/sandbox/clock';

/**
 * Well-formed change events as the subscriber hands them to the intake (the CometD message's data:
 * schema, payload with ChangeEventHeader, event.replayId), built by the sandbox's own change-event bus
 * from an `Intent` and sent as JSON; and where each must be routed.
 */

const SELLER = '005000000000001AAA';
const INTEGRATION_USER = '005000000000009AAA';
const CLIENT_ID = 'commitment-scorer';
export const AT = Date.parse('2026-11-20T12:00:00Z');
const rulebook = loadRulebookFile();
export const { commitment, outputs } = rulebook.fields;
export const isEcho = createEchoFilter({
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

/** Record numbers: often from a handful, so events of one delivery name the same deal again. */
const numberArb = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 99_999_999 }));
const idArb = (prefix: string) =>
  fc
    .tuple(numberArb, fc.boolean())
    .map(([n, short]) => `${prefix}${String(n).padStart(12, '0')}${short ? '' : 'AAA'}`);

export const intentArb: fc.Arbitrary<Intent> = fc
  .record({
    entity: fc.constantFrom(...Object.keys(PREFIX)),
    changeType: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...CHANGE_TYPES) },
      { weight: 1, arbitrary: fc.constant('GAP_OVERFLOW') },
    ),
    n: fc.integer({ min: 1, max: 4 }),
    seed: fc.array(numberArb, { minLength: 4, maxLength: 4 }),
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
