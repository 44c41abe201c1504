/**
 * The one write path: REST, composite, the simulator and tests all come through here, so every
 * write is validated, logged, derived fields stay consistent and a change event follows.
 */
import type { SandboxClock } from './clock';
import { ChangeEventBus, CDC_ENTITIES, type ChangeInput } from './change-events';
import type { Faults, WriteLogEntry } from './faults';
import { OBJECTS, STAGES, findObject } from './schema';
import { valueOf, type RecordStore, type SObjectRecord } from './store';
import { OrgShape } from './org-shape';
import { validateFields, type RowError } from './validation';
import { NOT_IN_EVENTS, changeFor, historyRows, mergeChanges, stripSystem } from './write-effects';

export interface WriteCtx {
  userId: string;
  clientId: string | null;
  apiVersion?: string;
}

export interface SaveResult {
  id: string | null;
  success: boolean;
  errors: RowError[];
}

interface Plan {
  op: 'create' | 'update' | 'delete';
  object: string;
  id: string;
  next: SObjectRecord | null;
  changed: Record<string, unknown>;
  extra: { object: string; rec: SObjectRecord }[];
}

const READ_ONLY_OBJECTS = new Set(['OpportunityHistory', 'OpportunityFieldHistory', 'User']);

export class WriteService {
  private readonly deleted = new Set<string>();

  constructor(
    private readonly store: RecordStore,
    private readonly bus: ChangeEventBus,
    private readonly faults: Faults,
    private readonly clock: SandboxClock,
    readonly writeLog: WriteLogEntry[],
    private readonly shape: OrgShape = new OrgShape(),
  ) {}

  create(objectName: string, input: Record<string, unknown>, ctx: WriteCtx): SaveResult {
    return this.run([() => this.planCreate(objectName, input, ctx)], true, ctx)[0];
  }

  update(objectName: string, id: string, input: Record<string, unknown>, ctx: WriteCtx): SaveResult {
    return this.run([() => this.planUpdate(objectName, id, input, ctx)], true, ctx)[0];
  }

  remove(objectName: string, id: string, ctx: WriteCtx): SaveResult {
    return this.run([() => this.planDelete(objectName, id)], true, ctx)[0];
  }

  /** sObject Collections update: rows in order, one transaction, row-level results. */
  updateMany(
    rows: { type: string; id: string; fields: Record<string, unknown> }[],
    allOrNone: boolean,
    ctx: WriteCtx,
  ) {
    return this.run(
      rows.map((r) => () => this.planUpdate(r.type, r.id, r.fields, ctx)),
      allOrNone,
      ctx,
    );
  }

  private run(planners: (() => Plan | RowError)[], allOrNone: boolean, ctx: WriteCtx): SaveResult[] {
    const plans = planners.map((p) => p());
    const failed = plans.some((p) => 'statusCode' in p);
    if (failed && allOrNone) {
      return plans.map((p) =>
        'statusCode' in p
          ? { id: null, success: false, errors: [p] }
          : {
              id: p.id,
              success: false,
              errors: [
                {
                  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                  message:
                    'Record rolled back because not all records were valid and the request was using AllOrNone header',
                  fields: [],
                },
              ],
            },
      );
    }
    const ok = plans.filter((p): p is Plan => !('statusCode' in p));
    this.commit(ok, ctx);
    return plans.map((p) =>
      'statusCode' in p ? { id: null, success: false, errors: [p] } : { id: p.id, success: true, errors: [] },
    );
  }

  private checkTarget(objectName: string, id: string): string | RowError {
    const obj = findObject(objectName);
    if (!obj)
      return {
        statusCode: 'INVALID_TYPE',
        message: `sObject type '${objectName}' is not supported.`,
        fields: [],
      };
    if (READ_ONLY_OBJECTS.has(obj.name)) {
      return {
        statusCode: 'INVALID_TYPE_FOR_OPERATION',
        message: `entity type ${obj.name} does not support this operation`,
        fields: [],
      };
    }
    if (id && this.deleted.has(id))
      return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] };
    if (id && !this.store.get(obj.name, id)) {
      return { statusCode: 'NOT_FOUND', message: 'The requested resource does not exist', fields: [] };
    }
    if (id && this.faults.takeLock(id)) {
      return {
        statusCode: 'UNABLE_TO_LOCK_ROW',
        message: `unable to obtain exclusive access to this record or 1 records: ${id}`,
        fields: [],
      };
    }
    const rule = id ? this.faults.validationFailure(id) : undefined;
    if (rule !== undefined) {
      // A validation rule fails on the record itself, whatever fields the write touches.
      return { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: rule, fields: [] };
    }
    return obj.name;
  }

  private planCreate(objectName: string, input: Record<string, unknown>, ctx: WriteCtx): Plan | RowError {
    const name = this.checkTarget(objectName, '');
    if (typeof name !== 'string') return name;
    const v = validateFields(name, input, this.shape);
    if ('error' in v) return v.error;
    const now = this.clock.iso();
    const id = this.store.newId(name);
    const base: SObjectRecord = { Id: id };
    for (const fd of OBJECTS[name].fields) if (fd.name !== 'Id') base[fd.name] = null;
    Object.assign(base, { CreatedDate: now, CreatedById: ctx.userId, IsDeleted: false });
    if (OBJECTS[name].fields.some((fd) => fd.name === 'OwnerId')) base.OwnerId = ctx.userId;
    const next = this.finish(name, base, { ...v.fields }, ctx.userId, now);
    return {
      op: 'create',
      object: name,
      id,
      next,
      changed: next,
      extra: historyRows(this.store, now, name, null, next, ctx.userId),
    };
  }

  private planUpdate(
    objectName: string,
    id: string,
    input: Record<string, unknown>,
    ctx: WriteCtx,
  ): Plan | RowError {
    if (!id)
      return {
        statusCode: 'MISSING_ARGUMENT',
        message: 'Id not specified in an update call',
        fields: ['Id'],
      };
    const name = this.checkTarget(objectName, id);
    if (typeof name !== 'string') return name;
    const v = validateFields(name, input, this.shape);
    if ('error' in v) return v.error;
    const old = this.store.get(name, id) as SObjectRecord;
    for (const f of ['IsDeleted', 'SystemModstamp', 'LastModifiedById'])
      if (!(f in old)) old[f] = valueOf(old, f);
    const next = this.finish(name, { ...old }, v.fields, ctx.userId, this.clock.iso());
    const changed: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(next)) {
      if (!NOT_IN_EVENTS.has(k) && (old[k] ?? null) !== (val ?? null)) changed[k] = val;
    }
    return {
      op: 'update',
      object: name,
      id,
      next,
      changed,
      extra: historyRows(this.store, this.clock.iso(), name, old, next, ctx.userId),
    };
  }

  private planDelete(objectName: string, id: string): Plan | RowError {
    const name = this.checkTarget(objectName, id);
    if (typeof name !== 'string') return name;
    return { op: 'delete', object: name, id, next: null, changed: {}, extra: [] };
  }

  /** Applies input and the fields Salesforce derives (stage → probability, closed flags, names). */
  private finish(
    name: string,
    rec: SObjectRecord,
    input: Record<string, unknown>,
    userId: string,
    now: string,
  ) {
    const next: SObjectRecord = { ...rec, ...input };
    if (name === 'Opportunity' && 'StageName' in input && input.StageName !== rec.StageName) {
      const stage = STAGES.find((s) => s.name === next.StageName);
      if (stage && !('Probability' in input)) next.Probability = stage.probability;
      if (stage && !('ForecastCategoryName' in input)) next.ForecastCategoryName = stage.forecast;
    }
    if (name === 'Opportunity') {
      next.IsClosed = next.StageName === 'Closed Won' || next.StageName === 'Closed Lost';
      next.IsWon = next.StageName === 'Closed Won';
    }
    if (name === 'Task') next.IsClosed = next.Status === 'Completed';
    if (name === 'Contact') next.Name = [next.FirstName, next.LastName].filter(Boolean).join(' ');
    return Object.assign(next, { LastModifiedDate: now, LastModifiedById: userId, SystemModstamp: now });
  }

  private commit(plans: Plan[], ctx: WriteCtx): void {
    const changes: ChangeInput[] = [];
    for (const p of plans) {
      const before = this.store.get(p.object, p.id);
      if (p.next) this.store.put(p.object, p.next);
      else {
        this.store.remove(p.object, p.id);
        this.deleted.add(p.id);
      }
      for (const e of p.extra) this.store.put(e.object, e.rec);
      this.writeLog.push({
        time: this.clock.iso(),
        op: p.op,
        object: p.object,
        id: p.id,
        fields:
          p.op === 'update' ? stripSystem(p.changed) : p.op === 'create' ? stripSystem(p.next ?? {}) : {},
        userId: ctx.userId,
        clientId: ctx.clientId,
      });
      if (CDC_ENTITIES.includes(p.object)) changes.push(changeFor(p, before ?? null));
    }
    // A fault: the transaction commits but its change events are never produced (not even a gap event).
    if (changes.length === 0 || this.faults.take('loseNextTransactions')) return;
    const origin = `com/salesforce/api/rest/${ctx.apiVersion ?? '62.0'}${ctx.clientId ? `;client=${ctx.clientId}` : ''}`;
    this.bus.publishTransaction(mergeChanges(changes), { user: ctx.userId, origin });
  }
}
