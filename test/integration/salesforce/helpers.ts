import type { Connection } from 'jsforce';
import { createConnection } from '../../../src/salesforce';

export const INSTANCE = 'https://acme.my.salesforce.com';
export const API = '/services/data/v62.0';
export const CLIENT_ID = 'commitment-scorer';

export function connect(): Connection {
  return createConnection({
    instanceUrl: INSTANCE,
    accessToken: '00Dxx0000000001!token',
    apiVersion: '62.0',
    clientId: CLIENT_ID,
  });
}

/** A syntactically valid 18-character opportunity id, distinct per n. */
export function oppId(n: number): string {
  return `006${String(n).padStart(12, '0')}AAA`;
}

export { useNock } from '../../support/nock';

/** The SOQL of a query request, or '' for a queryMore (locator) request. */
export function soqlOf(query: Record<string, unknown>): string {
  return typeof query.q === 'string' ? query.q : '';
}

/** The ids inside the query's first `IN (...)` list. */
export function idsIn(soql: string): string[] {
  const m = /IN \(([^)]*)\)/.exec(soql);
  return m ? m[1].split(',').map((s) => s.replace(/'/g, '')) : [];
}

/** A nock query matcher for the top-level query of one object (not its subqueries). */
export const fromObject = (object: string) => (q: Record<string, unknown>) =>
  soqlOf(q).includes(` FROM ${object} WHERE `);

export const queryResult = (records: unknown[], next?: string) => ({
  totalSize: records.length,
  done: next === undefined,
  records,
  ...(next ? { nextRecordsUrl: next } : {}),
});
