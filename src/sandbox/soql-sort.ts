/** ORDER BY with Salesforce's null placement and case-insensitive text. */
import type { Query } from '@jetstreamapp/soql-parser-js';
import { malformed } from './sf-errors';
import type { SObjectRecord } from './store';

export type OrderItem = { field?: string; order?: string; nulls?: string };

export function sortRows(
  rows: SObjectRecord[],
  q: Query,
  valueAt: (r: SObjectRecord, path: string) => unknown,
): void {
  const items = (Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy]) as OrderItem[];
  const keys = items.map((it) => {
    if (!it.field) throw malformed('ORDER BY supports fields only');
    const desc = it.order === 'DESC';
    // Salesforce sorts nulls first ascending and last descending unless told otherwise.
    const nullsFirst = it.nulls ? it.nulls === 'FIRST' : !desc;
    return { field: it.field, desc, nullsFirst };
  });
  const cache = new Map<SObjectRecord, unknown[]>();
  const vals = (r: SObjectRecord): unknown[] => {
    let v = cache.get(r);
    if (!v) cache.set(r, (v = keys.map((k) => sortable(valueAt(r, k.field)))));
    return v;
  };
  rows.sort((a, b) => {
    const va = vals(a);
    const vb = vals(b);
    for (let i = 0; i < keys.length; i++) {
      const c = compareNullable(va[i], vb[i], keys[i].desc, keys[i].nullsFirst);
      if (c !== 0) return c;
    }
    return 0;
  });
}

function sortable(v: unknown): unknown {
  return typeof v === 'string' ? v.toLowerCase() : typeof v === 'boolean' ? Number(v) : v;
}

function compareNullable(a: unknown, b: unknown, desc: boolean, nullsFirst: boolean): number {
  if (a == null || b == null) {
    if (a == null && b == null) return 0;
    return (a == null) === nullsFirst ? -1 : 1;
  }
  const c = (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  return desc ? -c : c;
}
