import type { Condition, LeafCondition } from './schema';
import {
  SIGNALS,
  SIGNAL_NAMES,
  closestName,
  isSignalName,
  type SignalName,
  type SignalSpec,
} from './signal-catalogue';

/**
 * Compiles the closed condition language into plain closures, once per rulebook. There is no
 * expression parser and no eval: a condition is a tree of all/any/not over leaves that compare one
 * signal with one constant. Comparing a null signal is always false.
 */

export type SignalReader = Readonly<Record<SignalName, unknown>>;
export type Predicate = (signals: SignalReader) => boolean;

export interface Leaf {
  signal: SignalName;
  op: string;
  value: unknown;
}

export interface ConditionProblem {
  /** Path inside the condition, e.g. ['all', 1, 'signal']. */
  path: (string | number)[];
  message: string;
}

export interface CompiledCondition {
  test: Predicate;
  leaves: Leaf[];
}

const OP_SYMBOL: Record<string, string> = {
  eq: '=',
  ne: '≠',
  lt: '<',
  lte: '≤',
  gt: '>',
  gte: '≥',
  in: 'in',
  atLeast: 'at least',
  before: 'before',
};

export function describeLeaf(leaf: Leaf): string {
  const value = Array.isArray(leaf.value) ? leaf.value.join(', ') : String(leaf.value);
  return `${OP_SYMBOL[leaf.op] ?? leaf.op} ${value}`;
}

export function compileCondition(
  condition: Condition,
  stageRank: ReadonlyMap<string, number>,
  problems: ConditionProblem[],
): CompiledCondition {
  const leaves: Leaf[] = [];
  const test = compileNode(condition, [], { stageRank, problems, leaves });
  return { test, leaves };
}

interface Ctx {
  stageRank: ReadonlyMap<string, number>;
  problems: ConditionProblem[];
  leaves: Leaf[];
}

function compileNode(node: Condition, path: (string | number)[], ctx: Ctx): Predicate {
  if ('all' in node) {
    const parts = node.all.map((child, i) => compileNode(child, [...path, 'all', i], ctx));
    checkSatisfiable(node.all, [...path, 'all'], ctx);
    return (s) => {
      for (const part of parts) if (!part(s)) return false;
      return true;
    };
  }
  if ('any' in node) {
    const parts = node.any.map((child, i) => compileNode(child, [...path, 'any', i], ctx));
    return (s) => {
      for (const part of parts) if (part(s)) return true;
      return false;
    };
  }
  if ('not' in node) {
    const inner = compileNode(node.not, [...path, 'not'], ctx);
    return (s) => !inner(s);
  }
  return compileLeaf(node, path, ctx);
}

function leafOp(leaf: LeafCondition): [string, unknown] {
  const op = Object.keys(leaf).find((k) => k !== 'signal') as string;
  return [op, (leaf as Record<string, unknown>)[op]];
}

const never: Predicate = () => false;

function compileLeaf(leaf: LeafCondition, path: (string | number)[], ctx: Ctx): Predicate {
  const [op, value] = leafOp(leaf);
  const name = leaf.signal;
  if (!isSignalName(name)) {
    const hint = closestName(name, SIGNAL_NAMES);
    ctx.problems.push({
      path: [...path, 'signal'],
      message: `unknown signal "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
    });
    return never;
  }
  const spec: SignalSpec = SIGNALS[name];
  const problem = (message: string) => {
    ctx.problems.push({ path: [...path, op], message: `${name} ${message}` });
    return never;
  };
  ctx.leaves.push({ signal: name, op, value });
  if (spec.type === 'boolean') {
    if ((op !== 'eq' && op !== 'ne') || typeof value !== 'boolean') {
      return problem(
        `is true or false: compare it with eq: true|false or ne: true|false, not ${op}: ${JSON.stringify(value)}`,
      );
    }
    return op === 'eq' ? (s) => s[name] === value : (s) => s[name] !== value;
  }
  if (spec.type === 'stage') return compileStageLeaf(name, op, value, ctx.stageRank, problem);
  return compileNumberLeaf(name, spec, op, value, problem);
}

function compileStageLeaf(
  name: SignalName,
  op: string,
  value: unknown,
  stageRank: ReadonlyMap<string, number>,
  problem: (m: string) => Predicate,
): Predicate {
  const values = op === 'in' ? (value as unknown[]) : [value];
  if (!['eq', 'ne', 'in', 'atLeast', 'before'].includes(op))
    return problem(`is a stage: use eq, ne, in, atLeast or before, not ${op}`);
  for (const v of values) {
    if (typeof v !== 'string') return problem(`is a stage name, not ${JSON.stringify(v)}`);
    if (!stageRank.has(v))
      return problem(`names "${v}", which is not in stages.order, stages.won or stages.lost`);
  }
  if (op === 'eq') return (s) => s[name] === value;
  if (op === 'ne') return (s) => s[name] !== value;
  if (op === 'in') {
    const set = new Set(values);
    return (s) => set.has(s[name]);
  }
  const threshold = stageRank.get(value as string) as number;
  return op === 'atLeast'
    ? (s) => (stageRank.get(s[name] as string) ?? -1) >= threshold
    : (s) => {
        const rank = stageRank.get(s[name] as string);
        return rank !== undefined && rank < threshold;
      };
}

function compileNumberLeaf(
  name: SignalName,
  spec: SignalSpec,
  op: string,
  value: unknown,
  problem: (m: string) => Predicate,
): Predicate {
  if (op === 'atLeast' || op === 'before') return problem(`is a number: ${op} is for the stage`);
  const values = op === 'in' ? (value as unknown[]) : [value];
  if (values.some((v) => typeof v !== 'number')) return problem(`is a number, not ${JSON.stringify(value)}`);
  const bound = interval(op, value);
  if (
    bound &&
    isEmpty(
      intersect(bound, { lo: spec.min ?? -Infinity, hi: spec.max ?? Infinity, loOpen: false, hiOpen: false }),
    )
  ) {
    return problem(
      `can never be ${describeLeaf({ signal: name, op, value })}: its values run from ${spec.min ?? '-∞'} to ${spec.max ?? '∞'}`,
    );
  }
  const t = value as number;
  switch (op) {
    case 'eq':
      return (s) => s[name] === t;
    case 'ne':
      return (s) => s[name] !== null && s[name] !== t;
    case 'lt':
      return (s) => s[name] !== null && (s[name] as number) < t;
    case 'lte':
      return (s) => s[name] !== null && (s[name] as number) <= t;
    case 'gt':
      return (s) => s[name] !== null && (s[name] as number) > t;
    case 'gte':
      return (s) => s[name] !== null && (s[name] as number) >= t;
    default: {
      const set = new Set(values);
      return (s) => set.has(s[name]);
    }
  }
}

interface Interval {
  lo: number;
  hi: number;
  loOpen: boolean;
  hiOpen: boolean;
}

function interval(op: string, value: unknown): Interval | undefined {
  const v = value as number;
  switch (op) {
    case 'eq':
      return { lo: v, hi: v, loOpen: false, hiOpen: false };
    case 'lt':
      return { lo: -Infinity, hi: v, loOpen: false, hiOpen: true };
    case 'lte':
      return { lo: -Infinity, hi: v, loOpen: false, hiOpen: false };
    case 'gt':
      return { lo: v, hi: Infinity, loOpen: true, hiOpen: false };
    case 'gte':
      return { lo: v, hi: Infinity, loOpen: false, hiOpen: false };
    default:
      return undefined;
  }
}

function isEmpty(i: Interval): boolean {
  return i.lo > i.hi || (i.lo === i.hi && (i.loOpen || i.hiOpen));
}

/** Within one `all`, numeric bounds on the same signal must leave some value (gte 6 and lt 3 cannot both hold). */
function checkSatisfiable(children: Condition[], path: (string | number)[], ctx: Ctx): void {
  const bySignal = new Map<string, Interval>();
  children.forEach((child) => {
    if (!('signal' in child) || !isSignalName(child.signal) || SIGNALS[child.signal].type !== 'number')
      return;
    const [op, value] = leafOp(child);
    const next = typeof value === 'number' ? interval(op, value) : undefined;
    if (!next) return;
    const prev = bySignal.get(child.signal);
    const merged = prev ? intersect(prev, next) : next;
    bySignal.set(child.signal, merged);
    if (prev && isEmpty(merged)) {
      ctx.problems.push({
        path,
        message: `the conditions on ${child.signal} contradict each other: no value meets them all`,
      });
    }
  });
}

function intersect(a: Interval, b: Interval): Interval {
  const lo = a.lo > b.lo ? a : a.lo < b.lo ? b : { lo: a.lo, loOpen: a.loOpen || b.loOpen };
  const hi = a.hi < b.hi ? a : a.hi > b.hi ? b : { hi: a.hi, hiOpen: a.hiOpen || b.hiOpen };
  return {
    lo: lo.lo as number,
    loOpen: lo.loOpen as boolean,
    hi: hi.hi as number,
    hiOpen: hi.hiOpen as boolean,
  };
}
