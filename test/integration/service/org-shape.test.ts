import { Writable } from 'node:stream';
import pino from 'pino';
import { ScorerError, exitCodeFor } from '../../../src/lib/errors';
import { planWrites } from '../../../src/pipeline/plan-writes';
import { preflight } from '../../../src/pipeline/preflight';
import { loadSnapshots } from '../../../src/salesforce';
import type { Sandbox } from '../../../src/sandbox';
import { scoreSnapshot } from '../../../src/scoring';
import { openIds, sellerConnection, settled, startStack, until } from './stack';
import { readerConnection, rulebook, writesSince } from './org-oracle';

/**
 * The service against orgs that differ from the one manifests/ deploys: an optional input field never
 * deployed, an output field missing, a flags picklist without one of the rulebook's codes, an output
 * field the integration user may not edit. What it does is decided at start, from two describe calls.
 */

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

/** Deals whose stored outputs differ from a fresh scoring with the rulebook as it runs on this org. */
async function staleOnThisOrg(sandbox: Sandbox, ids: string[]): Promise<string[]> {
  const conn = readerConnection(sandbox);
  const fitted = (await preflight(conn, rulebook)).rulebook;
  const { snapshots, current } = await loadSnapshots(conn, ids, fitted.fields);
  const results = [...snapshots].map(([id, snap]) =>
    scoreSnapshot(snap, fitted, Date.parse(String(current.get(id)?.[fitted.fields.outputs.scoredAt]))),
  );
  return planWrites(results, current, fitted.fields.outputs).map((u) => u.Id);
}

describe('an org without Discount_Percent__c', () => {
  it('starts, says once that DISCOUNT_TO_ACCELERATE is off, lists it on /readyz, and writes every changed deal', async () => {
    const logs = captureLogs();
    const stack = await startStack({
      sandbox: { shape: { dropFields: ['Opportunity.Discount_Percent__c'] } },
      tuning: { logger: logs.logger },
    });
    try {
      // The first start scores every open deal once: no batch may fail on the missing field.
      await stack.service.sweep('test waits for the first sweep');
      await settled(stack);
      const open = openIds(stack.sandbox);
      const said = logs.lines.filter((l) => String(l.msg).includes('DISCOUNT_TO_ACCELERATE'));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatchObject({ level: 40, field: 'Discount_Percent__c' });
      expect(logs.lines.filter((l) => l.level === 50 || String(l.msg).includes('INVALID_FIELD'))).toEqual([]);

      const ready = (await (await fetch(`${stack.service.url}/readyz`)).json()) as {
        status: string;
        switchedOff: { field: string; flags: string[] }[];
      };
      expect(ready.status).toBe('ready');
      expect(ready.switchedOff).toEqual([
        expect.objectContaining({ field: 'Discount_Percent__c', flags: ['DISCOUNT_TO_ACCELERATE'] }),
      ]);

      // A seller's change is scored and written as on a full org.
      const from = stack.sandbox.writeLog.length;
      const seller = sellerConnection(stack.sandbox);
      // A cost of delay clears NO_REASON_TO_ACT: a change every one of these deals must show.
      const changed = [...stack.sandbox.store.all('Opportunity')]
        .filter((o) => String(o.Commitment_Flags__c ?? '').includes('NO_REASON_TO_ACT'))
        .map((o) => String(o.Id))
        .slice(0, 5);
      expect(changed.length).toBeGreaterThan(0);
      await seller
        .sobject('Opportunity')
        .update(
          changed.map((Id) => ({ Id, Cost_Of_Delay__c: 50_000, Compelling_Event__c: 'Board deadline' })),
        );
      await until(() => changed.every((id) => writesSince(stack.sandbox, from).has(id)));
      await settled(stack);
      const flags = [...stack.sandbox.store.all('Opportunity')]
        .map((o) => String(o.Commitment_Flags__c ?? ''))
        .join(';');
      expect(flags).not.toContain('DISCOUNT_TO_ACCELERATE');
      expect(stack.sandbox.writeLog.every((w) => !('Discount_Percent__c' in w.fields))).toBe(true);
      expect(await staleOnThisOrg(stack.sandbox, open)).toEqual([]);
    } finally {
      await stack.close();
    }
  });
});

describe('an org the outputs cannot be written to', () => {
  const refused = async (shape: Parameters<typeof startStack>[0]): Promise<ScorerError> => {
    const err = await startStack(shape).then(
      async (stack) => {
        await stack.close();
        throw new Error('the service started');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScorerError);
    return err as ScorerError;
  };

  it('refuses to start without an output field or with a flag code the picklist lacks, naming each with its fix', async () => {
    const err = await refused({
      sandbox: {
        shape: {
          dropFields: ['Opportunity.Commitment_Balance__c'],
          picklists: {
            'Opportunity.Commitment_Flags__c': [
              'ONE_SIDED_EFFORT',
              'NO_RECENT_CUSTOMER_YES',
              'NO_REASON_TO_ACT',
            ],
          },
          readOnlyFields: ['Opportunity.Commitment_Score__c'],
        },
      },
    });
    expect(err.code).toBe('ORG_SHAPE_INVALID');
    expect(exitCodeFor(err)).toBe(1); // what `serve` and `sweep` exit with
    expect(err.message).toMatch(
      /Opportunity\.Commitment_Balance__c \(output balance\) does not exist.*deploy manifests\//,
    );
    expect(err.message).toMatch(
      /Commitment_Score__c \(output score\) is read-only.*Commitment_Scorer_Integration/,
    );
    for (const code of ['SELLER_DRIVEN_CLOSE_DATE', 'CLOSE_DATE_SLIPPING', 'DISCOUNT_TO_ACCELERATE'])
      expect(err.message).toContain(`lacks the flag code ${code}`);
    expect(err.message).toContain('commitment-scorer manifests --rules FILE');
    expect(err.message).not.toContain('lacks the flag code ONE_SIDED_EFFORT');
    // 2 fields + 9 codes, each on its own line.
    expect(err.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(11);
  });
});
