import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { generateOrg, quarterEnd, type GeneratedOrg } from '../../../src/sandbox/generator';
import { FLAG_CODES, STAGES } from '../../../src/sandbox/schema';
import type { SObjectRecord } from '../../../src/sandbox/store';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const DAY = 86_400_000;
const ms = (v: unknown): number => Date.parse(String(v).length === 10 ? `${String(v)}T00:00:00Z` : String(v));

/** Plain data views of a deal, computed independently of the generator's profiles. */
function situations(org: GeneratedOrg): Map<string, Set<string>> {
  const by = <T extends SObjectRecord>(obj: string, field: string) => {
    const m = new Map<string, T[]>();
    for (const r of org.records[obj] as T[]) {
      const k = String(r[field]);
      m.set(k, [...(m.get(k) ?? []), r]);
    }
    return m;
  };
  const tasks = by('Task', 'WhatId');
  const events = by('Event', 'WhatId');
  const emails = by('EmailMessage', 'RelatedToId');
  const roles = by('OpportunityContactRole', 'OpportunityId');
  const hist = by('OpportunityHistory', 'OpportunityId');
  const steps = by('Buying_Commitment__c', 'Opportunity__c');
  const contactByEmail = new Map(org.records.Contact.map((c) => [String(c.Email), c.Id]));
  const out = new Map<string, Set<string>>();
  for (const o of org.records.Opportunity.filter((x) => !x.IsClosed)) {
    const id = o.Id;
    const T = tasks.get(id) ?? [];
    const yeses: { at: number; who: unknown }[] = [
      ...(events.get(id) ?? []).map((e) => ({ at: ms(e.StartDateTime), who: e.WhoId })),
      ...(emails.get(id) ?? [])
        .filter((e) => e.Incoming)
        .map((e) => ({ at: ms(e.MessageDate), who: contactByEmail.get(String(e.FromAddress)) })),
      ...T.filter((t) => t.CallType === 'Inbound').map((t) => ({ at: ms(t.CreatedDate), who: t.WhoId })),
      ...(steps.get(id) ?? [])
        .filter((s) => s.Owner_Side__c === 'Customer' && s.Completed_Date__c)
        .map((s) => ({ at: ms(s.Completed_Date__c), who: s.Contact__c })),
    ];
    const seller30 = T.filter((t) => t.CallType !== 'Inbound' && ms(t.CreatedDate) >= NOW - 30 * DAY).length;
    const yes30 = yeses.filter((y) => y.at >= NOW - 30 * DAY).length;
    const lastYes = Math.max(-Infinity, ...yeses.map((y) => y.at));
    const engaged = new Set(yeses.filter((y) => y.at >= NOW - 45 * DAY).map((y) => y.who)).size;
    const stageIdx = STAGES.findIndex((s) => s.name === o.StageName);
    const proposalPlus = stageIdx >= 6;
    const roleNames = (roles.get(id) ?? []).map((r) => r.Role);
    const cust = (steps.get(id) ?? []).filter((s) => s.Owner_Side__c === 'Customer');
    const daysToQe = (quarterEnd(ms(o.CloseDate)) - ms(o.CloseDate)) / DAY;
    const H = (hist.get(id) ?? []).sort((a, b) => ms(a.CreatedDate) - ms(b.CreatedDate));
    const stageMoves = H.filter((h, i) => i > 0 && h.StageName !== H[i - 1].StageName);
    const lastMove = stageMoves[stageMoves.length - 1];
    const prevMove = stageMoves[stageMoves.length - 2] ?? H[0];
    const reason = Boolean(o.Compelling_Event__c || o.Cost_Of_Delay__c || o.Customer_Decision_Date__c);
    const s = new Set<string>();
    if (seller30 >= 6 && yes30 / seller30 < 0.25) s.add('ONE_SIDED_EFFORT');
    if (NOW - lastYes > 21 * DAY) s.add('NO_RECENT_CUSTOMER_YES');
    if (proposalPlus && !o.Compelling_Event__c && !o.Cost_Of_Delay__c) s.add('NO_REASON_TO_ACT');
    if (daysToQe < 7 && !o.Customer_Decision_Date__c && !o.Compelling_Event__c)
      s.add('SELLER_DRIVEN_CLOSE_DATE');
    if (H.filter((h) => h.PrevCloseDate && ms(h.CloseDate) > ms(h.PrevCloseDate)).length >= 2)
      s.add('CLOSE_DATE_SLIPPING');
    if (engaged <= 1) s.add('SINGLE_THREADED');
    if (proposalPlus && !roleNames.some((r) => r === 'Economic Buyer' || r === 'Decision Maker'))
      s.add('NO_DECISION_MAKER');
    if (proposalPlus && cust.length === 0) s.add('NO_MUTUAL_PLAN');
    if (cust.some((c) => !c.Completed_Date__c && ms(c.Due_Date__c) < NOW - 7 * DAY))
      s.add('CUSTOMER_STEPS_OVERDUE');
    if (Number(o.Amount) >= 100000 && !o.Strategic_Initiative__c && !roleNames.includes('Executive Sponsor'))
      s.add('NOT_STRATEGICALLY_ALIGNED');
    if (
      lastMove &&
      NOW - ms(lastMove.CreatedDate) <= 14 * DAY &&
      !yeses.some((y) => y.at >= ms(prevMove.CreatedDate))
    ) {
      s.add('STAGE_AHEAD_OF_COMMITMENT');
    }
    if (Number(o.Discount_Percent__c) > 0 && daysToQe < 14 && !reason) s.add('DISCOUNT_TO_ACCELERATE');
    out.set(id, s);
  }
  return out;
}

describe('org generator', () => {
  const org = generateOrg({ deals: 200, seed: 7, now: NOW });

  it('is deterministic per seed and differs between seeds', () => {
    expect(JSON.stringify(generateOrg({ deals: 200, seed: 7, now: NOW }))).toBe(JSON.stringify(org));
    expect(JSON.stringify(generateOrg({ deals: 200, seed: 8, now: NOW }))).not.toBe(JSON.stringify(org));
  });

  it('builds every object the product reads, with probabilities matching stages', () => {
    for (const obj of [
      'User',
      'Account',
      'Contact',
      'Opportunity',
      'Task',
      'Event',
      'EmailMessage',
      'OpportunityContactRole',
      'OpportunityHistory',
      'Buying_Commitment__c',
    ]) {
      expect(org.records[obj].length).toBeGreaterThan(0);
    }
    expect(org.records.Opportunity).toHaveLength(200);
    for (const o of org.records.Opportunity) {
      expect(o.Probability).toBe(STAGES.find((s) => s.name === o.StageName)?.probability);
      expect(o.Commitment_Score__c ?? null).toBeNull();
    }
    const stages = new Set(org.records.Opportunity.map((o) => o.StageName));
    expect(stages.size).toBe(STAGES.length);
    const emails = org.records.EmailMessage;
    expect(emails.some((e) => e.Incoming === true) && emails.some((e) => e.Incoming === false)).toBe(true);
    expect(org.records.User.some((u) => u.Id === org.integrationUserId)).toBe(true);
  });

  it('contains every default flag situation and healthy deals', () => {
    const sit = situations(org);
    for (const code of FLAG_CODES) {
      expect([code, [...sit.values()].some((s) => s.has(code))]).toEqual([code, true]);
    }
    const healthy = [...sit.values()].filter((s) => s.size === 0).length;
    expect(healthy).toBeGreaterThan(10);
  });

  it('plants a commitment effect of the asked strength on closed deals, or none', () => {
    const wonGap = (effect: number): number => {
      const o = generateOrg({ deals: 1500, seed: 3, now: NOW, plantedEffect: effect, closedShare: 1 });
      const yes = new Map<string, number>();
      for (const e of o.records.Event) yes.set(String(e.WhatId), (yes.get(String(e.WhatId)) ?? 0) + 1);
      const closed = o.records.Opportunity.filter((x) => x.IsClosed);
      const rate = (rows: SObjectRecord[]) => rows.filter((r) => r.IsWon).length / rows.length;
      const sorted = [...closed].sort((a, b) => (yes.get(a.Id) ?? 0) - (yes.get(b.Id) ?? 0));
      const half = Math.floor(sorted.length / 2);
      return rate(sorted.slice(half)) - rate(sorted.slice(0, half));
    };
    expect(wonGap(4)).toBeGreaterThan(0.3);
    expect(Math.abs(wonGap(0))).toBeLessThan(0.08);
  });
});

describe('the sandbox org schema', () => {
  it('restricts the flags picklist to exactly the default rulebook flag codes, as the manifests do', () => {
    const codes = loadRulebookFile().source.flags.map((f) => f.code);
    expect([...FLAG_CODES]).toEqual(codes);
  });
});
