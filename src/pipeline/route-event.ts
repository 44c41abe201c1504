import { z } from 'zod';
import { ScorerError } from '../lib/errors';
import type { FieldMap } from '../rules/schema';
import { OPPORTUNITY_PREFIX } from '../salesforce/ids';
import type { EchoVerdict, ChangeEventHeader } from './echo-filter';

/**
 * Decides what a change event means for scoring. Everything arriving from the stream is untrusted, so
 * the message is checked here; what the rest of the pipeline sees is one of a few plain routes.
 */

const ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

const headerSchema = z.object({
  entityName: z.string().min(1),
  recordIds: z.array(z.string()),
  changeType: z.string().min(1),
  changedFields: z.array(z.string()).default([]),
  changeOrigin: z.string().default(''),
  commitUser: z.string().default(''),
  // Epoch milliseconds that a Date can hold: an absurd one (1e300) would become the drift check's
  // "newest seen" for ever and the start of a catch-up no query can express.
  commitTimestamp: z.number().int().min(0).max(8_640_000_000_000_000).optional(),
});

/**
 * A replay id the checkpoint can hold: -1 and -2 mean "new events" and "all retained" when subscribing
 * and are never an event's id, and an id past 2^53 cannot be compared exactly. An event claiming
 * either would become the watermark: -1 stored on a first start skips what is published while the
 * service is down; 1e300 makes every later event look like a duplicate.
 */
const isReplayId = (id: unknown): id is number =>
  typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;

const messageSchema = z.object({
  event: z.object({ replayId: z.number().refine(isReplayId, 'expected a non-negative safe integer') }),
  payload: z.looseObject({ ChangeEventHeader: headerSchema }),
});

export interface ChangeEvent {
  replayId: number;
  header: ChangeEventHeader & { commitTimestamp?: number };
  payload: Record<string, unknown>;
}

/** The replay id of a message, even a malformed one, so a dead letter can name it. */
export function replayIdOf(message: unknown): number | null {
  const id = (message as { event?: { replayId?: unknown } } | null)?.event?.replayId;
  return isReplayId(id) ? id : null;
}

export function parseChangeEvent(message: unknown): ChangeEvent {
  const parsed = messageSchema.safeParse(message);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScorerError(
      'EVENT_INVALID',
      `Change event is malformed at ${issue.path.join('.') || 'the top level'}: ${issue.message}`,
      { context: { replayId: replayIdOf(message) } },
    );
  }
  const { event, payload } = parsed.data;
  return { replayId: event.replayId, header: payload.ChangeEventHeader, payload };
}

export type EventRoute =
  /** Rescore these opportunities. */
  | { kind: 'score'; ids: string[] }
  /** Related records whose opportunity the event does not carry: look it up first. */
  | { kind: 'resolve'; entity: string; field: string; recordIds: string[] }
  /** Too many or unnamed records changed: only a full sweep is sure to catch them. */
  | { kind: 'sweep'; reason: string }
  | { kind: 'skip'; reason: string };

export interface RouteOptions {
  commitment: FieldMap['commitment'];
  isEcho: (header: ChangeEventHeader) => EchoVerdict;
}

export function routeEvent(ev: ChangeEvent, opts: RouteOptions): EventRoute {
  const { header } = ev;
  const type = header.changeType;
  // A transaction with more than 100,000 changes ends in one GAP_OVERFLOW without record ids.
  if (type === 'GAP_OVERFLOW') return { kind: 'sweep', reason: `GAP_OVERFLOW on ${header.entityName}` };
  // Some field-type conversions announce their changes as a wildcard such as "006*".
  if (header.recordIds.some((id) => id.includes('*')))
    return { kind: 'sweep', reason: `wildcard record ids on ${header.entityName}` };
  const echo = opts.isEcho(header);
  if (echo) return { kind: 'skip', reason: `echo:${echo}` };
  if (header.entityName === 'Opportunity') return routeOpportunity(ev);
  const field = parentField(header.entityName, opts.commitment);
  if (field === undefined) return { kind: 'skip', reason: `entity ${header.entityName} is not scored` };
  return routeRelated(ev, field);
}

function routeOpportunity(ev: ChangeEvent): EventRoute {
  const type = ev.header.changeType;
  // A deleted deal has nothing left to score or write.
  if (type === 'DELETE' || type === 'GAP_DELETE') return { kind: 'skip', reason: 'opportunity deleted' };
  const ids = checkIds(ev.header.recordIds, OPPORTUNITY_PREFIX, ev.replayId);
  // Merged events name many records; every one is rescored.
  return { kind: 'score', ids };
}

/**
 * A task, meeting, contact role or commitment changed. CREATE and UNDELETE events carry all set
 * fields and an UPDATE carries the parent field only when it changed; otherwise the parent is looked
 * up. Deleted rows cannot be looked up (and their events carry no fields): the daily sweep rescores
 * their opportunity.
 */
function routeRelated(ev: ChangeEvent, field: string): EventRoute {
  const { header, payload } = ev;
  if (header.changeType === 'DELETE' || header.changeType === 'GAP_DELETE')
    return { kind: 'skip', reason: `${header.entityName} deleted; the sweep rescores its opportunity` };
  if (field in payload) {
    const parent = payload[field];
    if (typeof parent === 'string' && parent.startsWith(OPPORTUNITY_PREFIX) && ID.test(parent))
      return { kind: 'score', ids: [parent] };
    if (header.changeType !== 'UPDATE')
      return { kind: 'skip', reason: `${header.entityName} is not about an opportunity` };
  }
  const prefixFree = checkIds(header.recordIds, '', ev.replayId);
  return { kind: 'resolve', entity: header.entityName, field, recordIds: prefixFree };
}

function parentField(entity: string, commitment: FieldMap['commitment']): string | undefined {
  if (entity === 'Task' || entity === 'Event') return 'WhatId';
  if (entity === 'OpportunityContactRole') return 'OpportunityId';
  if (entity === commitment.object) return commitment.opportunity;
  return undefined;
}

function checkIds(ids: readonly string[], prefix: string, replayId: number): string[] {
  const bad = ids.find((id) => !ID.test(id) || !id.startsWith(prefix));
  if (bad !== undefined || ids.length === 0) {
    throw new ScorerError(
      'EVENT_INVALID',
      bad === undefined
        ? 'Change event names no record'
        : `Change event names an invalid record id ${JSON.stringify(bad)}`,
      { context: { replayId } },
    );
  }
  return [...ids];
}
