import type { Connection } from 'jsforce';
import { chunk, inList, MAX_IDS_PER_QUERY, OPPORTUNITY_PREFIX, validateIds } from './ids';
import { queryAll, type ApiCallCounter } from './paged-query';

/**
 * Finds the opportunity behind related records (a task's WhatId, a contact role's OpportunityId, a
 * commitment's lookup) when their change event does not carry it, as for an UPDATE that left the
 * parent alone. Requests arriving within a short window share one query per object, so a burst of
 * task updates costs a query, not a query per task.
 */

export interface ResolveRequest {
  entity: string;
  field: string;
  recordIds: string[];
}

interface Pending {
  field: string;
  ids: Set<string>;
  waiters: { ids: string[]; resolve: (v: string[]) => void; reject: (e: unknown) => void }[];
  timer: NodeJS.Timeout;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export class ParentResolver {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly connection: () => Connection,
    private readonly counter: ApiCallCounter,
    private readonly windowMs = 100,
  ) {}

  /** The opportunity ids (18 characters) the given records belong to; records of other parents are left out. */
  resolve(req: ResolveRequest): Promise<string[]> {
    // Object and field names come from our own routing table and rulebook, never from the event body,
    // but they enter SOQL, so they are checked like ids are.
    if (!NAME.test(req.entity) || !NAME.test(req.field))
      return Promise.reject(new RangeError(`Not an API name: ${req.entity}.${req.field}`));
    const ids = validateIds(req.recordIds, '');
    const key = `${req.entity}.${req.field}`;
    let batch = this.pending.get(key);
    if (!batch) {
      const timer = setTimeout(() => void this.run(req.entity, key), this.windowMs);
      batch = { field: req.field, ids: new Set(), waiters: [], timer };
      this.pending.set(key, batch);
    }
    for (const id of ids) batch.ids.add(id);
    const current = batch;
    return new Promise((resolve, reject) => current.waiters.push({ ids, resolve, reject }));
  }

  private async run(entity: string, key: string): Promise<void> {
    const batch = this.pending.get(key);
    if (!batch) return;
    this.pending.delete(key);
    try {
      const parents = new Map<string, string>();
      for (const part of chunk([...batch.ids], MAX_IDS_PER_QUERY)) {
        const soql = `SELECT Id, ${batch.field} FROM ${entity} WHERE Id IN (${inList(part)})`;
        for (const rec of await queryAll(this.connection(), soql, this.counter, MAX_IDS_PER_QUERY)) {
          const parent = rec[batch.field];
          if (typeof parent === 'string' && parent.startsWith(OPPORTUNITY_PREFIX))
            parents.set(String(rec.Id), parent);
        }
      }
      for (const w of batch.waiters) {
        const found = w.ids.map((id) => parents.get(id)).filter((p): p is string => p !== undefined);
        w.resolve(validateIds(found));
      }
    } catch (err) {
      for (const w of batch.waiters) w.reject(err);
    }
  }
}
