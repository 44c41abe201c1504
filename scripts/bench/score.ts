/**
 * Scoring speed for a typical deal (40 activities, 5 contact roles, 10 history rows, 8 commitments,
 * default rulebook, one core), and, in the same run, the default flags evaluated on the same signals
 * by our compiled conditions against json-rules-engine (the common rules-as-data baseline).
 */
import { Engine } from 'json-rules-engine';
import { loadRulebookFile, type Rulebook } from '../../src/rules/load-rulebook';
import type { Condition } from '../../src/rules/schema';
import { parseSnapshot, scoreDeal } from '../../src/scoring';
import { computeSignals } from '../../src/scoring/signals';
import { machineLine, rate, rateAsync } from './machine';

const AS_OF = Date.parse('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
const at = (daysAgo: number) => new Date(AS_OF - daysAgo * DAY).toISOString();
const day = (daysAgo: number) => at(daysAgo).slice(0, 10);
const contact = (i: number) => `0030000000000${String(i).padStart(2, '0')}AAA`;

export function typicalDeal(): unknown {
  const tasks = Array.from({ length: 16 }, (_, i) => ({
    Id: `00T0000000000${String(i).padStart(2, '0')}AAA`,
    TaskSubtype: i % 3 === 0 ? 'Call' : 'Task',
    Type: i % 3 === 0 ? 'Call' : 'Other',
    CallType: i % 3 === 0 ? (i % 2 ? 'Inbound' : 'Outbound') : null,
    Status: 'Completed',
    CompletedDateTime: at(i * 3 + 1),
    CreatedDate: at(i * 3 + 2),
    WhoId: contact(i % 5),
  }));
  const events = Array.from({ length: 8 }, (_, i) => ({
    StartDateTime: at(i * 6 - 3),
    EndDateTime: at(i * 6 - 3.05),
    CreatedDate: at(i * 6 + 4),
    WhoId: i % 2 ? contact(i % 5) : null,
  }));
  const emails = Array.from({ length: 16 }, (_, i) => ({
    Incoming: i % 3 === 0,
    MessageDate: at(i * 2.5),
    FromAddress: i % 3 === 0 ? `buyer${i % 4}@customer.example` : 'ae@vendor.example',
  }));
  const roles = ['Economic Buyer', 'Technical Buyer', 'Evaluator', 'Influencer', 'Business User'];
  const stages = [
    'Qualification',
    'Needs Analysis',
    'Value Proposition',
    'Perception Analysis',
    'Proposal/Price Quote',
  ];
  return {
    opportunity: {
      Id: '006000000000001AAA',
      StageName: 'Proposal/Price Quote',
      Probability: 75,
      Amount: 150000,
      CloseDate: day(-30),
      IsClosed: false,
      IsWon: false,
      CreatedDate: at(160),
      Compelling_Event__c: null,
      Cost_Of_Delay__c: 20000,
      Customer_Decision_Date__c: day(-28),
      Strategic_Initiative__c: null,
    },
    contactRoles: roles.map((role, i) => ({
      ContactId: contact(i),
      Role: role,
      IsPrimary: i === 0,
      CreatedDate: at(150 - i * 10),
    })),
    tasks,
    events,
    emails,
    history: Array.from({ length: 10 }, (_, i) => ({
      StageName: stages[Math.min(4, Math.floor(i / 2))],
      CloseDate: day(-30 + (i > 6 ? 0 : 14)),
      PrevCloseDate: day(-16),
      Probability: 10 + Math.min(4, Math.floor(i / 2)) * 15,
      Amount: 150000,
      CreatedDate: at(160 - i * 15),
    })),
    commitments: Array.from({ length: 8 }, (_, i) => ({
      Type__c: 'Mutual plan agreed',
      Owner_Side__c: i % 3 === 2 ? 'Seller' : 'Customer',
      Status__c: i % 2 ? 'Done' : 'Requested',
      Due_Date__c: day(20 - i * 5),
      Completed_Date__c: i % 2 ? day(22 - i * 5) : null,
      Contact__c: contact(i % 5),
      CreatedDate: at(60 - i * 4),
    })),
  };
}

function toEngineCondition(c: Condition): Record<string, unknown> {
  if ('all' in c) return { all: c.all.map(toEngineCondition) };
  if ('any' in c) return { any: c.any.map(toEngineCondition) };
  if ('not' in c) return { not: toEngineCondition(c.not) };
  const op = Object.keys(c).find((k) => k !== 'signal') as string;
  const operator = {
    eq: 'equal',
    ne: 'notEqual',
    lt: 'lessThan',
    lte: 'lessThanInclusive',
    gt: 'greaterThan',
    gte: 'greaterThanInclusive',
    in: 'in',
    atLeast: 'stageAtLeast',
    before: 'stageBefore',
  }[op];
  return { fact: c.signal, operator, value: (c as Record<string, unknown>)[op] };
}

function baselineEngine(rulebook: Rulebook): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  const rank = (s: unknown) => rulebook.stageRank.get(s as string) ?? -1;
  engine.addOperator('stageAtLeast', (a: unknown, b: unknown) => rank(a) >= rank(b));
  engine.addOperator('stageBefore', (a: unknown, b: unknown) => rank(a) >= 0 && rank(a) < rank(b));
  for (const flag of rulebook.source.flags) {
    const root = toEngineCondition(flag.when);
    // The engine wants all/any/not at the root; a lone comparison goes inside an all.
    const conditions = 'fact' in root ? { all: [root] } : root;
    engine.addRule({ name: flag.code, conditions: conditions as never, event: { type: flag.code } });
  }
  return engine;
}

async function main(): Promise<void> {
  const rulebook = loadRulebookFile();
  const snapshot = typicalDeal();
  const deal = parseSnapshot(snapshot, rulebook.fields);
  const records = (['tasks', 'events', 'emails', 'contactRoles', 'history', 'commitments'] as const).map(
    (k) => deal[k].length,
  );
  const { signals } = computeSignals(deal, rulebook, AS_OF);
  const ours = rulebook.flags
    .filter((f) => f.test(signals))
    .map((f) => f.code)
    .sort();
  const engine = baselineEngine(rulebook);
  const theirs = (await engine.run({ ...signals })).events.map((e) => e.type).sort();
  if (JSON.stringify(ours) !== JSON.stringify(theirs))
    throw new Error(`baseline disagrees: ${ours} vs ${theirs}`);

  const score = rate(() => scoreDeal(deal, rulebook, AS_OF));
  const parseAndScore = rate(() => scoreDeal(parseSnapshot(snapshot, rulebook.fields), rulebook, AS_OF));
  const flagsOurs = rate(() => {
    for (const f of rulebook.flags) f.test(signals);
  });
  const flagsBaseline = await rateAsync(() => engine.run({ ...signals }));

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  process.stdout.write(
    [
      machineLine(),
      `input: one deal, ${records.reduce((a, b) => a + b, 0) - records[3] - records[4] - records[5]} activities (tasks ${records[0]}, events ${records[1]}, emails ${records[2]}), ${records[3]} contact roles, ${records[4]} history rows, ${records[5]} commitments; default rulebook (${rulebook.flags.length} flags, ${ours.length} fire)`,
      `score (parsed deal → result):        ${fmt(score)} evaluations/s`,
      `parse + score (snapshot JSON → result): ${fmt(parseAndScore)} evaluations/s`,
      `default flags on the same signals:   ours ${fmt(flagsOurs)}/s, json-rules-engine ${fmt(flagsBaseline)}/s, ratio ${(flagsOurs / flagsBaseline).toFixed(0)}×`,
    ].join('\n') + '\n',
  );
}

if (require.main === module) void main();
