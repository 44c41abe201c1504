import fc from 'fast-check';

/**
 * Mutations of well-formed JSON (a change event, a deal snapshot) into the shapes an untrusted sender
 * or a broken proxy could produce: wrong types, missing fields, nulls, huge arrays and strings, deep
 * nesting, odd numbers, and keys that would pollute prototypes if copied carelessly
 * (`__proto__`, `constructor`). A mutation is plain data, so fast-check can print and shrink it.
 */

export type MutationKind = 'replace' | 'delete' | 'add' | 'push' | 'root';

export interface Mutation {
  kind: MutationKind;
  /** Which node (or key of a node) it applies to: an index into the walk of the value, modulo its size. */
  at: number;
  key: string;
  value: Weird;
}

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** A value to put in, made afresh on each use (so no case can change another's). */
export interface Weird {
  label: string;
  make: () => unknown;
}

const weird = (label: string, make: () => unknown): Weird => ({ label, make });
const plain = (v: unknown): Weird =>
  weird(String(typeof v === 'string' && v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v), () => v);

function deepObject(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { a: v } : [v];
  return v;
}

/** An object made by JSON.parse with an own `__proto__` key, exactly as a hostile message would carry it. */
const pollutingObject = (payload: unknown) =>
  JSON.parse(
    `{"__proto__": ${JSON.stringify(payload) ?? 'null'}, "constructor": {"prototype": {"polluted": true}}}`,
  );

export const oddNumber = fc.constantFrom(
  -1,
  -2,
  0,
  -0,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e300,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  Number.MAX_VALUE,
  Number.EPSILON,
);

export const oddString = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '*',
      '006*',
      '\u0000',
      '\ud800',
      '__proto__',
      'null',
      '1001',
      '006000000000001AAA',
      '006000000000001',
      '006000000000001AA!',
      '0060000000000001AAAA',
      '2026-02-30',
      '2026-13-01T00:00:00Z',
      '9999-12-31',
      '0000-01-01T00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      "'; DELETE FROM Opportunity --",
    ),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(100_000, 1_000_000).map((n) => 'x'.repeat(n)) },
);

const CONTAINERS: Record<string, () => unknown> = {
  'empty array': () => [],
  'empty object': () => ({}),
  '[null]': () => [null],
  '[{}]': () => [{}],
  'null-prototype object': () => Object.create(null),
  'deep nesting ×200': () => deepObject(200),
  'deep nesting ×5000': () => deepObject(5000),
};

// Weights: huge values (arrays of 10,000 and 100,000, strings of a million characters) are drawn about
// once in 40 values, often enough to appear thousands of times in a long run without making it slow.
export const weirdValue: fc.Arbitrary<Weird> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(null, undefined, true, false).map(plain) },
  { weight: 12, arbitrary: oddNumber.map(plain) },
  { weight: 8, arbitrary: fc.integer().map(plain) },
  { weight: 16, arbitrary: oddString.map(plain) },
  { weight: 8, arbitrary: fc.constantFrom(...Object.keys(CONTAINERS)).map((k) => weird(k, CONTAINERS[k])) },
  {
    weight: 4,
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .map((v) => weird(`json ${JSON.stringify(v)}`, () => structuredClone(v))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(10_000, 100_000), fc.constantFrom('ids', 'nulls', 'objects'))
      .map(([n, what]) =>
        weird(`${n} ${what}`, () =>
          Array.from({ length: n }, (_, i) =>
            what === 'ids' ? `006${String(i).padStart(12, '0')}AAA` : what === 'nulls' ? null : { Id: i },
          ),
        ),
      ),
  },
  {
    weight: 4,
    arbitrary: fc
      .jsonValue({ maxDepth: 2 })
      .map((v) => weird(`__proto__ ${JSON.stringify(v)}`, () => pollutingObject(v))),
  },
);

const keyArb = fc.oneof(
  fc.constantFrom(...PROTOTYPE_KEYS),
  fc.constantFrom('replayId', 'recordIds', 'ChangeEventHeader', 'WhatId', 'OpportunityId', 'Opportunity__c'),
  fc.string({ maxLength: 12 }),
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<MutationKind>(
    'replace',
    'replace',
    'replace',
    'delete',
    'delete',
    'add',
    'push',
    'root',
  ),
  at: fc.nat(),
  key: keyArb,
  value: weirdValue,
});

/** No mutation at all about one case in five, so well-formed input is fuzzed alongside broken input. */
export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
  { weight: 4, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 4 }) },
);

type Container = Record<string, unknown> | unknown[];

/** Every (container, key) pair of a value, breadth first, at most `limit` of them. */
function slots(root: unknown, limit = 2000): [Container, string | number][] {
  const out: [Container, string | number][] = [];
  const queue: unknown[] = [root];
  while (queue.length > 0 && out.length < limit) {
    const node = queue.shift();
    if (node === null || typeof node !== 'object') continue;
    const keys: (string | number)[] = Array.isArray(node)
      ? node.slice(0, 50).map((_, i) => i)
      : Object.keys(node);
    for (const k of keys) {
      out.push([node as Container, k]);
      queue.push((node as Record<string, unknown>)[k]);
    }
  }
  return out;
}

function containers(root: unknown): Container[] {
  const found = slots(root)
    .map(([, k], i, all) => (all[i][0] as Record<string, unknown>)[k])
    .filter((v): v is Container => v !== null && typeof v === 'object');
  return root !== null && typeof root === 'object' ? [root as Container, ...found] : found;
}

/** Sets a key as an own property, even `__proto__` (plain assignment would change the prototype). */
function define(target: Container, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A mutated deep copy of `base` (which stays as it was). */
export function mutate(base: unknown, mutations: readonly Mutation[]): unknown {
  let root: unknown = structuredClone(base);
  for (const m of mutations) {
    if (m.kind === 'root') {
      root = m.value.make();
      continue;
    }
    if (m.kind === 'add' || m.kind === 'push') {
      const all = containers(root);
      if (all.length === 0) continue;
      const target = all[m.at % all.length];
      if (m.kind === 'push' && Array.isArray(target)) target.push(m.value.make());
      else define(target, Array.isArray(target) ? target.length : m.key, m.value.make());
      continue;
    }
    const all = slots(root);
    if (all.length === 0) continue;
    const [parent, key] = all[m.at % all.length];
    if (m.kind === 'delete') {
      if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
      else delete (parent as Record<string, unknown>)[key];
    } else define(parent, key, m.value.make());
  }
  return root;
}

/** Object.prototype as it is now, to prove afterwards that nothing was added to it. */
export function prototypeFingerprint(): string {
  return Object.getOwnPropertyNames(Object.prototype).sort().join(',');
}
