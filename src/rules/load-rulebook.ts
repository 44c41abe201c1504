import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { ScorerError } from '../lib/errors';
import {
  compileCondition,
  describeLeaf,
  type ConditionProblem,
  type Leaf,
  type Predicate,
} from './conditions';
import type { SwitchedOff } from './org-check';
import { rulebookSchema, type ActiveFieldMap, type CalibrationSource, type RulebookSource } from './schema';
import type { SignalName, WindowName } from './signal-catalogue';
import { compileTemplate, type CompiledTemplate } from './template';

export type Severity = 'info' | 'warning' | 'critical';
const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export interface CompiledFlag {
  code: string;
  /** The picklist label: the rulebook's, or the code in words ("One sided effort"). */
  label: string;
  severity: Severity;
  severityRank: number;
  weight: number;
  cap: number | undefined;
  test: Predicate;
  message: CompiledTemplate;
  /** Signals named by the condition or the sentence, in that order, without repeats. */
  evidenceSignals: SignalName[];
  /** Human-readable thresholds per signal, e.g. { sellerActions: '≥ 6' }. */
  thresholds: Record<string, string>;
}

export interface Rulebook {
  name: string;
  /** `<name>@<8 hex of the content hash>`: fits Text(40) and changes with any rule change, not with comments. */
  version: string;
  source: RulebookSource;
  fiscalYearStartMonth: number;
  windows: Record<WindowName, number>;
  stageRank: ReadonlyMap<string, number>;
  wonStages: ReadonlySet<string>;
  lostStages: ReadonlySet<string>;
  decisionMakerRoles: ReadonlySet<string>;
  sponsorRoles: ReadonlySet<string>;
  sponsorCommitmentTypes: ReadonlySet<string>;
  commitmentScore: RulebookSource['commitmentScore'];
  probability: RulebookSource['probability'];
  /** Ordered most important first: severity, then the size of the weight, then the code. */
  flags: CompiledFlag[];
  fields: ActiveFieldMap;
  /** Inputs the org lacks and the flags switched off with them; absent until checked against an org. */
  switchedOff?: SwitchedOff[];
  /** What the rulebook was calibrated on; undefined for rules only. */
  calibration: CalibrationSource | undefined;
}

export interface RulebookProblem {
  line: number | undefined;
  /** The flag code when the problem sits inside a flag. */
  rule: string | undefined;
  path: string;
  message: string;
}

export const DEFAULT_RULEBOOK_FILE = path.join(__dirname, 'default-rulebook.yaml');

export function loadRulebookFile(file: string = DEFAULT_RULEBOOK_FILE): Rulebook {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScorerError(
      'RULEBOOK_UNREADABLE',
      `Cannot read the rulebook ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return parseRulebook(text, file);
}

/** Parses, validates and compiles a rulebook; throws RULEBOOK_INVALID listing every problem with its line. */
export function parseRulebook(text: string, sourceName = 'rulebook'): Rulebook {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const problems: RulebookProblem[] = doc.errors.map((e) => ({
    line: e.linePos?.[0]?.line,
    rule: undefined,
    path: '',
    message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
  }));
  if (problems.length === 0) {
    const result = rulebookSchema.safeParse(doc.toJS());
    if (!result.success) {
      for (const issue of result.error.issues) {
        const at = issue.path as (string | number)[];
        if (issue.code === 'unrecognized_keys') {
          // Point at each stray key's own line rather than at the map that holds it.
          for (const key of issue.keys)
            problems.push(problemAt(doc, lineCounter, [...at, key], `unknown key "${key}"`));
        } else {
          problems.push(problemAt(doc, lineCounter, at, issue.message));
        }
      }
    } else {
      const compiled = compileRulebook(result.data, (p, m) =>
        problems.push(problemAt(doc, lineCounter, p, m)),
      );
      if (problems.length === 0) return compiled;
    }
  }
  throw new ScorerError('RULEBOOK_INVALID', formatProblems(sourceName, problems), {
    context: { file: sourceName, problems },
  });
}

export function formatProblems(sourceName: string, problems: RulebookProblem[]): string {
  const lines = problems.map((p) => {
    const where = `${sourceName}:${p.line ?? '?'}`;
    const rule = p.rule ? ` rule ${p.rule}:` : '';
    const at = p.path ? ` ${p.path}:` : '';
    return `${where}:${rule}${at} ${p.message}`;
  });
  return `The rulebook is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

function compileRulebook(
  source: RulebookSource,
  report: (path: (string | number)[], message: string) => void,
): Rulebook {
  const stageRank = new Map<string, number>();
  source.stages.order.forEach((stage, i) => {
    if (stageRank.has(stage)) report(['stages', 'order', i], `stage "${stage}" is listed twice`);
    stageRank.set(stage, i);
  });
  for (const kind of ['won', 'lost'] as const) {
    source.stages[kind].forEach((stage, i) => {
      if (stageRank.has(stage)) report(['stages', kind, i], `stage "${stage}" is listed twice`);
      stageRank.set(stage, source.stages.order.length);
    });
  }
  if (source.probability.floor > source.probability.ceiling) {
    report(
      ['probability', 'floor'],
      `floor ${source.probability.floor} is above ceiling ${source.probability.ceiling}`,
    );
  }
  const weights = Object.values(source.commitmentScore.weights);
  if (weights.every((w) => w === 0))
    report(['commitmentScore', 'weights'], 'at least one weight must be above 0');

  const seen = new Map<string, number>();
  const flags = source.flags.map((flag, i): CompiledFlag => {
    if (seen.has(flag.code))
      report(
        ['flags', i, 'code'],
        `duplicate flag code ${flag.code} (first at flags[${seen.get(flag.code)}])`,
      );
    seen.set(flag.code, i);
    const conditionProblems: ConditionProblem[] = [];
    const condition = compileCondition(flag.when, stageRank, conditionProblems);
    for (const p of conditionProblems) report(['flags', i, 'when', ...p.path], p.message);
    const templateProblems: string[] = [];
    const message = compileTemplate(flag.message, templateProblems);
    for (const m of templateProblems) report(['flags', i, 'message'], m);
    return {
      code: flag.code,
      label: flag.label ?? labelOf(flag.code),
      severity: flag.severity,
      severityRank: SEVERITY_RANK[flag.severity],
      weight: flag.weight,
      cap: flag.cap,
      test: condition.test,
      message,
      evidenceSignals: unique([...condition.leaves.map((l) => l.signal), ...message.signals]),
      thresholds: thresholdsOf(condition.leaves),
    };
  });
  flags.sort(
    (a, b) => a.severityRank - b.severityRank || a.weight - b.weight || a.code.localeCompare(b.code),
  );

  return {
    name: source.name,
    version: `${source.name}@${contentHash(source)}`,
    source,
    fiscalYearStartMonth: source.fiscalYearStartMonth,
    windows: source.windows,
    stageRank,
    wonStages: new Set(source.stages.won),
    lostStages: new Set(source.stages.lost),
    decisionMakerRoles: new Set(source.contacts.decisionMakerRoles),
    sponsorRoles: new Set(source.contacts.sponsorRoles),
    sponsorCommitmentTypes: new Set(source.contacts.sponsorCommitmentTypes),
    commitmentScore: source.commitmentScore,
    probability: source.probability,
    flags,
    fields: source.fields,
    calibration: source.calibration,
  };
}

/** ONE_SIDED_EFFORT → "One sided effort": what a picklist shows when the rulebook gives no label. */
export function labelOf(code: string): string {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function thresholdsOf(leaves: Leaf[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const leaf of leaves) {
    const text = describeLeaf(leaf);
    out[leaf.signal] = out[leaf.signal] ? `${out[leaf.signal]} and ${text}` : text;
  }
  return out;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** Hash of the parsed content with sorted keys, so comments and key order do not change the version. */
function contentHash(source: RulebookSource): string {
  return createHash('sha256').update(stableStringify(source)).digest('hex').slice(0, 8);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function problemAt(
  doc: Document,
  lineCounter: LineCounter,
  at: (string | number)[],
  message: string,
): RulebookProblem {
  let line: number | undefined;
  for (let depth = at.length; depth >= 0 && line === undefined; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(at.slice(0, depth), true);
    if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
  }
  const code =
    at[0] === 'flags' && typeof at[1] === 'number' ? doc.getIn(['flags', at[1], 'code']) : undefined;
  const rest = at[0] === 'flags' && typeof at[1] === 'number' ? at.slice(2) : at;
  return { line, rule: typeof code === 'string' ? code : undefined, path: formatPath(rest), message };
}

function formatPath(at: (string | number)[]): string {
  return at.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}
