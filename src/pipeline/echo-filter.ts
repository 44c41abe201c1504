/**
 * Our own write-back comes back to us as a change event. Two cheap tests drop most echoes before any
 * query; the write planner's "nothing differs, write nothing" is the third layer that guarantees the
 * loop ends even when both miss (e.g. a flow that edits another field in our transaction).
 */

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  changedFields: string[];
  changeOrigin: string;
  commitUser: string;
}

export interface EchoFilterOptions {
  clientId: string;
  integrationUserId: string | undefined;
  /** The output fields we write (API names). */
  outputFields: readonly string[];
}

// Salesforce adds these to every UPDATE; they say nothing about who changed the deal.
const SYSTEM_FIELDS = ['LastModifiedDate', 'LastModifiedById', 'SystemModstamp'];

export type EchoVerdict = 'origin' | 'integration-user-output-only' | undefined;

export function createEchoFilter(options: EchoFilterOptions): (header: ChangeEventHeader) => EchoVerdict {
  const ours = new Set([...options.outputFields, ...SYSTEM_FIELDS]);
  const marker = `client=${options.clientId}`;
  return (header) => {
    // changeOrigin looks like "com/salesforce/api/rest/62.0;client=commitment-scorer".
    if (header.changeOrigin.split(';').some((part) => part.trim() === marker)) return 'origin';
    if (
      options.integrationUserId !== undefined &&
      sameUser(header.commitUser, options.integrationUserId) &&
      header.changeType === 'UPDATE' &&
      header.changedFields.every((f) => ours.has(f))
    ) {
      return 'integration-user-output-only';
    }
    return undefined;
  };
}

/** Salesforce ids come in 15- and 18-character forms; the first 15 characters identify the record. */
export function sameUser(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}
