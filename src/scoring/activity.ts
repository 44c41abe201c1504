import type { Deal } from './snapshot';

/**
 * Sorts a deal's records into customer yeses and seller actions, each with the moment it happened.
 * Records created after `asOf`, or that happen after it, do not exist yet and are left out.
 *
 * - Customer yes: a held meeting with a customer contact, an inbound email, an inbound call, a contact
 *   role added, a customer-owned commitment Given or Done.
 * - Seller action: an outbound email, an outbound call, another completed seller task, a meeting that
 *   is not (yet) a held customer meeting, a seller-owned commitment Done.
 * A held customer meeting counts as the customer's yes only, not also as seller effort: otherwise adding
 * a customer yes could make the deal look more one-sided.
 */

export type YesKind = 'meeting' | 'inboundEmail' | 'inboundCall' | 'contactRole' | 'commitment';
export type ActionKind = 'email' | 'call' | 'task' | 'meeting' | 'commitment';

export interface Happening<K> {
  kind: K;
  at: number;
  /** Who on the customer side took part (contact id or `email:address`), when known. */
  who: string | null;
}

export interface Activity {
  yeses: Happening<YesKind>[];
  actions: Happening<ActionKind>[];
}

const isContactId = (id: string | null): id is string => id !== null && id.startsWith('003');
const visible = (at: number | null, asOf: number): at is number => at !== null && at <= asOf;

export function sortActivity(deal: Deal, asOf: number): Activity {
  const yeses: Happening<YesKind>[] = [];
  const actions: Happening<ActionKind>[] = [];
  // Only emails that exist as of asOf may decide this, or a later email would rewrite the past.
  const emailsRecorded = deal.emails.some((e) => visible(e.MessageDate ?? e.CreatedDate, asOf));

  for (const task of deal.tasks) {
    if (task.CreatedDate !== null && task.CreatedDate > asOf) continue;
    const at = task.CompletedDateTime ?? task.ActivityDate ?? task.CreatedDate;
    const completed = task.CompletedDateTime !== null || task.Status === 'Completed';
    if (!completed || !visible(at, asOf)) continue;
    const isCall = task.TaskSubtype === 'Call' || task.Type === 'Call' || task.CallType !== null;
    if (isCall) {
      if (task.CallType === 'Inbound')
        yeses.push({ kind: 'inboundCall', at, who: isContactId(task.WhoId) ? task.WhoId : null });
      else if (task.CallType !== 'Internal') actions.push({ kind: 'call', at, who: null });
    } else if (task.TaskSubtype === 'Email' || task.TaskSubtype === 'ListEmail') {
      // With Enhanced Email every email is also an EmailMessage; count it once, from there.
      if (!emailsRecorded) actions.push({ kind: 'email', at, who: null });
    } else {
      actions.push({ kind: 'task', at, who: null });
    }
  }

  for (const event of deal.events) {
    if (event.CreatedDate !== null && event.CreatedDate > asOf) continue;
    const start = event.StartDateTime ?? event.CreatedDate;
    if (isContactId(event.WhoId) && visible(start, asOf)) {
      yeses.push({ kind: 'meeting', at: start, who: event.WhoId });
    } else {
      const at = visible(start, asOf) ? start : event.CreatedDate;
      if (visible(at, asOf)) actions.push({ kind: 'meeting', at, who: null });
    }
  }

  for (const email of deal.emails) {
    const at = email.MessageDate ?? email.CreatedDate;
    if (!visible(at, asOf)) continue;
    if (email.Incoming)
      yeses.push({
        kind: 'inboundEmail',
        at,
        who: email.FromAddress ? `email:${email.FromAddress.toLowerCase()}` : null,
      });
    else actions.push({ kind: 'email', at, who: null });
  }

  for (const role of deal.contactRoles) {
    if (visible(role.CreatedDate, asOf)) yeses.push({ kind: 'contactRole', at: role.CreatedDate, who: null });
  }

  for (const c of deal.commitments) {
    const at = completedAt(c, asOf);
    if (at === null) continue;
    if (c.Owner_Side__c === 'Customer')
      yeses.push({ kind: 'commitment', at, who: isContactId(c.Contact__c) ? c.Contact__c : null });
    else if (c.Owner_Side__c === 'Seller' && c.Status__c === 'Done')
      actions.push({ kind: 'commitment', at, who: null });
  }
  return { yeses, actions };
}

/**
 * When a commitment was given or done, as known at `asOf`. The completed date wins; a Given/Done
 * status without one counts from the record's creation (the status is only known as it is now).
 */
export function completedAt(c: Deal['commitments'][number], asOf: number): number | null {
  if (c.CreatedDate !== null && c.CreatedDate > asOf) return null;
  if (c.Status__c === 'Declined') return null;
  if (c.Completed_Date__c !== null) return c.Completed_Date__c <= asOf ? c.Completed_Date__c : null;
  if (c.Status__c === 'Given' || c.Status__c === 'Done') return c.CreatedDate ?? null;
  return null;
}
