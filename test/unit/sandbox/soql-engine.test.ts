import { runQuery, type QueryContext } from '../../../src/sandbox/soql-engine';
import { RecordStore, idChecksum } from '../../../src/sandbox/store';
import { SfError } from '../../../src/sandbox/sf-errors';

const NOW = Date.parse('2026-11-20T12:00:00Z');

function setup(): { ctx: QueryContext; ids: string[] } {
  const store = new RecordStore();
  const user = store.newId('User');
  store.put('User', { Id: user, Name: 'Ana Garcia' });
  const acct = store.newId('Account');
  store.put('Account', { Id: acct, Name: 'Globex' });
  const rows = [
    {
      Name: 'Alpha deal',
      Amount: 50000,
      StageName: 'Prospecting',
      IsClosed: false,
      CloseDate: '2026-11-25',
      CreatedDate: '2026-11-19T10:00:00.000Z',
    },
    {
      Name: 'Beta deal',
      Amount: 150000,
      StageName: 'Negotiation/Review',
      IsClosed: false,
      CloseDate: '2026-12-30',
      CreatedDate: '2026-10-01T10:00:00.000Z',
    },
    {
      Name: 'gamma',
      Amount: null,
      StageName: 'Closed Won',
      IsClosed: true,
      CloseDate: '2026-11-20',
      CreatedDate: '2026-11-20T08:00:00.000Z',
    },
  ];
  const ids = rows.map((r) => {
    const id = store.newId('Opportunity');
    store.put('Opportunity', { Id: id, OwnerId: user, AccountId: acct, ...r });
    return id;
  });
  const t = store.newId('Task');
  store.put('Task', {
    Id: t,
    WhatId: ids[1],
    Subject: 'Call',
    CallType: 'Inbound',
    CreatedDate: '2026-11-19T00:00:00.000Z',
  });
  store.put('Task', {
    Id: store.newId('Task'),
    WhatId: ids[1],
    Subject: 'Email',
    CallType: null,
    CreatedDate: '2026-11-18T00:00:00.000Z',
  });
  return { ctx: { store, now: NOW, apiVersion: '62.0' }, ids };
}

const names = (q: string, ctx: QueryContext): unknown[] => runQuery(q, ctx).records.map((r) => r.Name);

describe('SOQL engine', () => {
  it('evaluates comparisons, IN, NOT IN, LIKE, null and booleans', () => {
    const { ctx, ids } = setup();
    expect(names('SELECT Name FROM Opportunity WHERE Amount >= 50000 ORDER BY Name', ctx)).toEqual([
      'Alpha deal',
      'Beta deal',
    ]);
    expect(names('SELECT Name FROM Opportunity WHERE Amount = null', ctx)).toEqual(['gamma']);
    expect(names('SELECT Name FROM Opportunity WHERE Amount != null AND Amount < 100000', ctx)).toEqual([
      'Alpha deal',
    ]);
    expect(
      names(`SELECT Name FROM Opportunity WHERE Id IN ('${ids[0]}', '${ids[2]}') ORDER BY Name DESC`, ctx),
    ).toEqual(['gamma', 'Alpha deal']);
    expect(names(`SELECT Name FROM Opportunity WHERE Id NOT IN ('${ids[0]}') ORDER BY Name`, ctx)).toEqual([
      'Beta deal',
      'gamma',
    ]);
    expect(names("SELECT Name FROM Opportunity WHERE Name LIKE '%DEAL' ORDER BY Name", ctx)).toEqual([
      'Alpha deal',
      'Beta deal',
    ]);
    expect(names('SELECT Name FROM Opportunity WHERE IsClosed = true', ctx)).toEqual(['gamma']);
  });

  it('honours parentheses and NOT with the right precedence', () => {
    const { ctx } = setup();
    const q = 'SELECT Name FROM Opportunity WHERE NOT (IsClosed = true OR Amount > 100000) ORDER BY Name';
    expect(names(q, ctx)).toEqual(['Alpha deal']);
    const q2 = "SELECT Name FROM Opportunity WHERE (Name = 'gamma' OR Amount > 100000) AND IsClosed = false";
    expect(names(q2, ctx)).toEqual(['Beta deal']);
  });

  it('understands date and datetime literals, TODAY and LAST_N_DAYS', () => {
    const { ctx, ids } = setup();
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = TODAY', ctx)).toEqual(['gamma']);
    expect(
      names('SELECT Name FROM Opportunity WHERE CreatedDate = LAST_N_DAYS:2 ORDER BY Name', ctx),
    ).toEqual(['Alpha deal', 'gamma']);
    for (const op of ['!=', '<>']) {
      expect(names(`SELECT Name FROM Opportunity WHERE CreatedDate ${op} LAST_N_DAYS:2`, ctx)).toEqual([
        'Beta deal',
      ]);
    }
    // A relative literal is a range of days: < before its first day, > after its last, <= and >= include it.
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate < TODAY', ctx)).toEqual([]);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate <= TODAY', ctx)).toEqual(['gamma']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate > TODAY ORDER BY Name', ctx)).toEqual([
      'Alpha deal',
      'Beta deal',
    ]);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate >= TODAY ORDER BY Name', ctx)).toEqual([
      'Alpha deal',
      'Beta deal',
      'gamma',
    ]);
    // Text that only starts like a date is compared as text (case-insensitively), not parsed as a date.
    ctx.store.put('Opportunity', {
      ...ctx.store.get('Opportunity', ids[2])!,
      StageName: '2026-11-20 Review',
    });
    expect(names("SELECT Name FROM Opportunity WHERE StageName = '2026-11-20 review'", ctx)).toEqual([
      'gamma',
    ]);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate > 2026-12-01', ctx)).toEqual(['Beta deal']);
    expect(names('SELECT Name FROM Opportunity WHERE CreatedDate < 2026-11-01T00:00:00Z', ctx)).toEqual([
      'Beta deal',
    ]);
  });

  it('returns parent fields nested and child subqueries, null when empty', () => {
    const { ctx, ids } = setup();
    const res = runQuery(
      `SELECT Id, Owner.Name, Account.Name, (SELECT Subject FROM Tasks WHERE CallType = 'Inbound') FROM Opportunity WHERE Id IN ('${ids[0]}','${ids[1]}') ORDER BY Name`,
      ctx,
    );
    expect(res.records[0]).toMatchObject({
      Owner: { Name: 'Ana Garcia' },
      Account: { Name: 'Globex' },
      Tasks: null,
    });
    expect(res.records[1].Tasks).toMatchObject({ totalSize: 1, done: true, records: [{ Subject: 'Call' }] });
  });

  it('supports semi-joins, LIMIT, OFFSET and COUNT()', () => {
    const { ctx } = setup();
    expect(
      names(
        "SELECT Name FROM Opportunity WHERE Id IN (SELECT WhatId FROM Task WHERE Subject = 'Email')",
        ctx,
      ),
    ).toEqual(['Beta deal']);
    expect(names('SELECT Name FROM Opportunity ORDER BY Name LIMIT 1 OFFSET 1', ctx)).toEqual(['Beta deal']);
    expect(runQuery('SELECT COUNT() FROM Opportunity WHERE IsClosed = false', ctx)).toEqual({
      totalSize: 2,
      done: true,
      records: [],
    });
  });

  it('orders nulls first ascending and last descending, as Salesforce does', () => {
    const { ctx } = setup();
    expect(names('SELECT Name FROM Opportunity ORDER BY Amount', ctx)).toEqual([
      'gamma',
      'Alpha deal',
      'Beta deal',
    ]);
    expect(names('SELECT Name FROM Opportunity ORDER BY Amount DESC', ctx)).toEqual([
      'Beta deal',
      'Alpha deal',
      'gamma',
    ]);
  });

  it('answers unknown fields with INVALID_FIELD and bad syntax with MALFORMED_QUERY', () => {
    const { ctx } = setup();
    const codeOf = (q: string): string => {
      try {
        runQuery(q, ctx);
        return 'none';
      } catch (e) {
        return (e as SfError).errorCode;
      }
    };
    expect(codeOf('SELECT Nope__c FROM Opportunity')).toBe('INVALID_FIELD');
    expect(codeOf('SELECT Id FROM Opportunity WHERE Nope = 1')).toBe('INVALID_FIELD');
    expect(codeOf('SELECT FROM WHERE')).toBe('MALFORMED_QUERY');
    expect(codeOf('SELECT Id FROM Nothing')).toBe('INVALID_TYPE');
  });

  it('makes 18-character ids with a case-safe checksum and accepts the 15-character form', () => {
    expect(idChecksum('001A0000006Vm9r')).toBe('IAC');
    const { ctx, ids } = setup();
    const short = ids[1].slice(0, 15);
    expect(names(`SELECT Name FROM Opportunity WHERE Id IN ('${short}')`, ctx)).toEqual(['Beta deal']);
    expect(names(`SELECT Name FROM Opportunity WHERE Name != null AND Id = '${short}'`, ctx)).toEqual([
      'Beta deal',
    ]);
    expect(runQuery(`SELECT Id FROM Opportunity WHERE Id = '${short}'`, ctx).records[0].Id).toBe(ids[1]);
  });
});

describe('SOQL engine field checks', () => {
  it('rejects unknown WHERE and ORDER BY fields even when nothing matches', () => {
    const ctx: QueryContext = { store: new RecordStore(), now: NOW, apiVersion: '62.0' };
    expect(() => runQuery('SELECT Id FROM Opportunity WHERE Nope__c = 1', ctx)).toThrow(
      /No such column 'Nope__c'/,
    );
    expect(() => runQuery('SELECT Id FROM Opportunity ORDER BY Owner.Nope', ctx)).toThrow(
      /No such column 'Nope'/,
    );
    expect(runQuery("SELECT Id FROM Opportunity WHERE Owner.Name = 'x'", ctx).totalSize).toBe(0);
  });
});
