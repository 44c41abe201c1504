import { parseSoql, runQuery, type QueryContext } from '../../../src/sandbox/soql-engine';
import { requiredConditions } from '../../../src/sandbox/soql-where';
import { RecordStore } from '../../../src/sandbox/store';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
const iso = (daysAgo: number): string => new Date(NOW - daysAgo * DAY).toISOString();

/** Six deals with tasks and emails spread over time; every third deal has none. */
function org(): { store: RecordStore; opps: string[] } {
  const store = new RecordStore();
  const opps = Array.from({ length: 6 }, (_, i) => {
    const id = store.newId('Opportunity');
    store.put('Opportunity', { Id: id, Name: `Deal ${i}`, StageName: 'Prospecting', Amount: 1000 * i });
    return id;
  });
  opps.forEach((opp, i) => {
    if (i % 3 === 2) return;
    for (let k = 0; k < 4; k++) {
      store.put('Task', {
        Id: store.newId('Task'),
        WhatId: opp,
        Subject: k % 2 ? 'Call' : 'Email',
        ActivityDate: iso(10 * k + i).slice(0, 10),
        LastModifiedDate: iso(40 * k),
        CreatedDate: iso(50 * k + i),
      });
      store.put('EmailMessage', {
        Id: store.newId('EmailMessage'),
        RelatedToId: opp,
        Incoming: k % 2 === 0,
        MessageDate: k === 3 ? null : iso(20 * k),
        CreatedDate: iso(30 * k),
      });
    }
  });
  return { store, opps };
}

const ctx = (store: RecordStore, useIndexes: boolean): QueryContext => ({
  store,
  now: NOW,
  apiVersion: '62.0',
  useIndexes,
});

/** Without ORDER BY neither SOQL nor the sandbox promises an order, so rows are compared by id. */
const byId = (records: Record<string, unknown>[]): string[] =>
  records.map((r) => JSON.stringify(r)).sort((a, b) => (a < b ? -1 : 1));

function expectSameAsScan(store: RecordStore, soql: string): Record<string, unknown>[] {
  const indexed = runQuery(soql, ctx(store, true));
  const scanned = runQuery(soql, ctx(store, false));
  expect(indexed.totalSize).toBe(scanned.totalSize);
  expect(byId(indexed.records)).toEqual(byId(scanned.records));
  return indexed.records;
}

const inList = (ids: string[]): string => ids.map((id) => `'${id}'`).join(',');

describe('SOQL index lookups', () => {
  it('answers Id IN from the index with the rows a scan finds, each once', () => {
    const { store, opps } = org();
    const lowerCased = opps[2].toLowerCase();
    const list = inList([opps[0], opps[0], opps[1].slice(0, 15), opps[1], lowerCased, '006000000000000AAA']);
    const rows = expectSameAsScan(store, `SELECT Id, Name FROM Opportunity WHERE Id IN (${list})`);
    expect(rows.map((r) => r.Id).sort()).toEqual([opps[0], opps[1], opps[2]].sort());
  });

  it('uses the parent-id index when the rest of the WHERE is an OR in parentheses, as the email query has', () => {
    const { store, opps } = org();
    const rows = expectSameAsScan(
      store,
      `SELECT RelatedToId, Id, MessageDate FROM EmailMessage WHERE RelatedToId IN (${inList(opps.slice(0, 4))}) ` +
        'AND (MessageDate = LAST_N_DAYS:30 OR CreatedDate = LAST_N_DAYS:30)',
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.RelatedToId))).toEqual(new Set([opps[0], opps[1], opps[3]]));
  });

  it('gives the same rows as a scan for OR, NOT and NOT IN around the parent id', () => {
    const { store, opps } = org();
    const two = inList(opps.slice(0, 2));
    for (const where of [
      `WhatId IN (${two}) OR Subject = 'Call'`,
      `NOT (WhatId IN (${two}) AND Subject = 'Call')`,
      `WhatId NOT IN (${two})`,
      `(WhatId = '${opps[4]}' AND (ActivityDate = LAST_N_DAYS:15 OR Subject = 'Email'))`,
    ]) {
      expectSameAsScan(store, `SELECT Id, WhatId, Subject FROM Task WHERE ${where}`);
    }
  });

  it('gives child subqueries with WHERE and ORDER BY the same rows, in the same order, as a scan', () => {
    const { store, opps } = org();
    const soql =
      'SELECT Id, Name, (SELECT Id, Subject, ActivityDate FROM Tasks WHERE LastModifiedDate = LAST_N_DAYS:60 ' +
      `ORDER BY ActivityDate ASC), (SELECT Id FROM EmailMessages) FROM Opportunity WHERE Id IN (${inList(opps)}) ` +
      'ORDER BY Name';
    expect(runQuery(soql, ctx(store, true))).toEqual(runQuery(soql, ctx(store, false)));
  });

  it('keeps the parent-id index right when a record moves to another parent or is removed', () => {
    const { store, opps } = org();
    const task = runQuery(`SELECT Id FROM Task WHERE WhatId = '${opps[0]}'`, ctx(store, true)).records[0];
    const moved = { ...store.get('Task', String(task.Id))!, WhatId: opps[2] };
    store.put('Task', moved);
    store.remove(
      'Task',
      String(runQuery(`SELECT Id FROM Task WHERE WhatId = '${opps[1]}'`, ctx(store, true)).records[0].Id),
    );
    for (const opp of opps.slice(0, 3))
      expectSameAsScan(store, `SELECT Id FROM Task WHERE WhatId = '${opp}'`);
    expect(store.children('Task', 'WhatId', opps[2])).toEqual([moved]);
  });
});

describe('required WHERE conditions', () => {
  const fields = (where: string): string[] =>
    requiredConditions(parseSoql(`SELECT Id FROM Task WHERE ${where}`).where!).map(
      (c) => (c as { field: string }).field,
    );

  it('are the top-level AND terms, looking through parentheses but not through OR or NOT', () => {
    expect(fields("WhatId IN ('a') AND (Subject = 'x' OR Status = 'y')")).toEqual(['WhatId']);
    expect(fields("((WhatId = 'a' AND Subject = 'x'))")).toEqual(['WhatId', 'Subject']);
    expect(fields("WhatId = 'a' OR Subject = 'x'")).toEqual([]);
    expect(fields("NOT WhatId = 'a' AND Subject = 'x'")).toEqual(['Subject']);
  });
});
