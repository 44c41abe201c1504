import type { Connection } from 'jsforce';
import { withDeadline } from '../lib/deadline';
import { ScorerError } from '../lib/errors';
import type { OrgDescription } from '../rules/org-check';
import { errorCodeOf, orgError } from './org-errors';

/**
 * What the org says about the objects the rulebook maps, as the integration user sees them. A
 * describe answers for the calling user: a field hidden by field-level security is absent, exactly as
 * a field that was never deployed, and `updateable` is false when the user may read but not edit.
 * One describe call per object; the service keeps the answer for its lifetime (a rules reload is
 * checked against it without calling the org again).
 */

interface RawField {
  name: string;
  type: string;
  length?: number;
  updateable?: boolean;
  restrictedPicklist?: boolean;
  picklistValues?: { value: string; active?: boolean }[];
}

export async function describeOrg(
  conn: Connection,
  objects: readonly string[],
  timeoutMs = 60_000,
): Promise<OrgDescription> {
  const out: OrgDescription = new Map();
  // Sequential on purpose: two or three calls, and a failure names the object it happened on.
  for (const name of new Set(objects)) out.set(name, await describeOne(conn, name, timeoutMs));
  return out;
}

async function describeOne(conn: Connection, name: string, timeoutMs: number) {
  let raw: { name: string; fields: RawField[]; childRelationships?: { relationshipName?: string | null }[] };
  try {
    raw = (await withDeadline(
      conn.sobject(name).describe(),
      timeoutMs,
      () =>
        new ScorerError(
          'NETWORK',
          `Salesforce did not answer the describe of ${name} within ${timeoutMs} ms`,
        ),
    )) as unknown as typeof raw;
  } catch (err) {
    // 404 NOT_FOUND (REST) or INVALID_TYPE: the object is not in this org, or not visible to us.
    const code = errorCodeOf(err);
    if (code === 'NOT_FOUND' || code === 'INVALID_TYPE') return null;
    throw orgError(err, `Describing ${name}`, { object: name });
  }
  return {
    name: raw.name,
    fields: new Map(
      raw.fields.map((f) => [
        f.name.toLowerCase(),
        {
          name: f.name,
          type: f.type,
          length: f.length ?? 0,
          updateable: f.updateable === true,
          restrictedPicklist: f.restrictedPicklist === true,
          picklistValues: (f.picklistValues ?? []).filter((v) => v.active !== false).map((v) => v.value),
        },
      ]),
    ),
    childRelationships: new Set(
      (raw.childRelationships ?? [])
        .map((c) => c.relationshipName)
        .filter((n): n is string => typeof n === 'string')
        .map((n) => n.toLowerCase()),
    ),
  };
}
