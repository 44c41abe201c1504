import { isScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { chunk, MAX_IDS_PER_QUERY, OPPORTUNITY_PREFIX, to18 } from '../salesforce/ids';
import type { ResolveRequest } from '../salesforce/resolve-parents';
import type { DeadLetter, DeadLetterStore } from '../state/dead-letters';
import { processBatch, type BatchDeps } from './process-batch';

/**
 * `dead-letters retry`: the deals behind the dead letters go through the same batch path as a change
 * event (load, score, plan, write), against the org as it is now. The file is moved aside first, so
 * a running service keeps adding to a fresh one meanwhile; letters that name no deal (an event whose
 * record ids were unreadable) and those whose batch failed again are put back, and deals the org
 * refuses again come back as new letters from the write-back.
 */

/** Related records whose opportunity is one lookup away, by their id's key prefix. */
const PARENT_BY_PREFIX: Record<string, Omit<ResolveRequest, 'recordIds'>> = {
  '00T': { entity: 'Task', field: 'WhatId' },
  '00U': { entity: 'Event', field: 'WhatId' },
  '00K': { entity: 'OpportunityContactRole', field: 'OpportunityId' },
};

export interface ReplayDeps {
  store: DeadLetterStore;
  batch: BatchDeps;
  resolve: (req: ResolveRequest) => Promise<string[]>;
  logger: Logger;
  now: () => Date;
}

export interface ReplayResult {
  letters: number;
  /** Letters put back: no deal could be named, or their batch failed again. */
  kept: number;
  deals: number;
  scored: number;
  written: number;
  deadLettered: number;
  failedBatches: number;
  unreadableLines: number;
}

export async function replayDeadLetters(deps: ReplayDeps): Promise<ReplayResult> {
  await deps.store.moveAside(deps.now());
  const aside = (await deps.store.files()).filter((f) => f !== deps.store.file);
  const letters: DeadLetter[] = [];
  let unreadableLines = 0;
  for (const file of aside) {
    const read = await deps.store.read(file);
    letters.push(...read.letters);
    unreadableLines += read.unreadable.length;
  }
  const result: ReplayResult = {
    letters: letters.length,
    kept: 0,
    deals: 0,
    scored: 0,
    written: 0,
    deadLettered: 0,
    failedBatches: 0,
    unreadableLines,
  };

  const dealsOf = new Map<DeadLetter, string[]>();
  // Side by side, so the lookups of related records share the resolver's queries.
  await Promise.all(letters.map(async (letter) => dealsOf.set(letter, await dealIds(letter, deps))));
  const keep = new Set(letters.filter((l) => (dealsOf.get(l) ?? []).length === 0));
  const all = [...new Set([...dealsOf.values()].flat())];
  result.deals = all.length;

  for (const ids of chunk(all, MAX_IDS_PER_QUERY)) {
    try {
      const outcome = await processBatch(ids, deps.batch);
      result.scored += outcome.scored;
      result.written += outcome.written;
      result.deadLettered += outcome.deadLettered;
    } catch (err) {
      result.failedBatches++;
      deps.logger.error({ err, code: isScorerError(err) ? err.code : undefined }, 'A retried batch failed');
      const failed = new Set(ids);
      for (const [letter, deals] of dealsOf) if (deals.some((id) => failed.has(id))) keep.add(letter);
    }
  }

  let allKept = true;
  for (const letter of keep) allKept = (await deps.store.add(letter)) && allKept;
  result.kept = keep.size;
  // Only once every kept letter is back in the live file may the moved-aside copies go.
  if (allKept) for (const file of aside) await deps.store.remove(file);
  return result;
}

async function dealIds(letter: DeadLetter, deps: ReplayDeps): Promise<string[]> {
  const ids: string[] = [];
  for (const raw of letter.recordIds) {
    if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(raw)) continue;
    const prefix = raw.slice(0, 3);
    if (prefix === OPPORTUNITY_PREFIX) {
      ids.push(to18(raw));
      continue;
    }
    const parent = PARENT_BY_PREFIX[prefix];
    if (!parent) continue;
    try {
      ids.push(...(await deps.resolve({ ...parent, recordIds: [raw] })));
    } catch (err) {
      deps.logger.warn({ err, recordId: raw }, 'Could not find the deal of a dead-lettered record');
    }
  }
  return ids;
}
