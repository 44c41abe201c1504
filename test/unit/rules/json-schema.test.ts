import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rulebookJsonSchema } from '../../../src/rules/json-schema';
import { SIGNAL_NAMES } from '../../../src/rules/signal-catalogue';

describe('the rulebook JSON Schema', () => {
  it('is committed as generated from the zod schema (run `npm run schema` after changing it)', () => {
    const committed = JSON.parse(
      readFileSync(path.join(__dirname, '../../../src/rules/rulebook.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(rulebookJsonSchema());
  });

  it('lists every signal so editors can complete and check signal names', () => {
    const text = JSON.stringify(rulebookJsonSchema());
    for (const name of SIGNAL_NAMES) expect(text).toContain(`"${name}"`);
  });
});
