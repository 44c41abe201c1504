/**
 * The history reader: closed deals from a snapshot file (one per line) or from the org, turned into
 * horizon views (each deal as it looked H days before its close) for every rulebook and horizon.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Connection } from 'jsforce';
import { ScorerError } from '../lib/errors';
import type { Rulebook } from '../rules/load-rulebook';
import {
  activityDaysFor,
  countClosedDeals,
  fieldsWithHistory,
  loadClosedDeals,
} from '../salesforce/load-closed-deals';
import type { ApiCallCounter } from '../salesforce/paged-query';
import {
  mayLeak,
  toClosedDeal,
  trackedFieldsOf,
  TRACKED_INPUTS,
  type ClosedDeal,
  type TrackedInput,
} from './closed-deals';
import { viewAtHorizon, type HorizonView } from './horizon-view';

export interface History {
  deals: number;
  /** Deals that read an untracked reason-to-act input as it is now (it may have been filled in later). */
  leaking: number;
  tracked: TrackedInput[];
  untracked: TrackedInput[];
  views: HorizonView[];
  /** The close dates covered, YYYY-MM-DD. */
  from: string | null;
  to: string | null;
}

export interface HistoryOptions {
  rulebooks: readonly Rulebook[];
  horizons: readonly number[];
  onProgress?: (p: { done: number; total: number }) => void;
}

/** Builds the views chunk by chunk, so only the samples (not the deals) are kept. */
class HistoryBuilder {
  readonly history: History;
  private readonly tracked: ReadonlySet<TrackedInput>;

  constructor(
    private readonly opts: HistoryOptions,
    tracked: ReadonlySet<TrackedInput>,
  ) {
    this.tracked = tracked;
    this.history = {
      deals: 0,
      leaking: 0,
      tracked: TRACKED_INPUTS.filter((k) => tracked.has(k)),
      untracked: TRACKED_INPUTS.filter((k) => !tracked.has(k)),
      views: opts.horizons.map((h) => ({ horizonDays: h, samples: [], notYetCreated: 0, noOpenStage: 0 })),
      from: null,
      to: null,
    };
  }

  add(deals: readonly ClosedDeal[]): void {
    const h = this.history;
    for (const d of deals) {
      h.deals++;
      if (mayLeak(d, this.tracked)) h.leaking++;
      const day = new Date(d.closeAt).toISOString().slice(0, 10);
      if (h.from === null || day < h.from) h.from = day;
      if (h.to === null || day > h.to) h.to = day;
    }
    h.views.forEach((view, i) => {
      const part = viewAtHorizon(deals, this.opts.rulebooks, this.tracked, this.opts.horizons[i]);
      for (const s of part.samples) view.samples.push(s);
      view.notYetCreated += part.notYetCreated;
      view.noOpenStage += part.noOpenStage;
    });
  }
}

/** One closed-deal snapshot per line; blank lines are skipped; a bad line is named by number. */
export async function readSnapshotsFile(file: string, rulebook: Rulebook): Promise<ClosedDeal[]> {
  const deals: ClosedDeal[] = [];
  const stream = createReadStream(file, 'utf8');
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new ScorerError('INPUT_UNREADABLE', `Cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ScorerError('SNAPSHOT_INVALID', `${file}:${line}: not JSON (${(err as Error).message})`);
    }
    deals.push(toClosedDeal(raw, rulebook, `${file}:${line}`));
  }
  return deals;
}

export async function historyFromFile(file: string, opts: HistoryOptions): Promise<History> {
  return historyFromDeals(await readSnapshotsFile(file, opts.rulebooks[0]), opts);
}

/** Deals already in memory; the inputs count as tracked when any deal has history rows for them. */
export function historyFromDeals(deals: readonly ClosedDeal[], opts: HistoryOptions): History {
  const builder = new HistoryBuilder(opts, trackedFieldsOf(deals, opts.rulebooks[0]));
  const step = 200;
  for (let i = 0; i < deals.length; i += step) {
    builder.add(deals.slice(i, i + step));
    opts.onProgress?.({ done: Math.min(deals.length, i + step), total: deals.length });
  }
  return builder.history;
}

export interface OrgHistoryOptions extends HistoryOptions, ApiCallCounter {
  from: string;
  to: string;
  now: number;
}

export async function historyFromOrg(conn: Connection, opts: OrgHistoryOptions): Promise<History> {
  const rulebook = opts.rulebooks[0];
  // An input switched off for this org (it lacks the field) has no history to read.
  const names = TRACKED_INPUTS.flatMap((k) => rulebook.fields.inputs[k] ?? []);
  const withHistory = await fieldsWithHistory(conn, names, opts);
  const tracked = new Set(
    TRACKED_INPUTS.filter((k) => {
      const name = rulebook.fields.inputs[k];
      return name !== undefined && withHistory.has(name);
    }),
  );
  const query = {
    from: opts.from,
    to: opts.to,
    fields: rulebook.fields,
    trackedFields: names.filter((n) => withHistory.has(n)),
    activityDays: activityDaysFor(opts.from, Math.max(...opts.horizons), opts.now),
    onApiCall: opts.onApiCall,
    metrics: opts.metrics,
  };
  const total = await countClosedDeals(conn, query);
  const builder = new HistoryBuilder(opts, tracked);
  opts.onProgress?.({ done: 0, total });
  let done = 0;
  await loadClosedDeals(conn, query, (snapshots) => {
    builder.add(snapshots.map((s) => toClosedDeal(s, rulebook, `opportunity ${String(s.opportunity.Id)}`)));
    done += snapshots.length;
    opts.onProgress?.({ done, total: Math.max(total, done) });
  });
  return builder.history;
}
