/**
 * In-memory records, indexed by id and by the reference fields child relationships follow, so child
 * subqueries and `WhatId IN (…)` over 100k opportunities are lookups rather than scans.
 */
import { OBJECTS, objectForId } from './schema';

export type SObjectRecord = Record<string, unknown> & { Id: string };

const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 3-character suffix that turns a 15-character id into the 18-character case-safe form. */
export function idChecksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += CHECKSUM_CHARS[bits];
  }
  return out;
}

/** 15-character ids become their 18-character form; anything else is returned unchanged. */
export function to18(id: string): string {
  return id.length === 15 && /^[a-zA-Z0-9]{15}$/.test(id) ? id + idChecksum(id) : id;
}

/**
 * An 18-character id in any letter case, back in the case it is stored in: the suffix records which
 * of the first 15 characters are upper case. Compared case-insensitively (as the WHERE scan does),
 * two 18-character ids are equal exactly when their restored forms are, so an index lookup by the
 * restored form finds what a scan would. Anything else is returned unchanged.
 */
export function caseSafe(id: string): string {
  if (id.length !== 18 || !/^[a-zA-Z0-9]{18}$/.test(id)) return id;
  let body = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = CHECKSUM_CHARS.indexOf(id[15 + chunk].toUpperCase());
    if (bits < 0) return id;
    for (let i = 0; i < 5; i++) {
      const c = id[chunk * 5 + i];
      body += bits & (1 << i) ? c.toUpperCase() : c.toLowerCase();
    }
  }
  return body + id.slice(15).toUpperCase();
}

export function makeId(prefix: string, n: number): string {
  let body = '';
  let v = n;
  for (let i = 0; i < 9; i++) {
    body = BASE62[v % 62] + body;
    v = Math.floor(v / 62);
  }
  const id15 = `${prefix}5g0${body}`;
  return id15 + idChecksum(id15);
}

const INDEXED = new Set([
  ...Object.values(OBJECTS).flatMap((o) => o.children.map((c) => `${c.childObject}.${c.field}`)),
  'Contact.AccountId',
  'Opportunity.AccountId',
]);

/**
 * A field's value, with the audit fields generated records leave out to save memory at 100k deals
 * (IsDeleted is false, SystemModstamp follows LastModifiedDate, LastModifiedById follows CreatedById).
 */
export function valueOf(rec: Record<string, unknown>, field: string): unknown {
  const v = rec[field];
  if (v !== undefined) return v;
  if (field === 'IsDeleted') return false;
  if (field === 'SystemModstamp') return rec.LastModifiedDate ?? null;
  if (field === 'LastModifiedById') return rec.CreatedById ?? null;
  return null;
}

const NONE: readonly SObjectRecord[] = Object.freeze([]);

export class RecordStore {
  private readonly byObject = new Map<string, Map<string, SObjectRecord>>();
  /**
   * `Object.Field` → parent id → the child records themselves, not their ids: a child subquery then
   * costs no lookup in a table of 700k tasks per child (arrays: millions of tiny Sets cost hundreds
   * of MB). `put` replaces a record object, never edits it, so the lists stay current.
   */
  private readonly byRef = new Map<string, Map<string, SObjectRecord[]>>();
  private readonly refFields = new Map<string, string[]>();
  private counter = 1;

  constructor() {
    for (const o of Object.values(OBJECTS)) {
      this.byObject.set(o.name, new Map());
      this.refFields.set(
        o.name,
        // Only the lookups child relationships follow; others fall back to a scan.
        o.fields.filter((fd) => INDEXED.has(`${o.name}.${fd.name}`)).map((fd) => fd.name),
      );
    }
  }

  newId(objectName: string): string {
    return makeId(OBJECTS[objectName].keyPrefix, this.counter++);
  }

  all(objectName: string): IterableIterator<SObjectRecord> {
    return this.table(objectName).values();
  }

  count(objectName: string): number {
    return this.table(objectName).size;
  }

  /** Accepts the 15-character form too, as Salesforce does. */
  get(objectName: string, id: string): SObjectRecord | undefined {
    return this.table(objectName).get(to18(id));
  }

  /** Any object, found by the id's key prefix. */
  find(id: string): SObjectRecord | undefined {
    const o = objectForId(id);
    return o ? this.get(o, id) : undefined;
  }

  isIndexed(objectName: string, field: string): boolean {
    return this.refFields.get(objectName)?.includes(field) ?? false;
  }

  /** The index's own list, in insertion order: read it, do not change it. */
  children(objectName: string, field: string, parentId: string): readonly SObjectRecord[] {
    return this.byRef.get(`${objectName}.${field}`)?.get(parentId) ?? NONE;
  }

  /** Insert or replace a whole record, keeping the reference indexes right. */
  put(objectName: string, rec: SObjectRecord): void {
    const old = this.table(objectName).get(rec.Id);
    if (old) this.unindex(objectName, old);
    this.table(objectName).set(rec.Id, rec);
    this.index(objectName, rec);
    const m = /^[0-9A-Za-z]{3}5g0([0-9A-Za-z]{9})/.exec(rec.Id);
    if (m) this.counter = Math.max(this.counter, decode62(m[1]) + 1);
  }

  remove(objectName: string, id: string): SObjectRecord | undefined {
    const old = this.table(objectName).get(id);
    if (!old) return undefined;
    this.unindex(objectName, old);
    this.table(objectName).delete(id);
    return old;
  }

  toJSON(): Record<string, SObjectRecord[]> {
    return Object.fromEntries([...this.byObject].map(([name, t]) => [name, [...t.values()]]));
  }

  load(data: Record<string, SObjectRecord[]>): void {
    for (const [name, recs] of Object.entries(data)) {
      if (!this.byObject.has(name)) continue;
      for (const r of recs) this.put(name, r);
    }
  }

  private table(objectName: string): Map<string, SObjectRecord> {
    const t = this.byObject.get(objectName);
    if (!t) throw new Error(`unknown object ${objectName}`);
    return t;
  }

  private index(objectName: string, rec: SObjectRecord): void {
    for (const field of this.refFields.get(objectName) ?? []) {
      const v = rec[field];
      if (typeof v !== 'string') continue;
      const key = `${objectName}.${field}`;
      let m = this.byRef.get(key);
      if (!m) this.byRef.set(key, (m = new Map()));
      const list = m.get(v);
      if (!list) m.set(v, [rec]);
      else if (!list.includes(rec)) list.push(rec);
    }
  }

  private unindex(objectName: string, rec: SObjectRecord): void {
    for (const field of this.refFields.get(objectName) ?? []) {
      const v = rec[field];
      const list = typeof v === 'string' ? this.byRef.get(`${objectName}.${field}`)?.get(v) : undefined;
      const at = list ? list.indexOf(rec) : -1;
      if (list && at >= 0) list.splice(at, 1);
    }
  }
}

function decode62(s: string): number {
  let n = 0;
  for (const ch of s) n = n * 62 + BASE62.indexOf(ch);
  return n;
}
