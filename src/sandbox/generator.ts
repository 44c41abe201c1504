/**
 * Deterministic org generator: the same seed and "now" always give the same org. Open deals are
 * healthy or carry one or more known problems (the first twelve open deals show one default flag
 * each), closed deals have a life before their close (generator-closed.ts) and outcomes whose
 * dependence on customer commitment is set by plantedEffect.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ScorerError, wrapError } from '../lib/errors';
import { DAY_MS } from './clock';
import { buildClosedDeal, closedTraits } from './generator-closed';
import { buildDeal, type DealContext, type DealProfile } from './generator-deal';
import { Rng } from './prng';
import { FLAG_CODES, OBJECTS } from './schema';
import { makeId, type SObjectRecord } from './store';

export interface GenerateOptions {
  deals: number;
  seed: number;
  /** Log-odds of winning per unit of (2·commitment − 1) on closed deals; 0 = outcomes ignore commitment. */
  plantedEffect?: number;
  /** Reference moment (epoch ms); the sandbox passes its clock. */
  now?: number;
  /** Share of deals that are closed (default 0.25). */
  closedShare?: number;
  /**
   * Whether the reason-to-act inputs of closed deals have field history (default true, as the
   * manifests turn tracking on); false stands in for an org that does not track them.
   */
  trackInputHistory?: boolean;
}

export interface GeneratedOrg {
  generatedAt: string;
  seed: number;
  integrationUserId: string;
  sellerUserId: string;
  records: Record<string, SObjectRecord[]>;
}

// Every flag situation the generator can plant: one per default flag code.
export const ARCHETYPES = FLAG_CODES;
export type Archetype = (typeof ARCHETYPES)[number];

const FIRST = [
  'Ana',
  'Ben',
  'Chen',
  'Dara',
  'Eli',
  'Fatima',
  'Goran',
  'Hana',
  'Ivan',
  'Jun',
  'Kofi',
  'Lena',
  'Mateo',
  'Nia',
  'Omar',
  'Priya',
];
const LAST = [
  'Garcia',
  'Smith',
  'Okafor',
  'Kowalski',
  'Tanaka',
  'Müller',
  'Rossi',
  'Dubois',
  'Silva',
  'Nguyen',
  'Haddad',
  'Berg',
];
const COMPANY = [
  'Northwind',
  'Contoso',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Acme',
  'Hooli',
  'Vandelay',
  'Tyrell',
  'Cyberdyne',
];
const SUFFIX = ['Industries', 'Logistics', 'Health', 'Foods', 'Energy', 'Bank', 'Retail', 'Systems'];
const TITLES = [
  'CFO',
  'VP Operations',
  'IT Director',
  'Procurement Manager',
  'Head of Finance',
  'CTO',
  'Project Lead',
];

export function quarterEnd(ms: number): number {
  const d = new Date(ms);
  const q = Math.floor(d.getUTCMonth() / 3);
  return Date.UTC(d.getUTCFullYear(), q * 3 + 3, 0);
}

/** A close date `daysBefore` the end of a quarter that is still ahead of now. */
function quarterEndDate(now: number, daysBefore: number): string {
  let qe = quarterEnd(now);
  if (qe - daysBefore * DAY_MS < now + 2 * DAY_MS) qe = quarterEnd(qe + 5 * DAY_MS);
  return new Date(qe - daysBefore * DAY_MS).toISOString().slice(0, 10);
}

/** A close date away from the last 14 days of its quarter, so quarter-end flags stay quiet. */
function calmCloseDate(rng: Rng, now: number): string {
  let at = now + rng.int(20, 100) * DAY_MS;
  if (quarterEnd(at) - at < 15 * DAY_MS) at -= 16 * DAY_MS;
  return new Date(at).toISOString().slice(0, 10);
}

function healthy(rng: Rng, now: number, stageIdx: number): DealProfile {
  const stageAdvancedDaysAgo = rng.int(20, 50);
  return {
    stageIdx,
    amount: rng.int(10, 95) * 1000,
    closeDate: calmCloseDate(rng, now),
    createdDaysAgo: stageAdvancedDaysAgo + rng.int(40, 150),
    sellerActions30: rng.int(3, 6),
    yeses30: rng.int(3, 5),
    lastYesDaysAgo: rng.int(1, 8),
    engagedContacts: rng.int(2, 4),
    roles: ['Economic Buyer', rng.pick(['Technical Buyer', 'Evaluator', 'Influencer']), 'Executive Sponsor'],
    compelling: true,
    costOfDelay: true,
    decisionDate: true,
    strategic: true,
    pushes: rng.int(0, 1),
    stageAdvancedDaysAgo,
    prevStageDaysAgo: stageAdvancedDaysAgo + rng.int(15, 35),
    customerSteps: rng.int(2, 4),
    overdueSteps: 0,
    discount: 0,
  };
}

export function applyArchetype(p: DealProfile, a: Archetype, rng: Rng, now: number): void {
  const proposalPlus = (): void => void (p.stageIdx = Math.max(p.stageIdx, rng.int(6, 7)));
  const fixes: Record<Archetype, () => void> = {
    ONE_SIDED_EFFORT: () =>
      Object.assign(p, {
        sellerActions30: rng.int(8, 12),
        yeses30: 1,
        lastYesDaysAgo: rng.int(5, 15),
        engagedContacts: 1,
      }),
    NO_RECENT_CUSTOMER_YES: () => {
      p.lastYesDaysAgo = rng.int(25, 40);
      p.yeses30 = p.lastYesDaysAgo <= 29 ? 1 : 0;
    },
    NO_REASON_TO_ACT: () => {
      proposalPlus();
      Object.assign(p, { compelling: false, costOfDelay: false });
    },
    SELLER_DRIVEN_CLOSE_DATE: () =>
      Object.assign(p, {
        closeDate: quarterEndDate(now, rng.int(0, 6)),
        decisionDate: false,
        compelling: false,
      }),
    CLOSE_DATE_SLIPPING: () => void (p.pushes = rng.int(2, 3)),
    SINGLE_THREADED: () => void (p.engagedContacts = 1),
    NO_DECISION_MAKER: () => {
      proposalPlus();
      p.roles = ['Technical Buyer', 'Evaluator'];
    },
    NO_MUTUAL_PLAN: () => {
      proposalPlus();
      Object.assign(p, { customerSteps: 0, overdueSteps: 0 });
    },
    CUSTOMER_STEPS_OVERDUE: () => Object.assign(p, { customerSteps: 3, overdueSteps: rng.int(1, 2) }),
    NOT_STRATEGICALLY_ALIGNED: () => {
      Object.assign(p, { amount: rng.int(120, 400) * 1000, strategic: false });
      p.roles = p.roles.filter((r) => r !== 'Executive Sponsor');
    },
    STAGE_AHEAD_OF_COMMITMENT: () => {
      p.stageIdx = Math.max(1, p.stageIdx);
      p.stageAdvancedDaysAgo = rng.int(2, 10);
      p.prevStageDaysAgo = p.stageAdvancedDaysAgo + rng.int(10, 18);
      p.lastYesDaysAgo = p.prevStageDaysAgo + rng.int(3, 8);
      p.yeses30 = p.lastYesDaysAgo <= 29 ? 1 : 0;
      p.engagedContacts = Math.min(p.engagedContacts, 2);
    },
    DISCOUNT_TO_ACCELERATE: () =>
      Object.assign(p, {
        discount: rng.int(10, 25),
        closeDate: quarterEndDate(now, rng.int(7, 13)),
        compelling: false,
        costOfDelay: false,
        decisionDate: false,
        strategic: false,
      }),
  };
  fixes[a]();
}

export function generateOrg(opts: GenerateOptions): GeneratedOrg {
  const rng = new Rng(opts.seed);
  const now = opts.now ?? Date.now();
  const records: Record<string, SObjectRecord[]> = Object.fromEntries(
    Object.keys(OBJECTS).map((k) => [k, []]),
  );
  let counter = 1;
  const newId = (obj: string): string => makeId(OBJECTS[obj].keyPrefix, counter++);
  const emit = (obj: string, rec: SObjectRecord): void => void records[obj].push(rec);
  const created = new Date(now - 400 * DAY_MS).toISOString();
  const sysf = { CreatedDate: created, LastModifiedDate: created, SystemModstamp: created, IsDeleted: false };

  const user = (name: string, email: string): string => {
    const id = newId('User');
    emit('User', { Id: id, ...sysf, Name: name, Email: email, Username: email, IsActive: true });
    return id;
  };
  const integrationUserId = user('Commitment Scorer Integration', 'integration@sandbox.example');
  const sellers = Array.from({ length: Math.min(40, Math.max(3, Math.ceil(opts.deals / 40))) }, (_, i) =>
    user(`${FIRST[i % FIRST.length]} ${LAST[(i * 5) % LAST.length]}`, `seller${i + 1}@sandbox.example`),
  );
  const accounts = Array.from({ length: Math.max(2, Math.ceil(opts.deals / 3)) }, (_, i) => {
    const id = newId('Account');
    const name = `${COMPANY[i % COMPANY.length]} ${SUFFIX[Math.floor(i / COMPANY.length) % SUFFIX.length]}${i >= 96 ? ` ${i}` : ''}`;
    emit('Account', { Id: id, ...sysf, Name: name, OwnerId: sellers[i % sellers.length], Industry: null });
    const contacts = Array.from({ length: rng.int(3, 6) }, (_, j) => {
      const cid = newId('Contact');
      const [fn, ln] = [rng.pick(FIRST), rng.pick(LAST)];
      const email = `${fn}.${ln}${i}${j}@customer${i}.example`.toLowerCase();
      emit('Contact', {
        Id: cid,
        ...sysf,
        AccountId: id,
        FirstName: fn,
        LastName: ln,
        Name: `${fn} ${ln}`,
        Email: email,
        Title: rng.pick(TITLES),
      });
      return { id: cid, email };
    });
    return { id, name, contacts };
  });

  const closedShare = opts.closedShare ?? 0.25;
  let showcase = 0;
  for (let i = 0; i < opts.deals; i++) {
    const acct = accounts[i % accounts.length];
    const ctx: DealContext = {
      rng,
      now,
      newId,
      emit,
      ownerId: sellers[i % sellers.length],
      accountId: acct.id,
      accountName: acct.name,
      contacts: acct.contacts,
      name: `${acct.name} - ${rng.pick(['Platform', 'Expansion', 'Renewal', 'Pilot', 'Rollout'])} ${i + 1}`,
    };
    const isShowcase = showcase < ARCHETYPES.length && i % 4 !== 3;
    if (!isShowcase && rng.next() < closedShare) {
      const traits = closedTraits(rng, opts.plantedEffect ?? 0);
      const closeAt = now - rng.int(5, 300) * DAY_MS;
      buildClosedDeal(traits, { ...ctx, now: closeAt }, opts.trackInputHistory ?? true);
      continue;
    }
    const p = healthy(rng, now, rng.int(0, 7));
    if (isShowcase) applyArchetype(p, ARCHETYPES[showcase++], rng, now);
    else if (rng.chance(0.55))
      for (const a of rng.sample(ARCHETYPES, rng.int(1, 3))) applyArchetype(p, a, rng, now);
    buildDeal(p, ctx);
  }
  return {
    generatedAt: new Date(now).toISOString(),
    seed: opts.seed,
    integrationUserId,
    sellerUserId: sellers[0],
    records,
  };
}

/** Written to a temporary file and renamed, so an interrupted save never leaves half an org behind. */
export function saveOrg(file: string, org: GeneratedOrg): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(org));
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw wrapError(err, 'INPUT_UNREADABLE', `Cannot save the sandbox org to ${file}`);
  }
}

export function loadOrg(file: string): GeneratedOrg {
  let org: GeneratedOrg;
  try {
    org = JSON.parse(readFileSync(file, 'utf8')) as GeneratedOrg;
  } catch (err) {
    throw wrapError(err, 'INPUT_UNREADABLE', `Cannot load the sandbox org from ${file}`);
  }
  if (!org?.records || !org.integrationUserId) {
    throw new ScorerError(
      'INPUT_UNREADABLE',
      `${file} is not a sandbox org file (no records or integrationUserId)`,
    );
  }
  return org;
}
