import { Connection } from 'jsforce';
import { planWrites } from '../../../src/pipeline/plan-writes';
import { DEFAULT_RULEBOOK_FILE, loadRulebookFile } from '../../../src/rules/load-rulebook';
import { loadSnapshots, type DealSnapshot } from '../../../src/salesforce';
import type { Sandbox } from '../../../src/sandbox';
import { CUSTOM_CHANNEL, type StoredEvent } from '../../../src/sandbox/change-events';
import { STAGES } from '../../../src/sandbox/schema';
import { scoreSnapshot } from '../../../src/scoring';
import { CheckpointStore } from '../../../src/state/checkpoint-store';
import { DeadLetterStore, type DeadLetter } from '../../../src/state/dead-letters';

/**
 * What the acceptance tests compare the service against: the org's own records, scored afresh with
 * the same pure core and the shipped rulebook, read over REST with the seller's token (so faults on
 * the integration user's token do not blind the oracle).
 */

export const rulebook = loadRulebookFile(DEFAULT_RULEBOOK_FILE);
export const OUTPUTS = rulebook.fields.outputs;

export function readerConnection(sandbox: Sandbox): Connection {
  return new Connection({
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.sellerToken,
    version: '62.0',
  });
}

/**
 * Deals whose stored outputs are not what scoring their current records gives. Each deal is scored as
 * of its own stored scored-at stamp, the moment the service claims the values for, so a time window
 * that closes between the service's scoring and this check cannot make a correct deal look stale.
 */
export async function staleDeals(sandbox: Sandbox, ids: readonly string[]): Promise<string[]> {
  const { snapshots, current } = await loadSnapshots(readerConnection(sandbox), ids, rulebook.fields);
  const results = [...snapshots].map(([id, snapshot]) => {
    const stamp = current.get(id)?.[OUTPUTS.scoredAt];
    const asOf = typeof stamp === 'string' ? Date.parse(stamp) : Date.now();
    return scoreSnapshot(snapshot, rulebook, asOf);
  });
  const missing = ids.filter((id) => !snapshots.has(to18(sandbox, id)));
  return [...missing, ...planWrites(results, current, OUTPUTS).map((u) => u.Id)];
}

const OPEN_STAGES = STAGES.filter((s) => !s.name.startsWith('Closed'));

/**
 * For each deal, a stage move that changes its outputs (scored now with the stage, probability and
 * forecast category the org derives from it), so a lost change shows as a missing write. Deals for
 * which no open stage changes anything are left out.
 */
export async function changesThatRescore(
  sandbox: Sandbox,
  ids: readonly string[],
): Promise<Map<string, { StageName: string }>> {
  const { snapshots, current } = await loadSnapshots(readerConnection(sandbox), ids, rulebook.fields);
  const out = new Map<string, { StageName: string }>();
  for (const [id, snapshot] of snapshots) {
    const stage = OPEN_STAGES.slice()
      .sort((a, b) => distance(b, snapshot) - distance(a, snapshot))
      .find((s) => {
        const opp = snapshot.opportunity;
        // The org records the move in stage history, which is where scoring reads the probability.
        const row = {
          ...snapshot.history[snapshot.history.length - 1],
          StageName: s.name,
          Probability: s.probability,
          ForecastCategory: s.forecast,
          Amount: opp.Amount,
          PrevAmount: opp.Amount,
          CloseDate: opp.CloseDate,
          PrevCloseDate: opp.CloseDate,
          CreatedDate: new Date().toISOString(),
        };
        const moved: DealSnapshot = {
          ...snapshot,
          opportunity: {
            ...opp,
            StageName: s.name,
            Probability: s.probability,
            ForecastCategoryName: s.forecast,
          },
          history: [...snapshot.history, row],
        };
        const result = scoreSnapshot(moved, rulebook, Date.now());
        return planWrites([result], current, OUTPUTS).length > 0;
      });
    if (stage) out.set(id, { StageName: stage.name });
  }
  return out;
}

function distance(stage: (typeof STAGES)[number], snapshot: DealSnapshot): number {
  return Math.abs(stage.probability - Number(snapshot.opportunity.Probability ?? 0));
}

function to18(sandbox: Sandbox, id: string): string {
  return String(sandbox.store.get('Opportunity', id)?.Id ?? id);
}

/** Our writes to each opportunity in the write log from position `from` on. */
export function writesSince(sandbox: Sandbox, from: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of sandbox.writeLog.slice(from)) {
    if (w.object !== 'Opportunity' || w.userId !== sandbox.integrationUserId) continue;
    out.set(w.id, (out.get(w.id) ?? 0) + 1);
  }
  return out;
}

/**
 * A seller's edit made inside the sandbox (its one write path: validated, logged, published as a
 * change event) rather than over REST, for moments when REST faults would hit the seller too.
 * Returns the replay id of the change event it published.
 */
export function sellerEdit(sandbox: Sandbox, id: string, fields: Record<string, unknown>): number {
  const result = sandbox.core.writes.update('Opportunity', id, fields, {
    userId: sandbox.sellerUserId,
    clientId: null,
  });
  if (!result.success) throw new Error(`seller edit of ${id} failed: ${JSON.stringify(result.errors)}`);
  return sandbox.core.bus.lastReplayId();
}

/** Edits stored outputs without any change event, as drift a sweep (or a gap event) must repair. */
export function tamperOutputs(sandbox: Sandbox, id: string): void {
  const rec = sandbox.store.get('Opportunity', id);
  if (!rec) throw new Error(`no opportunity ${id}`);
  sandbox.store.put('Opportunity', {
    ...rec,
    [OUTPUTS.score]: -1,
    [OUTPUTS.rulesVersion]: 'tampered@00000000',
  });
}

export function isTampered(sandbox: Sandbox, id: string): boolean {
  return sandbox.store.get('Opportunity', id)?.[OUTPUTS.rulesVersion] === 'tampered@00000000';
}

/** Retained change events on the service's channel that name this record. */
export function eventsNaming(sandbox: Sandbox, id: string): StoredEvent[] {
  return sandbox.core.bus
    .retained(CUSTOM_CHANNEL, -2)
    .filter((ev) => ev.data.payload.ChangeEventHeader.recordIds.includes(id));
}

/** The replay id the service last wrote to STATE_DIR, or undefined before its first checkpoint. */
export async function savedCheckpoint(stateDir: string): Promise<number | undefined> {
  return new CheckpointStore(stateDir, CUSTOM_CHANNEL).load();
}

export async function deadLetters(stateDir: string): Promise<DeadLetter[]> {
  return new DeadLetterStore(stateDir).list();
}

/** A prom-client counter's value for the given labels (summed over the others). */
export async function counter(
  metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> },
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Seller edits over REST, in sObject Collections of 200 as a bulk edit or an integration would send them. */
export async function sellerBulkUpdate(
  seller: Connection,
  rows: { Id: string; [field: string]: unknown }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    const results = await seller.sobject('Opportunity').update(rows.slice(i, i + 200), { allOrNone: true });
    const failed = results.filter((r) => !r.success);
    if (failed.length > 0) throw new Error(`seller update failed: ${JSON.stringify(failed[0])}`);
  }
}
