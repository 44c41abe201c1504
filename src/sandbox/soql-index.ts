/** Where a query's rows come from: an index lookup when the WHERE allows one, else the whole table. */
import type { Query } from '@jetstreamapp/soql-parser-js';
import { findField, type ObjectDef } from './schema';
import type { QueryContext } from './soql-engine';
import { requiredConditions, unquote } from './soql-where';
import { caseSafe, to18, type SObjectRecord } from './store';

/**
 * The rows worth testing against the WHERE: from the id or a parent-id index when some condition
 * every row must meet (see requiredConditions) is `=` or `IN` on one, e.g. the scoring batch's
 * `Id IN (…200 ids…)` or `RelatedToId IN (…) AND (… OR …)`; otherwise every row. The full WHERE is
 * still applied to what this returns, so the index only narrows. Without ORDER BY the rows come in
 * index order (the IN list's order, each parent's children in insertion order) rather than table
 * order; SOQL promises no order then either.
 */
export function candidates(obj: ObjectDef, q: Query, ctx: QueryContext): Iterable<SObjectRecord> {
  const store = ctx.store;
  if (!q.where || ctx.useIndexes === false) return store.all(obj.name);
  for (const cond of requiredConditions(q.where)) {
    const c = cond as unknown as {
      field?: string;
      operator?: string;
      value?: string | string[];
      literalType?: unknown;
    };
    const op = c.operator?.toUpperCase();
    if (!c.field || (op !== '=' && op !== 'IN') || c.literalType !== 'STRING') continue;
    const fd = findField(obj.name, c.field);
    if (!fd || (fd.type !== 'id' && !store.isIndexed(obj.name, fd.name))) continue;
    // A Set: `IN ('a', 'a')` or an id in both its 15- and 18-character forms is still one row.
    const values = new Set(
      (Array.isArray(c.value) ? c.value : [c.value ?? '']).map((v) => caseSafe(to18(unquote(v)))),
    );
    const rows: SObjectRecord[] = [];
    for (const v of values) {
      if (fd.type === 'id') {
        const r = store.get(obj.name, v);
        if (r) rows.push(r);
      } else {
        for (const r of store.children(obj.name, fd.name, v)) rows.push(r);
      }
    }
    return rows;
  }
  return store.all(obj.name);
}
