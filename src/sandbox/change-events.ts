/**
 * The change-event bus: builds CDC messages, numbers them with increasing replay ids, keeps them for
 * 72 hours of sandbox-clock time and hands them to the Bayeux layer for delivery and replay.
 */
import type { ChangeEventHeader as ServiceHeader } from '../pipeline/echo-filter';
import type { SandboxClock } from './clock';

export const RETENTION_MS = 72 * 3_600_000;
export const ALL_CHANGES = '/data/ChangeEvents';
export const CUSTOM_CHANNEL = '/data/Commitment_Scorer__chn';
export const CDC_ENTITIES = [
  'Opportunity',
  'Task',
  'Event',
  'OpportunityContactRole',
  'Buying_Commitment__c',
];

/** `Buying_Commitment__c` → `/data/Buying_Commitment__ChangeEvent` (custom objects drop the trailing "c"). */
export function entityChannel(entity: string): string {
  return `/data/${entity.endsWith('__c') ? entity.slice(0, -1) : entity}ChangeEvent`;
}

// The header fields the service reads come from its own type; the sandbox adds the rest Salesforce sends.
export interface ChangeEventHeader extends ServiceHeader {
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
}

export interface CdcData {
  schema: string;
  payload: { ChangeEventHeader: ChangeEventHeader } & Record<string, unknown>;
  event: { replayId: number };
}

export interface StoredEvent {
  replayId: number;
  entity: string;
  time: number;
  data: CdcData;
}

export type EventListener = (ev: StoredEvent) => void;

export interface ChangeInput {
  entity: string;
  recordIds: string[];
  changeType: string;
  changedFields: string[];
  fields: Record<string, unknown>;
}

export interface TransactionInfo {
  user: string;
  origin: string;
}

export class ChangeEventBus {
  private events: StoredEvent[] = [];
  private nextReplay = 1000;
  private commitNumber = 10_000_000;
  private txCounter = 0;
  /** The highest replay id dropped by retention: subscribing from below it would lose events. */
  private prunedUpTo = 0;
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly clock: SandboxClock) {}

  onEvent(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  lastReplayId(): number {
    return this.nextReplay - 1;
  }

  /** Publishes the changes of one transaction; sequence numbers count within it. */
  publishTransaction(changes: ChangeInput[], tx: TransactionInfo): StoredEvent[] {
    const transactionKey = `0000${(++this.txCounter).toString(16)}-${this.clock.now().toString(16)}`;
    const commitTimestamp = this.clock.now();
    const commitNumber = ++this.commitNumber;
    return changes.map((c, i) =>
      this.publish(c.entity, {
        ChangeEventHeader: {
          entityName: c.entity,
          recordIds: c.recordIds,
          changeType: c.changeType,
          changedFields: c.changedFields,
          changeOrigin: tx.origin,
          transactionKey,
          sequenceNumber: c.changeType.startsWith('GAP_') ? 1 : i + 1,
          commitTimestamp,
          commitNumber,
          commitUser: tx.user,
        },
        ...c.fields,
      }),
    );
  }

  private publish(entity: string, payload: CdcData['payload']): StoredEvent {
    this.prune();
    // Replay ids are opaque and increasing but not contiguous in Salesforce; steps of 1 are enough here.
    const replayId = this.nextReplay++;
    const ev: StoredEvent = {
      replayId,
      entity,
      time: this.clock.now(),
      data: { schema: schemaId(entity), payload, event: { replayId } },
    };
    this.events.push(ev);
    for (const l of this.listeners) l(ev);
    return ev;
  }

  /** Events still retained for a channel after `from` (-2 = all retained). */
  retained(channel: string, from: number): StoredEvent[] {
    this.prune();
    return this.events.filter((e) => e.replayId > from && channels(e.entity).includes(channel));
  }

  /** A stored replay id is usable when nothing after it has expired and it was really issued. */
  isValidReplayId(id: number): boolean {
    if (id === -1 || id === -2) return true;
    this.prune();
    return id >= this.prunedUpTo && id <= this.lastReplayId();
  }

  private prune(): void {
    const cutoff = this.clock.now() - RETENTION_MS;
    let n = 0;
    while (n < this.events.length && this.events[n].time < cutoff) n++;
    if (n > 0) {
      this.prunedUpTo = this.events[n - 1].replayId;
      this.events = this.events.slice(n);
    }
  }
}

/** Every channel an entity's events appear on. */
export function channels(entity: string): string[] {
  const out = [entityChannel(entity), ALL_CHANGES];
  if (CDC_ENTITIES.includes(entity)) out.push(CUSTOM_CHANNEL);
  return out;
}

export function isKnownChannel(channel: string): boolean {
  return (
    channel === ALL_CHANGES ||
    channel === CUSTOM_CHANNEL ||
    CDC_ENTITIES.some((e) => entityChannel(e) === channel)
  );
}

function schemaId(entity: string): string {
  let h = 0;
  for (const ch of entity) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `sbx${h.toString(36).padStart(8, '0')}-schema`;
}
