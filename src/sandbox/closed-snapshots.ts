/**
 * The generated org's closed deals as deal snapshots (with their field history), one object per deal:
 * what `commitment-scorer backtest --snapshots` reads from an export, built here without a query so
 * tests and benchmarks can make thousands quickly.
 */
import type { GeneratedOrg } from './generator';
import type { SObjectRecord } from './store';

const pick = (rec: SObjectRecord, names: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(names.map((n) => [n, rec[n] ?? null]));

function byParent(records: SObjectRecord[] | undefined, key: string): Map<string, SObjectRecord[]> {
  const out = new Map<string, SObjectRecord[]>();
  for (const r of records ?? []) {
    const k = String(r[key]);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

export function closedSnapshots(org: GeneratedOrg): Record<string, unknown>[] {
  const rec = org.records;
  const roles = byParent(rec.OpportunityContactRole, 'OpportunityId');
  const tasks = byParent(rec.Task, 'WhatId');
  const events = byParent(rec.Event, 'WhatId');
  const emails = byParent(rec.EmailMessage, 'RelatedToId');
  const history = byParent(rec.OpportunityHistory, 'OpportunityId');
  const fieldHistory = byParent(rec.OpportunityFieldHistory, 'OpportunityId');
  const commitments = byParent(rec.Buying_Commitment__c, 'Opportunity__c');
  const byDate = (a: SObjectRecord, b: SObjectRecord): number =>
    String(a.CreatedDate).localeCompare(String(b.CreatedDate));
  return rec.Opportunity.filter((o) => o.IsClosed === true).map((o) => {
    const id = String(o.Id);
    return {
      opportunity: { ...o },
      contactRoles: (roles.get(id) ?? []).map((r) =>
        pick(r, ['ContactId', 'Role', 'IsPrimary', 'CreatedDate']),
      ),
      tasks: tasks.get(id) ?? [],
      events: events.get(id) ?? [],
      emails: emails.get(id) ?? [],
      history: [...(history.get(id) ?? [])].sort(byDate),
      commitments: commitments.get(id) ?? [],
      fieldHistory: [...(fieldHistory.get(id) ?? [])]
        .sort(byDate)
        .map((r) => pick(r, ['Field', 'OldValue', 'NewValue', 'CreatedDate'])),
    };
  });
}
