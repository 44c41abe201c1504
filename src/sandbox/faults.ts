/**
 * Fault switches, the write log and API call counters: what tests flip and read to check a client's
 * resilience. Counts are "next N calls", consumed as calls arrive.
 */
import type { SandboxClock } from './clock';

export type CallKind = 'query' | 'sobject' | 'composite' | 'describe' | 'limits' | 'versions' | 'cometd';

export class Faults {
  unauthorizedNext = 0;
  unavailableNext = 0;
  requestLimitExceeded = false;
  unknownClientNextConnect = 0;
  authInvalidNextConnect = 0;
  invalidReplayNextSubscribe = 0;
  /** The next N connects succeed but the server forgets the session's subscriptions: a deaf client. */
  forgetSubscriptionsNextConnect = 0;
  /** The next N committed transactions publish no change event at all. */
  loseNextTransactions = 0;
  dropNextCometd = 0;
  dropNextRest = 0;
  latencyMs = 0;
  private readonly locks = new Map<string, number>();
  private readonly validation = new Map<string, string>();

  /** Record ids that answer UNABLE_TO_LOCK_ROW on their next `attempts` writes. */
  lockRows(ids: string[], attempts = 1): void {
    for (const id of ids) this.locks.set(id, attempts);
  }

  takeLock(id: string): boolean {
    const n = this.locks.get(id) ?? 0;
    if (n <= 0) return false;
    if (n === 1) this.locks.delete(id);
    else this.locks.set(id, n - 1);
    return true;
  }

  /** Record ids whose writes fail a validation rule with this message until cleared (reset()). */
  failValidation(ids: string[], message = 'Close Date cannot be in the past for an open opportunity'): void {
    for (const id of ids) this.validation.set(id, message);
  }

  validationFailure(id: string): string | undefined {
    return this.validation.get(id);
  }

  /** Consumes one unit of a "next N" counter; true when the fault applies to this call. */
  take(
    key:
      | 'unauthorizedNext'
      | 'unavailableNext'
      | 'unknownClientNextConnect'
      | 'authInvalidNextConnect'
      | 'invalidReplayNextSubscribe'
      | 'forgetSubscriptionsNextConnect'
      | 'loseNextTransactions'
      | 'dropNextCometd'
      | 'dropNextRest',
  ): boolean {
    if (this[key] <= 0) return false;
    this[key]--;
    return true;
  }

  reset(): void {
    this.unauthorizedNext = 0;
    this.unavailableNext = 0;
    this.requestLimitExceeded = false;
    this.unknownClientNextConnect = 0;
    this.authInvalidNextConnect = 0;
    this.invalidReplayNextSubscribe = 0;
    this.forgetSubscriptionsNextConnect = 0;
    this.loseNextTransactions = 0;
    this.dropNextCometd = 0;
    this.dropNextRest = 0;
    this.latencyMs = 0;
    this.locks.clear();
    this.validation.clear();
  }

  snapshot(): Record<string, unknown> {
    const { locks, validation, ...rest } = this as unknown as Record<string, unknown> & {
      locks: Map<string, number>;
      validation: Map<string, string>;
    };
    return {
      ...rest,
      lockedRows: Object.fromEntries(locks),
      failingValidation: Object.fromEntries(validation),
    };
  }
}

export interface WriteLogEntry {
  time: string;
  op: 'create' | 'update' | 'delete';
  object: string;
  id: string;
  fields: Record<string, unknown>;
  userId: string;
  clientId: string | null;
}

export class Stats {
  readonly calls: Record<CallKind, number> = {
    query: 0,
    sobject: 0,
    composite: 0,
    describe: 0,
    limits: 0,
    versions: 0,
    cometd: 0,
  };
  private usageDay = '';
  private usage = 0;

  constructor(
    private readonly clock: SandboxClock,
    readonly dailyLimit = 15000,
  ) {}

  /** Counts one API call against today's allocation (the versions list and CometD do not count). */
  count(kind: CallKind): void {
    this.calls[kind]++;
    if (kind === 'versions' || kind === 'cometd') return;
    this.rollDay();
    this.usage++;
  }

  apiUsage(): number {
    this.rollDay();
    return this.usage;
  }

  setApiUsage(n: number): void {
    this.rollDay();
    this.usage = n;
  }

  reset(): void {
    for (const k of Object.keys(this.calls) as CallKind[]) this.calls[k] = 0;
  }

  private rollDay(): void {
    const day = this.clock.today();
    if (day !== this.usageDay) {
      this.usageDay = day;
      this.usage = 0;
    }
  }
}
