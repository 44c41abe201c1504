/**
 * Demo activity: seller and customer actions on open deals at a set rate, written through the
 * normal write path (as a seller user), so change events flow as they would in a live org.
 */
import { addDays } from './clock';
import type { SandboxCore } from './core';
import { Rng } from './prng';
import { STAGES } from './schema';
import type { SObjectRecord } from './store';
import type { WriteCtx } from './writes';

export type SimAction =
  | 'sellerCall'
  | 'sellerEmail'
  | 'inboundEmail'
  | 'inboundCall'
  | 'meeting'
  | 'stageMove'
  | 'closeDatePush'
  | 'commitmentGiven';
const ACTIONS: SimAction[] = [
  'sellerCall',
  'sellerEmail',
  'sellerEmail',
  'inboundEmail',
  'inboundCall',
  'meeting',
  'stageMove',
  'closeDatePush',
  'commitmentGiven',
];

export interface SimulatorOptions {
  /** Actions per minute (default 30). */
  ratePerMinute?: number;
  seed?: number;
}

export class ActivitySimulator {
  private timer: NodeJS.Timeout | null = null;
  private rng = new Rng(7);
  actionsDone = 0;

  constructor(
    private readonly core: SandboxCore,
    private readonly sellerUserId: () => string,
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  start(opts: SimulatorOptions = {}): void {
    this.stop();
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    const every = Math.max(10, Math.round(60_000 / (opts.ratePerMinute ?? 30)));
    this.timer = setInterval(() => this.step(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One action on a random open deal; returns what was done (for tests and logs). */
  step(action: SimAction = this.rng.pick(ACTIONS)): { action: SimAction; opportunityId: string } | null {
    const open = [...this.core.store.all('Opportunity')].filter((o) => !o.IsClosed);
    if (open.length === 0) return null;
    const opp = this.rng.pick(open);
    const ctx: WriteCtx = {
      userId: String(opp.OwnerId ?? this.sellerUserId()),
      clientId: null,
      apiVersion: this.core.apiVersion,
    };
    this.apply(action, opp, ctx);
    this.actionsDone++;
    return { action, opportunityId: opp.Id };
  }

  private contactFor(opp: SObjectRecord): string | null {
    const roles = this.core.store.children('OpportunityContactRole', 'OpportunityId', opp.Id);
    return roles.length ? String(this.rng.pick(roles).ContactId) : null;
  }

  private apply(action: SimAction, opp: SObjectRecord, ctx: WriteCtx): void {
    const w = this.core.writes;
    const now = this.core.clock.iso();
    const today = now.slice(0, 10);
    const who = this.contactFor(opp);
    const task = (subtype: string, callType: string | null, subject: string) =>
      w.create(
        'Task',
        {
          WhatId: opp.Id,
          WhoId: who,
          Subject: subject,
          Status: 'Completed',
          ActivityDate: today,
          CompletedDateTime: now,
          TaskSubtype: subtype,
          Type: subtype === 'Email' ? 'Email' : 'Call',
          CallType: callType,
        },
        ctx,
      );
    switch (action) {
      case 'sellerCall':
        task('Call', 'Outbound', 'Call: follow-up');
        break;
      case 'sellerEmail':
        task('Email', null, 'Email: checking in');
        break;
      case 'inboundCall':
        task('Call', 'Inbound', 'Inbound call from customer');
        break;
      case 'inboundEmail': {
        w.create(
          'EmailMessage',
          {
            RelatedToId: opp.Id,
            Incoming: true,
            MessageDate: now,
            FromAddress: 'buyer@customer.example',
            ToAddress: 'rep@sandbox-seller.example',
            Subject: 'Re: next steps',
            Status: '0',
          },
          ctx,
        );
        // An inbound email logged to Salesforce also creates its Task, which is what CDC sees.
        task('Email', null, 'Email: Re: next steps');
        break;
      }
      case 'meeting':
        w.create(
          'Event',
          {
            WhatId: opp.Id,
            WhoId: who,
            Subject: 'Meeting with customer',
            StartDateTime: now,
            EndDateTime: new Date(this.core.clock.now() + 3_600_000).toISOString(),
            DurationInMinutes: 60,
            IsAllDayEvent: false,
          },
          ctx,
        );
        break;
      case 'stageMove': {
        const idx = STAGES.findIndex((s) => s.name === opp.StageName);
        if (idx >= 0 && idx < 7) w.update('Opportunity', opp.Id, { StageName: STAGES[idx + 1].name }, ctx);
        break;
      }
      case 'closeDatePush':
        w.update(
          'Opportunity',
          opp.Id,
          { CloseDate: addDays(String(opp.CloseDate ?? today), this.rng.int(14, 30)) },
          ctx,
        );
        break;
      case 'commitmentGiven':
        w.create(
          'Buying_Commitment__c',
          {
            Name: 'Information shared',
            Opportunity__c: opp.Id,
            Contact__c: who,
            Type__c: 'Information shared',
            Owner_Side__c: 'Customer',
            Status__c: 'Given',
            Due_Date__c: today,
            Completed_Date__c: today,
          },
          ctx,
        );
        break;
    }
  }
}
