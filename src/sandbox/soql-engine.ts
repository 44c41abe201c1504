/**
 * SOQL over the in-memory store: parsing is soql-parser-js's job, this file only evaluates.
 * Supports field lists, parent fields (Owner.Name), child subqueries, WHERE (see soql-where),
 * semi-joins, ORDER BY, LIMIT, OFFSET and COUNT().
 */
import { parseQuery, type Condition, type Query, type FieldSubquery } from '@jetstreamapp/soql-parser-js';
import { sortRows, type OrderItem } from './soql-sort';
import { compileWhere, tokenize, type Getter, type Pred } from './soql-where';
import { candidates } from './soql-index';
import { findChildRel, findField, findObject, findParentRel, type ObjectDef } from './schema';
import { valueOf, type RecordStore, type SObjectRecord } from './store';
import { SfError, invalidField, malformed } from './sf-errors';

export interface QueryContext {
  store: RecordStore;
  now: number;
  apiVersion: string;
  /** false: answer every query by scanning, the reference the index paths are tested against. */
  useIndexes?: boolean;
  /** false for a field the org lacks (see OrgShape); every field of the schema exists otherwise. */
  hasField?: (object: string, field: string) => boolean;
}

/**
 * Per-run caches: a child subquery runs once per parent row (200 parents × 6 subqueries for a
 * scoring batch), so its checks, compiled WHERE and field names are worked out once.
 */
interface RunCache {
  preds: WeakMap<Query, Pred | null>;
  readers: Map<string, Map<string, Reader>>;
  validated: WeakSet<Query>;
  names: WeakMap<Query, (string | undefined)[]>;
  children: WeakMap<FieldSubquery, Query>;
}
type RunContext = QueryContext & { cache?: RunCache };
const newCache = (): RunCache => ({
  preds: new WeakMap(),
  readers: new Map(),
  validated: new WeakSet(),
  names: new WeakMap(),
  children: new WeakMap(),
});

export interface QueryResult {
  totalSize: number;
  done: boolean;
  records: Record<string, unknown>[];
}

export function parseSoql(soql: string): Query {
  try {
    // No options object: with one, soql-parser-js rebuilds its parser on every call (~50 ms).
    return parseQuery(soql) as Query;
  } catch (e) {
    throw malformed(`${soql}\n^\nERROR: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * An answer whose top-level records are built one at a time, when asked for. The REST route turns
 * each into JSON at once, so a 200-deal answer never exists as one tree of 5,000 objects: the young
 * generation then holds strings rather than that tree, and scavenges stay short.
 */
export interface LazyResult {
  totalSize: number;
  /** How many records the answer holds (none for COUNT(), whatever totalSize says). */
  length: number;
  record(i: number): Record<string, unknown>;
}

export function prepareQuery(soql: string, ctx: QueryContext): LazyResult {
  const run: RunContext = { ...ctx, cache: newCache() };
  return execute(parseSoql(soql), run);
}

export function runQuery(soql: string, ctx: QueryContext): QueryResult {
  return materialize(prepareQuery(soql, ctx));
}

function materialize(res: LazyResult): QueryResult {
  const records = Array.from({ length: res.length }, (_, i) => res.record(i));
  return { totalSize: res.totalSize, done: true, records };
}

function objectOf(name: string | undefined): ObjectDef {
  const obj = name ? findObject(name) : undefined;
  if (!obj) throw new SfError(400, 'INVALID_TYPE', `sObject type '${name}' is not supported.`);
  return obj;
}

/** Resolves a possibly dotted path (Owner.Name) on a record, following parent lookups. */
function resolvePath(obj: ObjectDef, rec: SObjectRecord, path: string, store: RecordStore): unknown {
  const parts = path.split('.');
  if (parts.length > 1 && parts[0].toLowerCase() === obj.name.toLowerCase()) parts.shift();
  let cur: SObjectRecord | undefined = rec;
  let curObj = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const rel = findParentRel(curObj.name, parts[i]);
    if (!rel?.referenceTo) throw invalidField(path, obj.name);
    const id: unknown = cur?.[rel.name];
    curObj = objectOf(rel.referenceTo);
    cur = typeof id === 'string' ? store.get(curObj.name, id) : undefined;
    if (!cur) return null;
  }
  const fd = findField(curObj.name, parts[parts.length - 1]);
  if (!fd) throw invalidField(parts[parts.length - 1], curObj.name);
  return valueOf(cur, fd.name);
}

type Reader = (rec: SObjectRecord) => unknown;

/**
 * A path's value on a record of `obj`. A plain field name is looked up once, not per row: WHERE and
 * ORDER BY of a child subquery run over every child of 200 parents.
 */
function reader(obj: ObjectDef, path: string, ctx: QueryContext): Reader {
  const cache = (ctx as RunContext).cache?.readers;
  let byPath = cache?.get(obj.name);
  if (!byPath) {
    byPath = new Map();
    cache?.set(obj.name, byPath);
  }
  let read = byPath.get(path);
  if (!read) {
    const name = path.includes('.') ? undefined : findField(obj.name, path)?.name;
    read = name ? (rec) => valueOf(rec, name) : (rec) => resolvePath(obj, rec, path, ctx.store);
    byPath.set(path, read);
  }
  return read;
}

function select(
  obj: ObjectDef,
  q: Query,
  ctx: QueryContext,
  pool?: Iterable<SObjectRecord>,
): SObjectRecord[] {
  // One getter for the whole scan, pointed at each row in turn, rather than a closure per row.
  let row: SObjectRecord;
  const get: Getter = (path) => reader(obj, path, ctx)(row);
  let pred = (ctx as RunContext).cache?.preds.get(q);
  if (pred === undefined) {
    pred = q.where ? compileWhere(q.where, { now: ctx.now, semiJoin: (cond) => semiJoin(cond, ctx) }) : null;
    (ctx as RunContext).cache?.preds.set(q, pred);
  }
  const rows: SObjectRecord[] = [];
  for (const r of pool ?? candidates(obj, q, ctx)) {
    row = r;
    if (!pred || pred(get)) rows.push(r);
  }
  if (q.orderBy) sortRows(rows, q, (r, path) => reader(obj, path, ctx)(r));
  const offset = q.offset ?? 0;
  return rows.slice(offset, q.limit !== undefined ? offset + q.limit : undefined);
}

function semiJoin(cond: Condition, ctx: QueryContext): Set<string> {
  const sub = (cond as { valueQuery?: Query }).valueQuery;
  if (!sub) throw malformed('semi-join without a subquery');
  const obj = objectOf(sub.sObject);
  const first = sub.fields?.[0] as { field?: string } | undefined;
  if (!first?.field || sub.fields?.length !== 1) throw malformed('semi-join must select exactly one field');
  const field = first.field;
  return new Set(select(obj, sub, ctx).map((r) => String(resolvePath(obj, r, field, ctx.store))));
}

function execute(q: Query, ctx: QueryContext, pool?: Iterable<SObjectRecord>): LazyResult {
  const obj = objectOf(q.sObject);
  if (q.groupBy) throw malformed('GROUP BY is not supported by the sandbox org');
  const fields = q.fields ?? [];
  const countOnly = fields.length === 1 && fields[0].type === 'FieldFunctionExpression';
  if (countOnly) return countQuery(obj, q, ctx, fields[0] as { functionName: string; alias?: string });
  const cache = (ctx as RunContext).cache;
  if (!cache?.validated.has(q)) {
    validateFields(obj, q, ctx);
    cache?.validated.add(q);
  }
  const rows = select(obj, q, ctx, pool);
  let names = cache?.names.get(q);
  if (!names) {
    names = fields.map((fd) =>
      fd.type === 'Field' ? (findField(obj.name, fd.field)?.name ?? fd.field) : undefined,
    );
    cache?.names.set(q, names);
  }
  const plan = names;
  return { totalSize: rows.length, length: rows.length, record: (i) => project(obj, rows[i], q, ctx, plan) };
}

function countQuery(
  obj: ObjectDef,
  q: Query,
  ctx: QueryContext,
  fn: { functionName: string; alias?: string },
): LazyResult {
  if (fn.functionName.toUpperCase() !== 'COUNT') throw malformed(`${fn.functionName} is not supported`);
  const n = select(obj, { ...q, limit: undefined, offset: undefined }, ctx).length;
  if ((fn as { parameters?: unknown[] }).parameters?.length) {
    const rec = { attributes: { type: 'AggregateResult' }, [fn.alias ?? 'expr0']: n };
    return { totalSize: 1, length: 1, record: () => rec };
  }
  // COUNT() answers with the count as totalSize and no records, as Salesforce does.
  return { totalSize: n, length: 0, record: () => ({}) };
}

/** Fails on unknown fields in WHERE and ORDER BY up front, even when no row would be evaluated. */
function checkPath(obj: ObjectDef, path: string, ctx: QueryContext): void {
  const parts = path.split('.');
  if (parts.length > 1 && parts[0].toLowerCase() === obj.name.toLowerCase()) parts.shift();
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const rel = findParentRel(cur.name, parts[i]);
    if (!rel?.referenceTo) throw invalidField(path, obj.name);
    cur = objectOf(rel.referenceTo);
  }
  if (!fieldExists(cur.name, parts[parts.length - 1], ctx))
    throw invalidField(parts[parts.length - 1], cur.name);
}

function fieldExists(object: string, field: string, ctx: QueryContext): boolean {
  const fd = findField(object, field);
  return fd !== undefined && (ctx.hasField?.(object, fd.name) ?? true);
}

function validateFields(obj: ObjectDef, q: Query, ctx: QueryContext): void {
  if (q.where) {
    for (const t of tokenize(q.where)) {
      const field = typeof t === 'object' ? (t.cond as { field?: string }).field : undefined;
      if (field) checkPath(obj, field, ctx);
    }
  }
  for (const it of (Array.isArray(q.orderBy) ? q.orderBy : q.orderBy ? [q.orderBy] : []) as OrderItem[]) {
    if (it.field) checkPath(obj, it.field, ctx);
  }
  for (const fd of q.fields ?? []) {
    if (fd.type === 'Field' && !fieldExists(obj.name, fd.field, ctx)) throw invalidField(fd.field, obj.name);
    if (fd.type === 'FieldSubquery' && !findChildRel(obj.name, fd.subquery.relationshipName)) {
      throw new SfError(
        400,
        'INVALID_TYPE',
        `Didn't understand relationship '${fd.subquery.relationshipName}' in FROM part of query call.`,
      );
    }
    if (fd.type === 'FieldFunctionExpression')
      throw malformed('aggregate functions cannot be mixed with fields');
  }
}

export function attributes(objectName: string, id: string, apiVersion: string) {
  return { type: objectName, url: `/services/data/v${apiVersion}/sobjects/${objectName}/${id}` };
}

function project(
  obj: ObjectDef,
  rec: SObjectRecord,
  q: Query,
  ctx: QueryContext,
  names: (string | undefined)[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(obj.name, rec.Id, ctx.apiVersion) };
  const fields = q.fields ?? [];
  for (let i = 0; i < fields.length; i++) {
    const fd = fields[i];
    const name = names[i];
    if (name !== undefined) {
      out[name] = valueOf(rec, name);
    } else if (fd.type === 'FieldRelationship') {
      setParentField(obj, rec, out, [...fd.relationships, fd.field], ctx);
    } else if (fd.type === 'FieldSubquery') {
      out[fd.subquery.relationshipName] = childResult(obj, rec, fd, ctx);
    }
  }
  return out;
}

/** Parent fields nest as `{Owner: {attributes, Name}}`; a missing parent is `null`, as in Salesforce. */
function setParentField(
  obj: ObjectDef,
  rec: SObjectRecord,
  out: Record<string, unknown>,
  path: string[],
  ctx: QueryContext,
): void {
  if (path.length > 1 && path[0].toLowerCase() === obj.name.toLowerCase()) path = path.slice(1);
  const rel = findParentRel(obj.name, path[0]);
  if (!rel?.referenceTo || !rel.relationshipName) throw invalidField(path.join('.'), obj.name);
  const parentObj = objectOf(rel.referenceTo);
  const parentId = rec[rel.name];
  const parent = typeof parentId === 'string' ? ctx.store.get(parentObj.name, parentId) : undefined;
  const key = rel.relationshipName;
  if (!parent) {
    if (!(key in out)) out[key] = null;
    return;
  }
  let nested = out[key] as Record<string, unknown> | null | undefined;
  if (!nested) out[key] = nested = { attributes: attributes(parentObj.name, parent.Id, ctx.apiVersion) };
  if (path.length === 2) {
    const fd = findField(parentObj.name, path[1]);
    if (!fd) throw invalidField(path[1], parentObj.name);
    nested[fd.name] = valueOf(parent, fd.name);
  } else {
    setParentField(parentObj, parent, nested, path.slice(1), ctx);
  }
}

function childResult(obj: ObjectDef, rec: SObjectRecord, fd: FieldSubquery, ctx: QueryContext) {
  const rel = findChildRel(obj.name, fd.subquery.relationshipName);
  if (!rel) throw malformed(`unknown relationship ${fd.subquery.relationshipName}`);
  const pool =
    ctx.useIndexes === false
      ? [...ctx.store.all(rel.childObject)].filter((r) => r[rel.field] === rec.Id)
      : ctx.store.children(rel.childObject, rel.field, rec.Id);
  const cache = (ctx as RunContext).cache;
  let sub = cache?.children.get(fd);
  if (!sub) {
    sub = { ...fd.subquery, sObject: rel.childObject } as Query;
    cache?.children.set(fd, sub);
  }
  const res = materialize(execute(sub, ctx, pool));
  // An empty child relationship comes back as null, not as an empty result.
  return res.totalSize === 0 ? null : res;
}
