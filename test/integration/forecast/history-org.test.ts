import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { historyFromDeals, historyFromOrg, type History } from '../../../src/forecast/history';
import { toClosedDeal } from '../../../src/forecast/closed-deals';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { createConnection, type ApiCallKind } from '../../../src/salesforce';
import { generateOrg, saveOrg, SandboxClock } from '../../../src/sandbox';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { closedSnapshots } from '../../../src/sandbox/closed-snapshots';

const NOW = Date.parse('2026-11-15T12:00:00Z');
const rulebook = loadRulebookFile();
const horizons = [30, 90];

async function withSandbox<T>(
  opts: { deals: number; trackInputHistory?: boolean; pageSize?: number },
  fn: (sb: Sandbox, file: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'history-org-'));
  const file = path.join(dir, 'org.json');
  saveOrg(
    file,
    generateOrg({
      deals: opts.deals,
      seed: 8,
      now: NOW,
      plantedEffect: 1,
      closedShare: 1,
      trackInputHistory: opts.trackInputHistory,
    }),
  );
  const sb = await startSandbox({
    port: 0,
    dataFile: file,
    clock: new SandboxClock(new Date(NOW)),
    queryBatchSize: opts.pageSize,
    logger: pino({ level: 'silent' }),
  });
  try {
    return await fn(sb, file);
  } finally {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const connectTo = (sb: Sandbox) =>
  createConnection({
    instanceUrl: sb.instanceUrl,
    accessToken: sb.accessToken,
    apiVersion: sb.apiVersion,
    clientId: 'history-test',
  });

function sameSamples(a: History, b: History): void {
  expect(a.deals).toBe(b.deals);
  a.views.forEach((view, i) => {
    const byId = new Map(b.views[i].samples.map((s) => [s.id, s]));
    expect(view.samples.length).toBe(b.views[i].samples.length);
    for (const s of view.samples) expect([s.id, s]).toEqual([s.id, byId.get(s.id)]);
  });
}

describe('the history reader against the org', () => {
  it('reads closed deals in a CloseDate range through the paged loader, two queries per 200 deals', async () => {
    await withSandbox({ deals: 420 }, async (sb) => {
      const calls: ApiCallKind[] = [];
      const history = await historyFromOrg(connectTo(sb), {
        rulebooks: [rulebook],
        horizons,
        from: '2026-01-01',
        to: '2026-11-15',
        now: NOW,
        onApiCall: (k) => calls.push(k),
      });
      const expected = generateOrg({
        deals: 420,
        seed: 8,
        now: NOW,
        plantedEffect: 1,
        closedShare: 1,
      }).records.Opportunity.filter((o) => o.IsClosed && String(o.CloseDate) >= '2026-01-01');
      expect(history.deals).toBe(expected.length);
      expect(history.tracked).toEqual([
        'compellingEvent',
        'costOfDelay',
        'customerDecisionDate',
        'strategicInitiative',
      ]);
      expect(history.leaking).toBe(0);
      // 4 field-history checks, the count, one page of ids, then 2 queries per chunk of ≤ 200 deals,
      // each of which may take one more page when a chunk's rows pass a page (2,000 emails, say).
      const chunks = Math.ceil(expected.length / 200);
      expect(chunks).toBeGreaterThanOrEqual(2);
      expect(calls.length).toBeGreaterThanOrEqual(4 + 1 + 1 + 2 * chunks);
      expect(calls.length).toBeLessThanOrEqual(4 + 1 + 1 + 4 * chunks);
    });
  });

  it('sees each deal as the snapshot file does: same stage, flags and probabilities H days before', async () => {
    // Small query pages, so ids and subqueries are read page by page as a large org's are.
    await withSandbox({ deals: 260, pageSize: 150 }, async (sb) => {
      const fromOrg = await historyFromOrg(connectTo(sb), {
        rulebooks: [rulebook],
        horizons,
        from: '2025-01-01',
        to: '2026-12-31',
        now: NOW,
      });
      const org = generateOrg({ deals: 260, seed: 8, now: NOW, plantedEffect: 1, closedShare: 1 });
      const deals = closedSnapshots(org).map((s, i) => toClosedDeal(s, rulebook, `#${i}`));
      const fromFile = historyFromDeals(deals, { rulebooks: [rulebook], horizons });
      sameSamples(fromOrg, fromFile);
      expect(fromOrg.views[0].samples.length).toBeGreaterThan(200);
    });
  });

  it('counts the deals that read untracked inputs as they are now, where the org keeps no field history', async () => {
    await withSandbox({ deals: 150, trackInputHistory: false }, async (sb) => {
      const history = await historyFromOrg(connectTo(sb), {
        rulebooks: [rulebook],
        horizons,
        from: '2025-01-01',
        to: '2026-12-31',
        now: NOW,
      });
      expect(history.tracked).toEqual([]);
      expect(history.untracked).toHaveLength(4);
      const org = generateOrg({
        deals: 150,
        seed: 8,
        now: NOW,
        plantedEffect: 1,
        closedShare: 1,
        trackInputHistory: false,
      });
      const withInputs = org.records.Opportunity.filter(
        (o) =>
          o.IsClosed &&
          (o.Compelling_Event__c ||
            o.Cost_Of_Delay__c ||
            o.Customer_Decision_Date__c ||
            o.Strategic_Initiative__c),
      );
      expect(history.leaking).toBe(withInputs.length);
      expect(history.leaking).toBeGreaterThan(0);
    });
  });

  it('records an edit of a reason-to-act input as field history, as a tracking org does', async () => {
    await withSandbox({ deals: 40 }, async (sb) => {
      const conn = connectTo(sb);
      const open = [...sb.store.all('Opportunity')].find((o) => !o.IsClosed) as { Id: string };
      await conn
        .sobject('Opportunity')
        .update({ Id: open.Id, Cost_Of_Delay__c: 12000, Compelling_Event__c: 'Audit in May' });
      const rows = await conn.query<{ Field: string; NewValue: unknown }>(
        `SELECT Field, OldValue, NewValue FROM OpportunityFieldHistory WHERE OpportunityId = '${open.Id}'`,
      );
      const byField = new Map(rows.records.map((r) => [r.Field, r]));
      expect(byField.get('Cost_Of_Delay__c')?.NewValue).toBe(12000);
      // A long text area's change is recorded without its values.
      expect(byField.get('Compelling_Event__c')?.NewValue).toBeNull();
    });
  });

  it('finds no deals in a range with none', async () => {
    await withSandbox({ deals: 60 }, async (sb) => {
      const history = await historyFromOrg(connectTo(sb), {
        rulebooks: [rulebook],
        horizons,
        from: '2020-01-01',
        to: '2020-12-31',
        now: NOW,
      });
      expect(history.deals).toBe(0);
    });
  });
});
