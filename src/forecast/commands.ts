/**
 * `backtest` and `calibrate` after their flags are parsed: check every input and name what is wrong,
 * read the history, measure or fit, print. The CLI passes the org connection and the streams in.
 */
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'jsforce';
import { ScorerError } from '../lib/errors';
import { loadRulebookFile } from '../rules/load-rulebook';
import { parseDate } from '../scoring/dates';
import { DEFAULT_BOOTSTRAP, runBacktest } from './backtest';
import { calibrate } from './calibrate';
import { formatBacktest, formatCalibration, leakWarning, FORMATS, type Format } from './format-report';
import { historyFromFile, historyFromOrg, type History, type HistoryOptions } from './history';

export interface SourceFlags {
  from?: string;
  to?: string;
  snapshots?: string;
}

export interface CommandDeps {
  connect: () => Promise<Connection>;
  now: () => number;
  out: (text: string) => void;
  err: (text: string) => void;
  onProgress?: HistoryOptions['onProgress'];
  /** The rulebook the service uses (RULES_FILE or the shipped one): never overwritten. */
  activeRulesFile: string;
}

export const MAX_HORIZON_DAYS = 365;

/** `30,60,90` → [30, 60, 90]; anything that is not whole days from 0 to 365 is named. */
export function parseHorizons(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const out: number[] = [];
  for (const part of parts) {
    const n = Number(part);
    if (part === '' || !Number.isInteger(n) || n < 0 || n > MAX_HORIZON_DAYS)
      throw new ScorerError(
        'USAGE',
        `--horizon: "${part}" is not a horizon; give whole days from 0 to ${MAX_HORIZON_DAYS} before the close, comma-separated, e.g. 30,60,90`,
      );
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

export function parseFormat(text: string): Format {
  if (!(FORMATS as readonly string[]).includes(text))
    throw new ScorerError('USAGE', `--format: "${text}" is not a format; use ${FORMATS.join(', ')}`);
  return text as Format;
}

function checkSource(flags: SourceFlags): void {
  const range = flags.from !== undefined || flags.to !== undefined;
  if (range && flags.snapshots !== undefined)
    throw new ScorerError(
      'USAGE',
      'Give either --from and --to (closed deals from the org) or --snapshots FILE, not both',
    );
  if (!range && flags.snapshots === undefined)
    throw new ScorerError(
      'USAGE',
      'Say which closed deals to use: --from D --to D (from the org) or --snapshots FILE.jsonl',
    );
  if (range) checkRange(flags);
}

/** --from and --to go together, as YYYY-MM-DD dates, --from not after --to. */
export function checkRange(flags: { from?: string; to?: string }): void {
  for (const [name, value] of [
    ['--from', flags.from],
    ['--to', flags.to],
  ] as const) {
    if (value === undefined)
      throw new ScorerError('USAGE', `${name} is missing: --from and --to go together`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || parseDate(value) === undefined)
      throw new ScorerError('USAGE', `${name}: "${value}" is not a date; give YYYY-MM-DD, e.g. 2026-01-01`);
  }
  if ((flags.from as string) > (flags.to as string))
    throw new ScorerError('USAGE', `--from ${flags.from} is after --to ${flags.to}`);
}

async function readHistory(flags: SourceFlags, opts: HistoryOptions, deps: CommandDeps): Promise<History> {
  checkSource(flags);
  const history = flags.snapshots
    ? await historyFromFile(flags.snapshots, opts)
    : await historyFromOrg(await deps.connect(), {
        ...opts,
        from: flags.from as string,
        to: flags.to as string,
        now: deps.now(),
      });
  if (history.deals === 0)
    throw new ScorerError(
      'HISTORY_EMPTY',
      flags.snapshots
        ? `${flags.snapshots} holds no closed deals`
        : `The org has no closed deals with a CloseDate from ${flags.from} to ${flags.to}`,
    );
  return history;
}

export async function backtestCommand(
  flags: SourceFlags & { horizon: string; rules: string[]; format: string },
  deps: CommandDeps,
): Promise<void> {
  const horizons = parseHorizons(flags.horizon);
  const format = parseFormat(flags.format);
  if (flags.rules.length > 2) throw new ScorerError('USAGE', '--rules: compare at most two rulebooks');
  const files = flags.rules.length > 0 ? flags.rules : [deps.activeRulesFile];
  const rulebooks = files.map((f) => loadRulebookFile(f));
  const history = await readHistory(flags, { rulebooks, horizons, onProgress: deps.onProgress }, deps);
  const report = runBacktest(history, rulebooks, DEFAULT_BOOTSTRAP);
  deps.out(formatBacktest(report, format));
  const warning = leakWarning(report);
  // The table already ends with the warning; JSON and CSV keep stdout clean for programs.
  if (warning && format !== 'table') deps.err(`${warning}\n`);
}

export async function calibrateCommand(
  flags: SourceFlags & { horizon: string; rules?: string; out: string },
  deps: CommandDeps,
): Promise<void> {
  const horizons = parseHorizons(flags.horizon);
  if (horizons.length !== 1)
    throw new ScorerError(
      'USAGE',
      `--horizon: calibrate fits one horizon at a time, got ${horizons.join(', ')}`,
    );
  const baseFile = flags.rules ?? deps.activeRulesFile;
  checkOut(flags.out, baseFile, deps.activeRulesFile);
  const base = loadRulebookFile(baseFile);
  const history = await readHistory(
    flags,
    { rulebooks: [base], horizons, onProgress: deps.onProgress },
    deps,
  );
  const warning = leakWarning(history);
  if (warning) deps.err(`${warning}\n`);
  const result = calibrate(history.views[0], base, readFileSync(baseFile, 'utf8'), DEFAULT_BOOTSTRAP);
  try {
    writeFileSync(flags.out, result.yaml, { flag: 'wx' });
  } catch (err) {
    throw new ScorerError('INPUT_UNREADABLE', `Cannot write ${flags.out}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  deps.out(formatCalibration(result, flags.out));
}

/** The proposal goes to a new file: never over the active rulebook, the base, or anything that exists. */
function checkOut(out: string, baseFile: string, activeFile: string): void {
  const same = (a: string, b: string): boolean => resolved(a) === resolved(b);
  if (same(out, activeFile))
    throw new ScorerError(
      'USAGE',
      `--out ${out} is the active rulebook (RULES_FILE or the shipped default); write the proposal to a new file and switch after checking it`,
    );
  if (same(out, baseFile))
    throw new ScorerError(
      'USAGE',
      `--out ${out} is the base rulebook (--rules); write the proposal to a new file`,
    );
  if (existsSync(out))
    throw new ScorerError(
      'USAGE',
      `--out ${out} already exists; choose a new file name (the proposal never overwrites)`,
    );
}

function resolved(file: string): string {
  const abs = path.resolve(file);
  try {
    return realpathSync(abs);
  } catch {
    return abs; // does not exist (yet): its absolute path is all there is to compare
  }
}
