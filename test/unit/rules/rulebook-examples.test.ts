import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isScorerError } from '../../../src/lib/errors';
import { loadRulebookFile, parseRulebook } from '../../../src/rules/load-rulebook';

const dir = path.join(__dirname, '..', '..', 'fixtures', 'rulebooks');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const valid = files.filter((f) => f.startsWith('valid-'));
const invalid = files.filter((f) => f.startsWith('invalid-'));

function expectedMessages(file: string): string[] {
  return readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('# expect: '))
    .map((line) => line.slice('# expect: '.length));
}

describe('rulebook examples', () => {
  it('has valid and invalid examples to check', () => {
    expect(valid.length).toBeGreaterThanOrEqual(2);
    expect(invalid.length).toBeGreaterThanOrEqual(10);
  });

  it.each(valid)('accepts %s', (file) => {
    const rulebook = parseRulebook(readFileSync(path.join(dir, file), 'utf8'), file);
    expect(rulebook.version).toMatch(/^[A-Za-z0-9._-]+@[0-9a-f]{8}$/);
    expect(rulebook.version.length).toBeLessThanOrEqual(40);
  });

  it.each(invalid)('rejects %s with the expected message and line', (file) => {
    const expected = expectedMessages(file);
    expect(expected.length).toBeGreaterThan(0);
    let thrown: unknown;
    try {
      parseRulebook(readFileSync(path.join(dir, file), 'utf8'), file);
    } catch (err) {
      thrown = err;
    }
    expect(isScorerError(thrown) && thrown.code).toBe('RULEBOOK_INVALID');
    for (const message of expected) expect((thrown as Error).message).toContain(message);
  });

  it('loads the shipped default rulebook with the twelve flags of the domain', () => {
    const rulebook = loadRulebookFile();
    expect(rulebook.flags.map((f) => f.code).sort()).toEqual(
      [
        'CLOSE_DATE_SLIPPING',
        'CUSTOMER_STEPS_OVERDUE',
        'DISCOUNT_TO_ACCELERATE',
        'NOT_STRATEGICALLY_ALIGNED',
        'NO_DECISION_MAKER',
        'NO_MUTUAL_PLAN',
        'NO_REASON_TO_ACT',
        'NO_RECENT_CUSTOMER_YES',
        'ONE_SIDED_EFFORT',
        'SELLER_DRIVEN_CLOSE_DATE',
        'SINGLE_THREADED',
        'STAGE_AHEAD_OF_COMMITMENT',
      ].sort(),
    );
  });

  it('keeps the version when only comments and key order change, and changes it with a threshold', () => {
    const text = readFileSync(path.join(dir, 'valid-minimal.yaml'), 'utf8');
    const base = parseRulebook(text).version;
    const reordered = `# another comment\n${text.replace('severity: warning\n    weight: -1', 'weight: -1\n    severity: warning')}`;
    expect(parseRulebook(reordered).version).toBe(base);
    expect(parseRulebook(text.replace('gte: 4', 'gte: 5')).version).not.toBe(base);
  });

  it('reports every problem of a rulebook at once', () => {
    const text = readFileSync(path.join(dir, 'valid-minimal.yaml'), 'utf8')
      .replace('signal: sellerActions', 'signal: sellerAction')
      .replace('{effortDays}', '{effortDay}');
    expect(() => parseRulebook(text, 'two.yaml')).toThrow(/2 problems[\s\S]*sellerAction[\s\S]*effortDay/);
  });

  it('names a file it cannot read', () => {
    expect(() => loadRulebookFile(path.join(dir, 'no-such-file.yaml'))).toThrow(
      /Cannot read the rulebook .*no-such-file\.yaml/,
    );
  });
});
