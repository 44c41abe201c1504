import { ScorerError } from '../lib/errors';

/**
 * Record ids are the only values we put into SOQL. They are checked against Salesforce's id alphabet
 * (15 case-sensitive or 18 case-insensitive-safe characters) and the object's key prefix before they
 * are quoted, so nothing a change event or an HTTP caller sends can change a query's meaning.
 */

const ID_PATTERN = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
export const OPPORTUNITY_PREFIX = '006';
/** The largest IN list we send: it keeps the SOQL well under its 100,000-character limit. */
export const MAX_IDS_PER_QUERY = 200;

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * The 18-character form of an id. Queries return 18-character ids while CDC and URLs may carry 15,
 * so results are keyed by this form.
 */
export function to18(id: string): string {
  if (id.length === 18) return id;
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id.charCodeAt(block * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i; // an upper-case letter sets its position's bit
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return id + suffix;
}

/** Validates, normalises to 18 characters and de-duplicates; throws on the first bad id. */
export function validateIds(ids: readonly string[], prefix: string = OPPORTUNITY_PREFIX): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    if (typeof id !== 'string' || !ID_PATTERN.test(id) || !id.startsWith(prefix)) {
      throw new ScorerError(
        'RECORD_ID_INVALID',
        `Not a record id with prefix ${prefix}: ${JSON.stringify(id)}`,
        {
          context: { id, prefix },
        },
      );
    }
    out.add(to18(id));
  }
  return [...out];
}

/** A quoted IN list of ids that validateIds has already accepted. */
export function inList(ids: readonly string[]): string {
  return ids.map((id) => `'${id}'`).join(',');
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
