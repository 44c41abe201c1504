import { SIGNAL_NAMES, type SignalName } from '../../../src/rules/signal-catalogue';
import {
  aCommitment,
  aContactRole,
  aDeal,
  aMeeting,
  aRulebookWith,
  aSellerTask,
  aStageMove,
  anEmailTask,
  anInboundCall,
  anInboundEmail,
  anInternalCall,
  anOpenTask,
  anOutboundCall,
  anOutboundEmail,
  contactId,
  signalsOf,
  STAGES,
  type DealOverrides,
} from '../../support/builders';

/**
 * Every signal of the catalogue, computed from snapshots built relative to AS_OF (2026-11-20T12:00Z)
 * under the shipped rulebook (effort window 30 d, engagement 45 d, overdue grace 7 d, decision-date
 * tolerance 7 d, calendar quarters) unless a test says otherwise.
 */

const C1 = contactId(1);
const C2 = contactId(2);
const C3 = contactId(3);

type Case = [string, DealOverrides, unknown];

const signal = (name: SignalName, overrides: DealOverrides) => signalsOf(aDeal(overrides))[name];

/** Every signal name is covered by a describe block below; this list is checked against the catalogue. */
const COVERED: SignalName[] = [];
const describeSignal = (name: SignalName, cases: Case[]) => {
  COVERED.push(name);
  describe(name, () => {
    it.each(cases)('%s', (_title, overrides, expected) => {
      expect(signal(name, overrides)).toEqual(expected);
    });
  });
};

describeSignal('sellerActions', [
  ['no activity: 0', {}, 0],
  ['an outbound email counts', { emails: [anOutboundEmail(3)] }, 1],
  ['an outbound call counts', { tasks: [anOutboundCall(3)] }, 1],
  ['a completed seller task counts', { tasks: [aSellerTask(3)] }, 1],
  ['a meeting without a customer contact counts', { events: [aMeeting(3, null)] }, 1],
  [
    'a customer meeting booked for the future counts once, when it was booked',
    { events: [aMeeting(-3, C1, { createdDaysAgo: 2 })] },
    1,
  ],
  [
    'a seller-owned commitment done counts',
    { commitments: [aCommitment({ side: 'Seller', status: 'Done', completedDaysAgo: 2 })] },
    1,
  ],
  [
    'a seller-owned commitment only given does not count',
    { commitments: [aCommitment({ side: 'Seller', status: 'Given' })] },
    0,
  ],
  ["a held customer meeting is the customer's yes, not seller effort", { events: [aMeeting(3, C1)] }, 0],
  ['an inbound call is not seller effort', { tasks: [anInboundCall(3, C1)] }, 0],
  ['an inbound email is not seller effort', { emails: [anInboundEmail(3)] }, 0],
  [
    'one of each kind counts six',
    {
      emails: [anOutboundEmail(1)],
      tasks: [anOutboundCall(2), aSellerTask(3)],
      events: [aMeeting(4, null), aMeeting(-2, C1, { createdDaysAgo: 5 })],
      commitments: [aCommitment({ side: 'Seller', status: 'Done', completedDaysAgo: 6 })],
    },
    6,
  ],
  ['29 days ago is inside the 30-day window', { emails: [anOutboundEmail(29)] }, 1],
  ['exactly 30 days ago is outside the window', { emails: [anOutboundEmail(30)] }, 0],
  ['31 days ago is outside the window', { tasks: [anOutboundCall(31)] }, 0],
  ['an email dated after asOf is ignored', { emails: [anOutboundEmail(-1)] }, 0],
  [
    'a call created before asOf but completed after it is ignored',
    { tasks: [anOutboundCall(-1, { createdDaysAgo: 2 })] },
    0,
  ],
  ['a task created after asOf is ignored', { tasks: [aSellerTask(1, { createdDaysAgo: -1 })] }, 0],
  ['an open task does not count', { tasks: [anOpenTask(3)] }, 0],
  ['an internal call does not count', { tasks: [anInternalCall(3)] }, 0],
  [
    'a task marked Completed without a completion time counts on its activity date',
    {
      tasks: [
        { ...aSellerTask(3), CompletedDateTime: null },
        { ...aSellerTask(40), CompletedDateTime: null },
      ],
    },
    1,
  ],
  [
    'a list email logged as a task counts like an email',
    { tasks: [{ ...anEmailTask(3), TaskSubtype: 'ListEmail' }] },
    1,
  ],
  ['an Email-subtype task counts when no EmailMessage is present', { tasks: [anEmailTask(3)] }, 1],
  [
    'an Email-subtype task is not counted again when EmailMessages are present (even an old inbound one)',
    { tasks: [anEmailTask(3)], emails: [anInboundEmail(40)] },
    0,
  ],
  [
    'an Email-subtype task counts when the only EmailMessage is dated after asOf',
    { tasks: [anEmailTask(3)], emails: [anOutboundEmail(-2)] },
    1,
  ],
]);

describeSignal('customerYeses', [
  ['no activity: 0', {}, 0],
  ['a held meeting with a customer contact', { events: [aMeeting(3, C1)] }, 1],
  ['an inbound email', { emails: [anInboundEmail(3)] }, 1],
  ['an inbound call', { tasks: [anInboundCall(3, C1)] }, 1],
  ['a contact role added', { contactRoles: [aContactRole('Evaluator', C1, 3)] }, 1],
  [
    'a customer commitment given (dated by its creation)',
    { commitments: [aCommitment({ status: 'Given', createdDaysAgo: 3 })] },
    1,
  ],
  ['a customer commitment done', { commitments: [aCommitment({ status: 'Done', completedDaysAgo: 3 })] }, 1],
  [
    'a customer commitment only requested is not a yes',
    { commitments: [aCommitment({ status: 'Requested', dueInDays: 5 })] },
    0,
  ],
  ['a customer commitment declined is not a yes', { commitments: [aCommitment({ status: 'Declined' })] }, 0],
  [
    'a commitment completed after asOf is not a yes yet',
    { commitments: [aCommitment({ status: 'Done', completedDaysAgo: -2, createdDaysAgo: 5 })] },
    0,
  ],
  [
    'a seller-owned commitment is not a yes',
    { commitments: [aCommitment({ side: 'Seller', status: 'Done', completedDaysAgo: 2 })] },
    0,
  ],
  [
    'a customer meeting still in the future is not a yes',
    { events: [aMeeting(-3, C1, { createdDaysAgo: 2 })] },
    0,
  ],
  ['an outbound email is not a yes', { emails: [anOutboundEmail(3)] }, 0],
  ['an inbound email 31 days ago is outside the window', { emails: [anInboundEmail(31)] }, 0],
  ['an inbound email dated after asOf is ignored', { emails: [anInboundEmail(-1)] }, 0],
  [
    'one of each kind counts five',
    {
      events: [aMeeting(1, C1)],
      emails: [anInboundEmail(2)],
      tasks: [anInboundCall(3, C2)],
      contactRoles: [aContactRole('Decision Maker', C2, 4)],
      commitments: [aCommitment({ status: 'Done', completedDaysAgo: 5 })],
    },
    5,
  ],
]);

describeSignal('balance', [
  ['null with no seller action, even with yeses', { emails: [anInboundEmail(2)] }, null],
  ['null with no activity at all', {}, null],
  ['0 with actions and no yes', { emails: [anOutboundEmail(2), anOutboundEmail(3)] }, 0],
  [
    'yeses divided by actions',
    {
      emails: [
        anInboundEmail(1),
        anOutboundEmail(2),
        anOutboundEmail(3),
        anOutboundEmail(4),
        anOutboundEmail(5),
      ],
    },
    0.25,
  ],
  [
    'above 1 when the customer does more',
    { emails: [anInboundEmail(1), anInboundEmail(2), anOutboundEmail(3)] },
    2,
  ],
]);

describeSignal('daysSinceLastYes', [
  [
    'days since the latest yes',
    { emails: [anInboundEmail(9), anInboundEmail(5)], events: [aMeeting(7, C1)] },
    5,
  ],
  ['from creation when there is no yes', { createdDaysAgo: 10 }, 10],
  [
    'from creation when the deal was created after the last yes',
    { createdDaysAgo: 12, emails: [anInboundEmail(30)] },
    12,
  ],
  ['a yes after asOf does not reset it', { createdDaysAgo: 40, emails: [anInboundEmail(-1)] }, 40],
  ['null with no yes and no creation date', { opportunity: { CreatedDate: null } }, null],
]);

describeSignal('contactsEngaged', [
  ['none without activity', {}, 0],
  ['two contacts met', { events: [aMeeting(3, C1), aMeeting(10, C2)] }, 2],
  ['the same contact twice counts once', { events: [aMeeting(3, C1), aMeeting(10, C1)] }, 1],
  [
    'a meeting and an inbound call from another contact',
    { events: [aMeeting(3, C1)], tasks: [anInboundCall(4, C2)] },
    2,
  ],
  [
    'a customer commitment names its contact',
    { commitments: [aCommitment({ status: 'Given', contactId: C3 })] },
    1,
  ],
  [
    'inbound emails count by sender address, ignoring case',
    {
      emails: [
        anInboundEmail(2, 'Buyer@Customer.example'),
        anInboundEmail(3, 'buyer@customer.example'),
        anInboundEmail(4, 'cfo@customer.example'),
      ],
    },
    2,
  ],
  ['44 days ago is inside the 45-day window', { events: [aMeeting(44, C1)] }, 1],
  ['46 days ago is outside the window', { events: [aMeeting(46, C1)] }, 0],
  [
    'contact roles alone do not count as taking part',
    { contactRoles: [aContactRole('Economic Buyer', C1, 2)] },
    0,
  ],
  ['a seller-side meeting has no customer contact', { events: [aMeeting(3, null)] }, 0],
  [
    'a meeting with a lead (not a contact) is not a customer contact',
    { events: [aMeeting(3, '00Q000000000001AAA')] },
    0,
  ],
  [
    'an inbound call from an unknown caller is a yes without a contact',
    { tasks: [anInboundCall(3, null)] },
    0,
  ],
]);

describeSignal('buyingGroupSize', [
  ['no roles', {}, 0],
  [
    'distinct contacts with roles',
    { contactRoles: [aContactRole('Evaluator', C1, 50), aContactRole('Economic Buyer', C2, 5)] },
    2,
  ],
  [
    'one contact with two roles counts once',
    { contactRoles: [aContactRole('Evaluator', C1, 50), aContactRole('Economic Buyer', C1, 5)] },
    1,
  ],
  [
    'a role added after asOf is ignored',
    { contactRoles: [aContactRole('Evaluator', C1, 50), aContactRole('Economic Buyer', C2, -1)] },
    1,
  ],
]);

describeSignal('decisionMakers', [
  ['no roles', {}, 0],
  [
    'Economic Buyer and Decision Maker count; other roles do not',
    {
      contactRoles: [
        aContactRole('Economic Buyer', C1, 5),
        aContactRole('Decision Maker', C2, 5),
        aContactRole('Evaluator', C3, 5),
      ],
    },
    2,
  ],
  [
    'a decision maker added after asOf is ignored',
    { contactRoles: [aContactRole('Economic Buyer', C1, -2)] },
    0,
  ],
]);

describeSignal('decisionMakerEngaged', [
  [
    'the Economic Buyer met recently',
    { contactRoles: [aContactRole('Economic Buyer', C1, 50)], events: [aMeeting(3, C1)] },
    true,
  ],
  [
    'the Economic Buyer called in',
    { contactRoles: [aContactRole('Decision Maker', C1, 50)], tasks: [anInboundCall(3, C1)] },
    true,
  ],
  [
    'only another contact met',
    { contactRoles: [aContactRole('Economic Buyer', C1, 50)], events: [aMeeting(3, C2)] },
    false,
  ],
  [
    'the Economic Buyer met outside the engagement window',
    { contactRoles: [aContactRole('Economic Buyer', C1, 60)], events: [aMeeting(50, C1)] },
    false,
  ],
  [
    'an engaged contact without a decision-maker role',
    { contactRoles: [aContactRole('Evaluator', C1, 50)], events: [aMeeting(3, C1)] },
    false,
  ],
]);

describeSignal('hasExecutiveSponsor', [
  ['no sponsor', {}, false],
  ['an Executive Sponsor contact role', { contactRoles: [aContactRole('Executive Sponsor', C1, 5)] }, true],
  [
    'a given "Executive sponsor named" commitment',
    { commitments: [aCommitment({ type: 'Executive sponsor named', status: 'Given' })] },
    true,
  ],
  [
    'a requested sponsor commitment is not yet a sponsor',
    { commitments: [aCommitment({ type: 'Executive sponsor named', status: 'Requested' })] },
    false,
  ],
  [
    'a seller-side sponsor commitment does not count',
    {
      commitments: [
        aCommitment({ side: 'Seller', type: 'Executive sponsor named', status: 'Done', completedDaysAgo: 2 }),
      ],
    },
    false,
  ],
  [
    'a sponsor role added after asOf is ignored',
    { contactRoles: [aContactRole('Executive Sponsor', C1, -1)] },
    false,
  ],
]);

const planCommitments = [
  aCommitment({ status: 'Done', completedDaysAgo: 3 }),
  aCommitment({ status: 'Given' }),
  aCommitment({ status: 'Requested', dueInDays: 5 }),
  aCommitment({ status: 'Requested', dueInDays: -10 }),
  aCommitment({ status: 'Declined' }),
  aCommitment({ side: 'Seller', status: 'Requested', dueInDays: -20 }),
  aCommitment({ status: 'Requested', dueInDays: -20, createdDaysAgo: -1 }), // created after asOf
];

describeSignal('customerSteps', [
  ['none', {}, 0],
  ['customer-owned, not declined, created by asOf', { commitments: planCommitments }, 4],
]);

describeSignal('customerStepsDone', [
  ['none', {}, 0],
  ['given or done by asOf', { commitments: planCommitments }, 2],
  [
    'a step completed after asOf is not done yet',
    { commitments: [aCommitment({ status: 'Done', completedDaysAgo: -1, createdDaysAgo: 5 })] },
    0,
  ],
]);

describeSignal('customerStepsOverdue', [
  ['none', {}, 0],
  ['a step due 10 days ago and not done', { commitments: planCommitments }, 1],
  [
    "due 7 days before asOf's day: past the 7-day grace",
    { commitments: [aCommitment({ status: 'Requested', dueInDays: -7 })] },
    1,
  ],
  [
    "due 6 days before asOf's day: within the grace",
    { commitments: [aCommitment({ status: 'Requested', dueInDays: -6 })] },
    0,
  ],
  [
    'a done step is never overdue',
    { commitments: [aCommitment({ status: 'Done', dueInDays: -30, completedDaysAgo: 2 })] },
    0,
  ],
  ['a step without a due date is never overdue', { commitments: [aCommitment({ status: 'Requested' })] }, 0],
  [
    'a declined step is not overdue (it is a decline)',
    { commitments: [aCommitment({ status: 'Declined', dueInDays: -30 })] },
    0,
  ],
  [
    "a seller-owned step is not the customer's",
    { commitments: [aCommitment({ side: 'Seller', status: 'Requested', dueInDays: -30 })] },
    0,
  ],
]);

describeSignal('customerDeclines', [
  ['none', {}, 0],
  [
    'customer declines count; seller ones do not',
    {
      commitments: [
        aCommitment({ status: 'Declined' }),
        aCommitment({ status: 'Declined' }),
        aCommitment({ side: 'Seller', status: 'Declined' }),
      ],
    },
    2,
  ],
  [
    'a decline recorded after asOf is ignored',
    { commitments: [aCommitment({ status: 'Declined', createdDaysAgo: -1 })] },
    0,
  ],
]);

describeSignal('hasCompellingEvent', [
  ['stated', { opportunity: { Compelling_Event__c: 'Licence renewal on 2027-01-01' } }, true],
  ['null', {}, false],
  ['blank text is not a statement', { opportunity: { Compelling_Event__c: '   ' } }, false],
]);

describeSignal('hasCostOfDelay', [
  ['quantified', { opportunity: { Cost_Of_Delay__c: 12_000 } }, true],
  ['zero is not a cost', { opportunity: { Cost_Of_Delay__c: 0 } }, false],
  ['null', {}, false],
]);

describeSignal('costOfDelay', [
  ['the amount per month', { opportunity: { Cost_Of_Delay__c: 12_000 } }, 12_000],
  ['null when not given', {}, null],
]);

describeSignal('hasCustomerDecisionDate', [
  ['given', { opportunity: { Customer_Decision_Date__c: '2026-12-10' } }, true],
  ['null', {}, false],
]);

describeSignal('closeDateMatchesDecisionDate', [
  [
    'the same day',
    { closeDate: '2026-12-15', opportunity: { Customer_Decision_Date__c: '2026-12-15' } },
    true,
  ],
  [
    '7 days later is within the tolerance',
    { closeDate: '2026-12-15', opportunity: { Customer_Decision_Date__c: '2026-12-22' } },
    true,
  ],
  [
    '7 days earlier is within the tolerance',
    { closeDate: '2026-12-15', opportunity: { Customer_Decision_Date__c: '2026-12-08' } },
    true,
  ],
  [
    '8 days later is not',
    { closeDate: '2026-12-15', opportunity: { Customer_Decision_Date__c: '2026-12-23' } },
    false,
  ],
  [
    '8 days earlier is not',
    { closeDate: '2026-12-15', opportunity: { Customer_Decision_Date__c: '2026-12-07' } },
    false,
  ],
  ['no decision date', { closeDate: '2026-12-15' }, false],
  ['no close date', { closeDate: null, opportunity: { Customer_Decision_Date__c: '2026-12-15' } }, false],
  [
    'compared with the close date as of asOf, from history',
    {
      closeDate: '2027-03-01',
      opportunity: { Customer_Decision_Date__c: '2026-12-15' },
      history: [aStageMove(STAGES.proposal, 70, 10, '2026-12-15')],
    },
    true,
  ],
]);

describeSignal('hasStrategicInitiative', [
  ['linked', { opportunity: { Strategic_Initiative__c: 'Cloud first' } }, true],
  ['null', {}, false],
]);

describeSignal('hasReasonToAct', [
  ['a compelling event', { opportunity: { Compelling_Event__c: 'Audit in January' } }, true],
  ['a cost of delay', { opportunity: { Cost_Of_Delay__c: 5_000 } }, true],
  [
    'neither (a decision date and an initiative are not enough)',
    { opportunity: { Customer_Decision_Date__c: '2026-12-15', Strategic_Initiative__c: 'Cloud first' } },
    false,
  ],
]);

describeSignal('reasonToActParts', [
  ['none', {}, 0],
  ['compelling event', { opportunity: { Compelling_Event__c: 'Audit' } }, 1],
  ['cost of delay', { opportunity: { Cost_Of_Delay__c: 1 } }, 1],
  [
    'a decision date that matches the close date',
    { opportunity: { Customer_Decision_Date__c: '2026-12-15' } },
    1,
  ],
  [
    'a decision date that does not match the close date',
    { opportunity: { Customer_Decision_Date__c: '2027-02-01' } },
    0,
  ],
  ['a strategic initiative', { opportunity: { Strategic_Initiative__c: 'Cloud first' } }, 1],
  [
    'an executive sponsor stands for the initiative',
    { contactRoles: [aContactRole('Executive Sponsor', C1, 5)] },
    1,
  ],
  [
    'initiative and sponsor are one part',
    {
      opportunity: { Strategic_Initiative__c: 'X' },
      contactRoles: [aContactRole('Executive Sponsor', C1, 5)],
    },
    1,
  ],
  [
    'all four',
    {
      opportunity: {
        Compelling_Event__c: 'Audit',
        Cost_Of_Delay__c: 1,
        Customer_Decision_Date__c: '2026-12-15',
        Strategic_Initiative__c: 'X',
      },
    },
    4,
  ],
]);

describeSignal('closeDatePushes', [
  ['no history', {}, 0],
  [
    'pushed out twice (PrevCloseDate given)',
    {
      history: [
        aStageMove(STAGES.qualification, 20, 60, '2026-11-01'),
        aStageMove(STAGES.qualification, 20, 40, '2026-11-30', '2026-11-01'),
        aStageMove(STAGES.proposal, 70, 20, '2026-12-15', '2026-11-30'),
      ],
    },
    2,
  ],
  [
    'pulled in does not count',
    {
      history: [
        aStageMove(STAGES.qualification, 20, 60, '2026-12-31'),
        aStageMove(STAGES.qualification, 20, 40, '2026-12-15', '2026-12-31'),
      ],
    },
    0,
  ],
  [
    'without PrevCloseDate, each row is compared with the row before',
    {
      history: [
        aStageMove(STAGES.qualification, 20, 60, '2026-11-01'),
        aStageMove(STAGES.qualification, 20, 40, '2026-11-30'),
        aStageMove(STAGES.qualification, 20, 30, '2026-11-20'),
        aStageMove(STAGES.proposal, 70, 20, '2026-12-15'),
      ],
    },
    2,
  ],
  [
    'PrevCloseDate counts even on the first row seen',
    { history: [aStageMove(STAGES.qualification, 20, 30, '2026-12-15', '2026-11-30')] },
    1,
  ],
  [
    'a stage change that keeps the close date is not a push',
    {
      history: [
        aStageMove(STAGES.qualification, 20, 60, '2026-12-15'),
        aStageMove(STAGES.proposal, 70, 20, '2026-12-15', '2026-12-15'),
      ],
    },
    0,
  ],
  [
    'pushes after asOf are ignored',
    {
      history: [
        aStageMove(STAGES.qualification, 20, 60, '2026-11-01'),
        aStageMove(STAGES.qualification, 20, 40, '2026-11-30', '2026-11-01'),
        aStageMove(STAGES.proposal, 70, -3, '2026-12-15', '2026-11-30'),
      ],
    },
    1,
  ],
]);

const backtestHistory = [
  aStageMove(STAGES.qualification, 20, 60, '2026-12-01', null, 40_000),
  aStageMove(STAGES.valueProposition, 50, 30, '2026-12-10', '2026-12-01', 60_000),
  aStageMove(STAGES.negotiation, 90, -5, '2026-12-20', '2026-12-10', 90_000), // after asOf
  aStageMove(STAGES.won, 100, -10, '2026-12-20', '2026-12-20', 90_000), // after asOf
];
const backtestDeal: DealOverrides = {
  stage: STAGES.won,
  probability: 100,
  amount: 90_000,
  closeDate: '2026-12-20',
  opportunity: { IsClosed: true, IsWon: true },
  history: backtestHistory,
};

describeSignal('stage', [
  ['the Opportunity stage without history', { stage: STAGES.needsAnalysis }, STAGES.needsAnalysis],
  ['the latest history row by asOf, not the current stage (backtest)', backtestDeal, STAGES.valueProposition],
  [
    'history rows are ordered by date, not by list position',
    { history: [aStageMove(STAGES.proposal, 70, 5), aStageMove(STAGES.qualification, 20, 50)] },
    STAGES.proposal,
  ],
]);

describeSignal('probability', [
  ['the Opportunity probability without history', { probability: 35 }, 35],
  ['from history as of asOf (backtest)', backtestDeal, 50],
  ['0 when neither says', { probability: null }, 0],
]);

describeSignal('amount', [
  ['the Opportunity amount without history', { amount: 80_000 }, 80_000],
  ['from history as of asOf (backtest)', backtestDeal, 60_000],
  [
    'the Opportunity amount when the history row has none',
    { amount: 75_000, history: [aStageMove(STAGES.proposal, 70, 5)] },
    75_000,
  ],
  ['null when not given', { amount: null }, null],
]);

describeSignal('stageAgeDays', [
  ['from creation without history', { createdDaysAgo: 33 }, 33],
  [
    'from the last stage change',
    { history: [aStageMove(STAGES.qualification, 20, 60), aStageMove(STAGES.proposal, 70, 20)] },
    20,
  ],
  [
    'a row that keeps the stage does not restart the count',
    {
      history: [
        aStageMove(STAGES.qualification, 20, 60),
        aStageMove(STAGES.proposal, 70, 20),
        aStageMove(STAGES.proposal, 75, 4),
      ],
    },
    20,
  ],
  ['as of asOf in a backtest', backtestDeal, 30],
]);

describeSignal('daysSinceStageAdvance', [
  ['null without history', {}, null],
  ['null when the stage never changed', { history: [aStageMove(STAGES.qualification, 20, 60)] }, null],
  [
    'days since the forward move',
    { history: [aStageMove(STAGES.qualification, 20, 60), aStageMove(STAGES.proposal, 70, 12)] },
    12,
  ],
  [
    'null after moving back',
    {
      history: [
        aStageMove(STAGES.qualification, 20, 60),
        aStageMove(STAGES.proposal, 70, 20),
        aStageMove(STAGES.qualification, 20, 5),
      ],
    },
    null,
  ],
  [
    'counts again from a later forward move',
    {
      history: [
        aStageMove(STAGES.qualification, 20, 60),
        aStageMove(STAGES.proposal, 70, 20),
        aStageMove(STAGES.qualification, 20, 10),
        aStageMove(STAGES.negotiation, 90, 3),
      ],
    },
    3,
  ],
  ['ignores moves after asOf', backtestDeal, 30],
]);

const threeStages = [
  aStageMove(STAGES.qualification, 20, 60),
  aStageMove(STAGES.valueProposition, 50, 30),
  aStageMove(STAGES.proposal, 70, 10),
];
describeSignal('yesesSincePreviousStage', [
  ['null without a forward move', {}, null],
  [
    'yeses since the deal entered the stage before the current one',
    { history: threeStages, emails: [anInboundEmail(40), anInboundEmail(25)], events: [aMeeting(5, C1)] },
    2,
  ],
  ['0 when the customer gave nothing since then', { history: threeStages, emails: [anInboundEmail(40)] }, 0],
  [
    "after the first move, counts from the deal's creation",
    {
      createdDaysAgo: 60,
      // The first row seen is the stage the deal was in; its earlier start is the deal's creation.
      history: [aStageMove(STAGES.qualification, 20, 50), aStageMove(STAGES.proposal, 70, 10)],
      emails: [anInboundEmail(55), anInboundEmail(70)],
    },
    1,
  ],
  [
    'null after moving back',
    { history: [...threeStages, aStageMove(STAGES.valueProposition, 50, 2)], emails: [anInboundEmail(5)] },
    null,
  ],
]);

describeSignal('dealAgeDays', [
  ['days since creation', { createdDaysAgo: 60 }, 60],
  ['rounded down', { createdDaysAgo: 2.9 }, 2],
  ['0 for a deal created after asOf', { createdDaysAgo: -2 }, 0],
  ['null without a creation date', { opportunity: { CreatedDate: null } }, null],
]);

describeSignal('daysToClose', [
  ['a close date in the future', { closeDate: '2026-12-15' }, 25],
  ['a close date of tomorrow', { closeDate: '2026-11-21' }, 1],
  ['a close date of today is not past', { closeDate: '2026-11-20' }, 0],
  ['a close date of yesterday', { closeDate: '2026-11-19' }, -1],
  [
    'the close date as of asOf, from history',
    { closeDate: '2027-03-01', history: [aStageMove(STAGES.proposal, 70, 5, '2026-11-30')] },
    10,
  ],
  ['null without a close date', { closeDate: null }, null],
]);

describeSignal('discountPercent', [
  ['0 when the field is absent', {}, 0],
  ['0 when the field is null', { opportunity: { Discount_Percent__c: null } }, 0],
  ['the discount given', { opportunity: { Discount_Percent__c: 12.5 } }, 12.5],
  ['capped at 100', { opportunity: { Discount_Percent__c: 150 } }, 100],
  ['a negative value is no discount', { opportunity: { Discount_Percent__c: -5 } }, 0],
]);

describeSignal('closeDateDaysBeforeQuarterEnd', [
  ['the last day of the quarter', { closeDate: '2026-12-31' }, 0],
  ['six days before', { closeDate: '2026-12-25' }, 6],
  ['the first day of a quarter', { closeDate: '2026-10-01' }, 91],
  ['mid-quarter', { closeDate: '2026-12-15' }, 16],
  ['null without a close date', { closeDate: null }, null],
]);

describe('closeDateDaysBeforeQuarterEnd with a fiscal year starting in February', () => {
  const february = aRulebookWith(['fiscalYearStartMonth: 1', 'fiscalYearStartMonth: 2']);

  it.each([
    ['2026-12-31', 31], // Q4 runs November to January
    ['2027-01-31', 0],
    ['2026-10-31', 0], // Q3 runs August to October
    ['2026-11-01', 91],
    ['2026-04-30', 0], // Q1 runs February to April
    ['2026-03-31', 30],
  ])('close date %s is %i days before the quarter end', (closeDate, expected) => {
    expect(signalsOf(aDeal({ closeDate }), february).closeDateDaysBeforeQuarterEnd).toBe(expected);
  });

  it('differs from the calendar-quarter answer for the same deal', () => {
    const deal = aDeal({ closeDate: '2026-12-31' });
    expect(signalsOf(deal).closeDateDaysBeforeQuarterEnd).toBe(0);
    expect(signalsOf(deal, february).closeDateDaysBeforeQuarterEnd).toBe(31);
  });
});

describe('windows come from the rulebook', () => {
  it('a 10-day effort window counts only the last 10 days', () => {
    const rb = aRulebookWith(['effortDays: 30', 'effortDays: 10']);
    const deal = aDeal({
      emails: [anOutboundEmail(5), anOutboundEmail(15), anInboundEmail(9), anInboundEmail(11)],
    });
    expect(signalsOf(deal, rb)).toMatchObject({ sellerActions: 1, customerYeses: 1 });
    expect(signalsOf(deal)).toMatchObject({ sellerActions: 2, customerYeses: 2 });
  });

  it('a grace of 0 days makes a step due yesterday overdue', () => {
    const rb = aRulebookWith(['overdueGraceDays: 7', 'overdueGraceDays: 0']);
    const deal = aDeal({ commitments: [aCommitment({ status: 'Requested', dueInDays: -1 })] });
    expect(signalsOf(deal, rb).customerStepsOverdue).toBe(1);
    expect(signalsOf(deal).customerStepsOverdue).toBe(0);
  });

  it('the discount is read from the field the rulebook names', () => {
    const rb = aRulebookWith(['discountPercent: Discount_Percent__c', 'discountPercent: Deal_Discount__c']);
    const deal = aDeal({ opportunity: { Discount_Percent__c: 30, Deal_Discount__c: 10 } });
    expect(signalsOf(deal, rb).discountPercent).toBe(10);
    expect(signalsOf(deal).discountPercent).toBe(30);
  });
});

describe('the catalogue', () => {
  it('has a test block for every signal', () => {
    expect([...COVERED].sort()).toEqual([...SIGNAL_NAMES].sort());
  });

  it('computes every signal of the catalogue and nothing else', () => {
    expect(Object.keys(signalsOf(aDeal())).sort()).toEqual([...SIGNAL_NAMES].sort());
  });
});
