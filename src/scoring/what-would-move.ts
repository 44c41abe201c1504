import type { Rulebook } from '../rules/load-rulebook';
import { DAY_MS, parseDate, toDateString } from './dates';
import { scoreSnapshot, type ScoreResult } from './index';

/**
 * "What would move it": for each flag on a deal, the yes from the customer that would clear it and
 * the adjusted probability the deal would then have. Each answer is the pure core scoring a changed
 * copy of the snapshot (the yes added as of `asOf`), never an estimate from the weights, so it also
 * shows the yes's effect on the commitment score and on the other flags.
 *
 * Flags are rules as data, so nothing here knows a flag by its code: every candidate yes is tried in
 * order, smallest ask first, and the first one after which the flag no longer fires is the answer.
 * A flag no single yes clears (a close date already pushed twice stays pushed) says so.
 */

/** A deal snapshot in its JSON shape; lists may be absent. */
export interface SnapshotJson {
  opportunity: Record<string, unknown>;
  contactRoles?: unknown;
  tasks?: unknown;
  events?: unknown;
  emails?: unknown;
  history?: unknown;
  commitments?: unknown;
}

type ListName = 'contactRoles' | 'events' | 'emails' | 'commitments';

export interface MoveOption {
  code: string;
  /** The yes to ask for, as a rep would say it; null when no single yes clears the flag. */
  ask: string | null;
  /** The adjusted probability after that yes (the current one when nothing clears it). */
  adjustedProbability: number;
  /** Percentage points against the current adjusted probability. */
  change: number;
  /** Flags still firing after the yes. */
  remainingFlags: string[];
}

interface Candidate {
  ask: string;
  apply: (snap: SnapshotJson, ctx: Context) => void;
}

interface Context {
  asOf: number;
  rulebook: Rulebook;
  closeDate: string | null;
}

const MINUTE = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();
// Synthetic ids for the people a yes brings in; they only need to look like Salesforce contact ids.
const newContactId = (n: number): string => `003WHATIF${String(n).padStart(9, '0')}`;

function list(snap: SnapshotJson, key: ListName): Record<string, unknown>[] {
  const v = snap[key];
  if (Array.isArray(v)) return v as Record<string, unknown>[];
  const created: Record<string, unknown>[] = [];
  snap[key] = created;
  return created;
}

function customerReplies(n: number): Candidate {
  return {
    ask: n === 1 ? 'a reply from the customer' : `${n} replies or calls from the customer`,
    apply: (snap, { asOf }) => {
      for (let i = 0; i < n; i++)
        list(snap, 'emails').push({
          Id: null,
          Incoming: true,
          MessageDate: iso(asOf - (i + 1) * MINUTE),
          FromAddress: 'buyer@customer.invalid',
          ToAddress: null,
          CreatedDate: iso(asOf - (i + 1) * MINUTE),
        });
    },
  };
}

function meetingsWithNewContacts(n: number): Candidate {
  return {
    ask:
      n === 1
        ? 'a meeting with another person at the customer'
        : `meetings with ${n} more people at the customer`,
    apply: (snap, { asOf }) => {
      for (let i = 0; i < n; i++) addMeeting(snap, newContactId(i + 1), asOf - (i + 1) * 60 * MINUTE);
    },
  };
}

function addMeeting(snap: SnapshotJson, contactId: string, at: number): void {
  list(snap, 'events').push({
    Id: null,
    Subject: 'Meeting',
    StartDateTime: iso(at),
    EndDateTime: iso(at + 30 * MINUTE),
    WhoId: contactId,
    OwnerId: null,
    CreatedDate: iso(at - DAY_MS),
  });
}

function addRole(snap: SnapshotJson, contactId: string, role: string, at: number): void {
  list(snap, 'contactRoles').push({
    ContactId: contactId,
    Role: role,
    IsPrimary: false,
    CreatedDate: iso(at),
  });
}

function setInput(
  key: keyof Rulebook['fields']['inputs'],
  value: (ctx: Context, snap: SnapshotJson) => unknown,
): Candidate['apply'] {
  return (snap, ctx) => {
    // An input the org lacks is switched off at start (no field to fill), so this yes cannot be asked for.
    const field = ctx.rulebook.fields.inputs[key];
    if (field !== undefined) snap.opportunity[field] = value(ctx, snap);
  };
}

const CANDIDATES: Candidate[] = [
  customerReplies(1),
  {
    ask: 'a compelling event the customer states',
    apply: setInput('compellingEvent', () => 'Stated by the customer'),
  },
  {
    ask: 'a cost of delay the customer quantifies',
    apply: setInput('costOfDelay', (_ctx, snap) => {
      const amount = Number(snap.opportunity.Amount);
      return Number.isFinite(amount) && amount > 0 ? Math.round(amount / 12) : 1000;
    }),
  },
  {
    ask: 'a decision date the customer sets, on the close date',
    apply: setInput('customerDecisionDate', (ctx) => ctx.closeDate ?? toDateString(ctx.asOf)),
  },
  {
    ask: 'a step of the mutual plan the customer takes on',
    apply: (snap, { asOf }) => {
      list(snap, 'commitments').push({
        Type__c: 'Mutual plan agreed',
        Owner_Side__c: 'Customer',
        Status__c: 'Given',
        Due_Date__c: toDateString(asOf + 14 * DAY_MS),
        Completed_Date__c: null,
        Contact__c: null,
        CreatedDate: iso(asOf - MINUTE),
      });
    },
  },
  {
    ask: 'the customer finishing its overdue steps',
    apply: (snap, { asOf }) => {
      for (const c of list(snap, 'commitments')) {
        const due = typeof c.Due_Date__c === 'string' ? parseDate(c.Due_Date__c) : undefined;
        if (
          c.Owner_Side__c === 'Customer' &&
          c.Status__c !== 'Declined' &&
          c.Status__c !== 'Done' &&
          due !== undefined &&
          due < asOf
        ) {
          c.Status__c = 'Done';
          c.Completed_Date__c = toDateString(asOf);
        }
      }
    },
  },
  {
    ask: 'a meeting with the economic buyer',
    apply: (snap, { asOf, rulebook }) => {
      const role = rulebook.source.contacts.decisionMakerRoles[0] ?? 'Economic Buyer';
      addRole(snap, newContactId(900), role, asOf - 2 * 60 * MINUTE);
      addMeeting(snap, newContactId(900), asOf - 60 * MINUTE);
    },
  },
  {
    ask: 'a link to one of the customer’s strategic initiatives',
    apply: setInput('strategicInitiative', () => 'Named by the customer'),
  },
  {
    ask: 'an executive sponsor named by the customer',
    apply: (snap, { asOf, rulebook }) => {
      addRole(
        snap,
        newContactId(901),
        rulebook.source.contacts.sponsorRoles[0] ?? 'Executive Sponsor',
        asOf - MINUTE,
      );
    },
  },
  meetingsWithNewContacts(1),
  meetingsWithNewContacts(2),
  // A one-sided deal needs the customer to match part of the effort: a ladder of more replies.
  ...[2, 3, 5, 8, 13].map(customerReplies),
];

export function whatWouldMove(snapshot: SnapshotJson, rulebook: Rulebook, asOf: number): MoveOption[] {
  const current = scoreSnapshot(snapshot, rulebook, asOf);
  const ctx: Context = {
    asOf,
    rulebook,
    closeDate: typeof snapshot.opportunity.CloseDate === 'string' ? snapshot.opportunity.CloseDate : null,
  };
  const tried = new Map<Candidate, ScoreResult>();
  const scoreWith = (c: Candidate): ScoreResult => {
    let result = tried.get(c);
    if (!result) {
      const changed = structuredClone(snapshot);
      c.apply(changed, ctx);
      result = scoreSnapshot(changed, rulebook, asOf);
      tried.set(c, result);
    }
    return result;
  };
  return current.flags.map((flag): MoveOption => {
    for (const candidate of CANDIDATES) {
      const after = scoreWith(candidate);
      if (after.flags.some((f) => f.code === flag.code)) continue;
      return {
        code: flag.code,
        ask: candidate.ask,
        adjustedProbability: after.adjustedProbability,
        change: after.adjustedProbability - current.adjustedProbability,
        remainingFlags: after.flags.map((f) => f.code),
      };
    }
    return {
      code: flag.code,
      ask: null,
      adjustedProbability: current.adjustedProbability,
      change: 0,
      remainingFlags: current.flags.map((f) => f.code),
    };
  });
}
