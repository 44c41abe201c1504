/**
 * What a committed write causes besides the record itself: stage history rows, the change event
 * (only really changed fields, enrichment) and merging of identical changes into one event.
 */
import type { ChangeInput } from './change-events';
import type { RecordStore, SObjectRecord } from './store';

/** Fields a change event never carries (derived, or internal). */
export const NOT_IN_EVENTS = new Set(['Id', 'IsDeleted', 'SystemModstamp', 'LastActivityDate']);
/** Enrichment: the parent pointer a subscriber needs to find the opportunity. */
export const ENRICHED: Record<string, string> = {
  Task: 'WhatId',
  Event: 'WhatId',
  OpportunityContactRole: 'OpportunityId',
  Buying_Commitment__c: 'Opportunity__c',
};
const HISTORY_FIELDS = ['StageName', 'Amount', 'CloseDate', 'Probability'];
/** The reason-to-act inputs, tracked as the manifests turn on; a long text area's values are not kept. */
const TRACKED_INPUTS: Record<string, string> = {
  Compelling_Event__c: 'TextArea',
  Cost_Of_Delay__c: 'Currency',
  Customer_Decision_Date__c: 'Date',
  Strategic_Initiative__c: 'Text',
};

export interface EffectPlan {
  op: 'create' | 'update' | 'delete';
  object: string;
  id: string;
  next: SObjectRecord | null;
  changed: Record<string, unknown>;
}

/** Stage history: a row whenever stage, amount, close date or probability changes. */
export function historyRows(
  store: RecordStore,
  now: string,
  name: string,
  old: SObjectRecord | null,
  next: SObjectRecord,
  userId: string,
) {
  if (name !== 'Opportunity') return [];
  const inputs = inputHistoryRows(store, now, old, next, userId);
  if (old && !HISTORY_FIELDS.some((f) => (old[f] ?? null) !== (next[f] ?? null))) return inputs;
  const rec: SObjectRecord = {
    Id: store.newId('OpportunityHistory'),
    OpportunityId: next.Id,
    StageName: next.StageName,
    Amount: next.Amount,
    PrevAmount: old?.Amount ?? null,
    CloseDate: next.CloseDate,
    PrevCloseDate: old?.CloseDate ?? null,
    Probability: next.Probability,
    ForecastCategory: next.ForecastCategoryName,
    CreatedDate: now,
    CreatedById: userId,
    LastModifiedDate: now,
    LastModifiedById: userId,
    SystemModstamp: now,
    IsDeleted: false,
  };
  const out = [{ object: 'OpportunityHistory', rec }];
  for (const f of ['StageName', 'CloseDate', 'Amount']) {
    if (!old || (old[f] ?? null) === (next[f] ?? null)) continue;
    const fh: SObjectRecord = {
      Id: store.newId('OpportunityFieldHistory'),
      OpportunityId: next.Id,
      Field: f,
      OldValue: old[f] ?? null,
      NewValue: next[f] ?? null,
      DataType: f === 'Amount' ? 'Currency' : f === 'CloseDate' ? 'Date' : 'Picklist',
      CreatedDate: now,
      CreatedById: userId,
      IsDeleted: false,
    };
    out.push({ object: 'OpportunityFieldHistory', rec: fh });
  }
  return [...out, ...inputs];
}

function inputHistoryRows(
  store: RecordStore,
  now: string,
  old: SObjectRecord | null,
  next: SObjectRecord,
  userId: string,
): { object: string; rec: SObjectRecord }[] {
  // On create Salesforce writes one "created" row, not one per field: only edits are tracked.
  if (!old) return [];
  return Object.entries(TRACKED_INPUTS)
    .filter(([f]) => (old[f] ?? null) !== (next[f] ?? null))
    .map(([f, type]) => ({
      object: 'OpportunityFieldHistory',
      rec: {
        Id: store.newId('OpportunityFieldHistory'),
        OpportunityId: next.Id,
        Field: f,
        OldValue: type === 'TextArea' ? null : (old[f] ?? null),
        NewValue: type === 'TextArea' ? null : (next[f] ?? null),
        DataType: type,
        CreatedDate: now,
        CreatedById: userId,
        IsDeleted: false,
      },
    }));
}

export function changeFor(p: EffectPlan, before: SObjectRecord | null): ChangeInput {
  const enrich = ENRICHED[p.object];
  const base = { entity: p.object, recordIds: [p.id] };
  if (p.op === 'delete') {
    return {
      ...base,
      changeType: 'DELETE',
      changedFields: [],
      fields: enrich ? { [enrich]: before?.[enrich] ?? null } : {},
    };
  }
  if (p.op === 'create') {
    const fields = Object.fromEntries(
      Object.entries(p.changed).filter(([k, v]) => v !== null && !NOT_IN_EVENTS.has(k)),
    );
    return { ...base, changeType: 'CREATE', changedFields: [], fields };
  }
  // UPDATE lists only what really changed, plus LastModifiedDate always and LastModifiedById when the user changed.
  const changedFields = Object.keys(p.changed).filter(
    (k) => k !== 'SystemModstamp' && k !== 'LastModifiedDate',
  );
  const fields: Record<string, unknown> = Object.fromEntries(changedFields.map((k) => [k, p.changed[k]]));
  fields.LastModifiedDate = p.next?.LastModifiedDate;
  if (enrich && p.next) fields[enrich] = p.next[enrich];
  return { ...base, changeType: 'UPDATE', changedFields: [...changedFields, 'LastModifiedDate'], fields };
}

export function stripSystem(rec: Record<string, unknown>): Record<string, unknown> {
  const skip = new Set([
    'Id',
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
    'SystemModstamp',
    'IsDeleted',
  ]);
  return Object.fromEntries(Object.entries(rec).filter(([k, v]) => !skip.has(k) && v !== null));
}

/**
 * Merged events: Salesforce folds the same change to many records of one type in one transaction
 * into one event with many recordIds. Only un-enriched entities merge, since enrichment differs per record.
 */
export function mergeChanges(changes: ChangeInput[]): ChangeInput[] {
  const out: ChangeInput[] = [];
  const byKey = new Map<string, ChangeInput>();
  for (const c of changes) {
    if (c.changeType !== 'UPDATE' || ENRICHED[c.entity]) {
      out.push(c);
      continue;
    }
    const { LastModifiedDate: _lmd, ...rest } = c.fields;
    const key = `${c.entity}|${JSON.stringify(rest)}`;
    const hit = byKey.get(key);
    if (hit) hit.recordIds.push(...c.recordIds);
    else {
      const copy = { ...c, recordIds: [...c.recordIds] };
      byKey.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}
