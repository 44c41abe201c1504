/**
 * WHERE evaluation. soql-parser-js returns the condition as a flat linked list where parentheses
 * are counters on the conditions (openParen/closeParen) and NOT is a node with a null left side, so
 * the list is turned back into tokens and parsed with NOT > AND > OR precedence.
 */
import type { Condition, WhereClause } from '@jetstreamapp/soql-parser-js';
import { DAY_MS } from './clock';
import { malformed } from './sf-errors';
import { to18 } from './store';

export type Getter = (path: string) => unknown;
export type SemiJoin = (cond: Condition) => Set<string>;
export type Pred = (get: Getter) => boolean;

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | { cond: Condition };

/** The parser's typings split the linked list into many variants; this is the shape it really has. */
interface WhereNode {
  left: (Condition & { openParen?: number; closeParen?: number }) | null;
  operator?: string;
  right?: WhereNode;
}

export function tokenize(where: WhereClause): Token[] {
  const out: Token[] = [];
  let node: WhereNode | undefined = where as unknown as WhereNode;
  while (node) {
    if (!node.left && node.operator === 'NOT') {
      out.push('NOT');
      node = node.right;
      continue;
    }
    const left = node.left;
    if (!left) throw malformed('unexpected token in WHERE');
    for (let i = 0; i < (left.openParen ?? 0); i++) out.push('(');
    out.push({ cond: left });
    for (let i = 0; i < (left.closeParen ?? 0); i++) out.push(')');
    if (node.right) out.push(node.operator as 'AND' | 'OR');
    node = node.right;
  }
  return out;
}

/**
 * The conditions every matching row must meet: those joined by AND at the top level, looking
 * through parentheses but not through OR or NOT. `Id IN (…) AND (A OR B)` gives the `Id IN (…)`,
 * which is what lets the engine answer from an index instead of a scan.
 */
export function requiredConditions(where: WhereClause): Condition[] {
  const tokens = tokenize(where);
  let pos = 0;
  const parseOr = (): Condition[] => {
    const first = parseAnd();
    let alone = true;
    while (tokens[pos] === 'OR') {
      pos++;
      parseAnd();
      alone = false;
    }
    return alone ? first : [];
  };
  const parseAnd = (): Condition[] => {
    const out = parseUnary();
    while (tokens[pos] === 'AND') {
      pos++;
      out.push(...parseUnary());
    }
    return out;
  };
  const parseUnary = (): Condition[] => {
    const t = tokens[pos++];
    if (t === 'NOT') {
      parseUnary();
      return [];
    }
    if (t === '(') {
      const inner = parseOr();
      pos++; // the ')'; compileWhere has already rejected unbalanced input
      return inner;
    }
    return t && typeof t === 'object' ? [t.cond] : [];
  };
  return parseOr();
}

export interface WhereContext {
  now: number;
  semiJoin: SemiJoin;
}

export function compileWhere(where: WhereClause, ctx: WhereContext): Pred {
  const tokens = tokenize(where);
  let pos = 0;
  const parseOr = (): Pred => {
    const parts = [parseAnd()];
    while (tokens[pos] === 'OR') {
      pos++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0] : (g) => parts.some((p) => p(g));
  };
  const parseAnd = (): Pred => {
    const parts = [parseUnary()];
    while (tokens[pos] === 'AND') {
      pos++;
      parts.push(parseUnary());
    }
    return parts.length === 1 ? parts[0] : (g) => parts.every((p) => p(g));
  };
  const parseUnary = (): Pred => {
    const t = tokens[pos++];
    if (t === 'NOT') {
      const inner = parseUnary();
      return (g) => !inner(g);
    }
    if (t === '(') {
      const inner = parseOr();
      if (tokens[pos++] !== ')') throw malformed('unbalanced parentheses');
      return inner;
    }
    if (t && typeof t === 'object') return compileCondition(t.cond, ctx);
    throw malformed('unexpected token in WHERE');
  };
  const pred = parseOr();
  if (pos !== tokens.length) throw malformed('unexpected token in WHERE');
  return pred;
}

export function unquote(v: string): string {
  return v.startsWith("'") && v.endsWith("'") ? v.slice(1, -1).replace(/\\'/g, "'") : v;
}

/** A literal as a comparable value, or a [start, end) range for relative date literals. */
type Lit = { v: unknown } | { range: [number, number] };

/** Id and lookup fields compare in the 18-character form, so a 15-character literal still matches. */
function idLiteral(field: string, lit: Lit): Lit {
  if (!/Id$/.test(field) || !('v' in lit) || typeof lit.v !== 'string') return lit;
  return { v: to18(lit.v) };
}

function literal(value: string, type: string | undefined, now: number, n?: number): Lit {
  switch (type) {
    case 'NULL':
      return { v: null };
    case 'BOOLEAN':
      return { v: value.toUpperCase() === 'TRUE' };
    case 'INTEGER':
    case 'DECIMAL':
    case 'INTEGER_WITH_CURRENCY_PREFIX':
    case 'DECIMAL_WITH_CURRENCY_PREFIX':
      return { v: Number(value.replace(/^[A-Z]{3}/, '')) };
    case 'DATE':
      return { v: Date.parse(`${value}T00:00:00Z`) };
    case 'DATETIME':
      return { v: Date.parse(value) };
    case 'DATE_LITERAL':
    case 'DATE_N_LITERAL':
      return { range: dateRange(value, now, n) };
    default:
      return { v: unquote(value) };
  }
}

export function dateRange(lit: string, now: number, n = 1): [number, number] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const name = lit.split(':')[0].toUpperCase();
  switch (name) {
    case 'TODAY':
      return [today, today + DAY_MS];
    case 'YESTERDAY':
      return [today - DAY_MS, today];
    case 'TOMORROW':
      return [today + DAY_MS, today + 2 * DAY_MS];
    case 'LAST_N_DAYS':
      return [today - n * DAY_MS, today + DAY_MS];
    case 'NEXT_N_DAYS':
      return [today, today + (n + 1) * DAY_MS];
    case 'N_DAYS_AGO':
      return [today - n * DAY_MS, today - (n - 1) * DAY_MS];
    default:
      throw malformed(`unsupported date literal ${lit}`);
  }
}

/** Record values are normalised the same way as literals: dates to epoch ms, strings lower-cased. */
function norm(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  // Only strings shaped like a date or datetime (YYYY-MM-DD…) are parsed: this runs for every child
  // row a subquery's WHERE looks at, and Date.parse is the costly part.
  if (looksLikeDate(v)) {
    if (v.length === 10) return Date.parse(`${v}T00:00:00Z`);
    if (v.charCodeAt(10) === 84 /* T */) return Date.parse(v);
  }
  return v.toLowerCase();
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function looksLikeDate(v: string): boolean {
  return (
    v.length >= 10 &&
    v.charCodeAt(4) === 45 &&
    v.charCodeAt(7) === 45 &&
    isDigit(v.charCodeAt(0)) &&
    isDigit(v.charCodeAt(1)) &&
    isDigit(v.charCodeAt(2)) &&
    isDigit(v.charCodeAt(3)) &&
    isDigit(v.charCodeAt(5)) &&
    isDigit(v.charCodeAt(6)) &&
    isDigit(v.charCodeAt(8)) &&
    isDigit(v.charCodeAt(9))
  );
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function test(op: string, raw: unknown, lit: Lit): boolean {
  const val = norm(raw);
  if ('range' in lit) {
    if (typeof val !== 'number') return false;
    const [s, e] = lit.range;
    switch (op) {
      case '=':
        return val >= s && val < e;
      case '!=':
      case '<>':
        return !(val >= s && val < e);
      case '<':
        return val < s;
      case '<=':
        return val < e;
      case '>':
        return val >= e;
      case '>=':
        return val >= s;
      default:
        return false;
    }
  }
  const want = norm(lit.v);
  if (op === '=') return want === null ? val == null : val === want;
  if (op === '!=' || op === '<>') return want === null ? val != null : val !== want;
  if (val == null || want == null) return false;
  const c = compare(val, want);
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : false;
}

function likeRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

function compileCondition(cond: Condition, ctx: WhereContext): Pred {
  if (!('field' in cond) || !cond.field) throw malformed('only field conditions are supported');
  const field = cond.field;
  const op = cond.operator.toUpperCase();
  if (cond.literalType === 'SUBQUERY' || ('valueQuery' in cond && cond.valueQuery)) {
    const ids = ctx.semiJoin(cond);
    const negate = op === 'NOT IN';
    return (g) => ids.has(String(g(field))) !== negate;
  }
  const value = (cond as { value?: string | string[] }).value;
  const n = (cond as { dateLiteralVariable?: number }).dateLiteralVariable;
  const lt = (i: number): string | undefined =>
    Array.isArray(cond.literalType) ? cond.literalType[i] : cond.literalType;
  if (op === 'IN' || op === 'NOT IN') {
    const lits = (Array.isArray(value) ? value : [value ?? '']).map((v, i) =>
      idLiteral(field, literal(v, lt(i), ctx.now, n)),
    );
    const negate = op === 'NOT IN';
    // Plain values (the usual `Id IN (…200 ids…)`) become a set lookup instead of 200 comparisons.
    if (lits.every((l) => 'v' in l && l.v !== null)) {
      const set = new Set(lits.map((l) => norm((l as { v: unknown }).v)));
      return (g) => set.has(norm(g(field))) !== negate;
    }
    return (g) => {
      const v = g(field);
      return lits.some((l) => test('=', v, l)) !== negate;
    };
  }
  if (op === 'LIKE') {
    const re = likeRegex(unquote(String(value)));
    return (g) => {
      const v = g(field);
      return typeof v === 'string' && re.test(v);
    };
  }
  if (op === 'INCLUDES' || op === 'EXCLUDES') {
    const wanted = (Array.isArray(value) ? value : [String(value)]).map((v) => unquote(v).toLowerCase());
    return (g) => {
      const have = String(g(field) ?? '')
        .toLowerCase()
        .split(';');
      return wanted.some((w) => w.split(';').every((x) => have.includes(x))) === (op === 'INCLUDES');
    };
  }
  const lit = idLiteral(field, literal(String(value), lt(0), ctx.now, n));
  return (g) => test(op, g(field), lit);
}
