import { readFileSync } from 'node:fs';
import path from 'node:path';
import { snapshotJsonSchema } from '../../../src/scoring/json-schema';

describe('the deal snapshot JSON Schema', () => {
  it('is committed as generated from the zod schema (run `npm run schema` after changing it)', () => {
    const committed = JSON.parse(
      readFileSync(path.join(__dirname, '../../../src/scoring/snapshot.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(snapshotJsonSchema());
  });

  it('names every list of the snapshot, requires only the stage, and lets the opportunity carry other fields', () => {
    const schema = snapshotJsonSchema() as {
      properties: Record<string, { required?: string[]; additionalProperties?: unknown }>;
      required?: string[];
    };
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['commitments', 'contactRoles', 'emails', 'events', 'history', 'opportunity', 'tasks'].sort(),
    );
    expect(schema.required).toEqual(['opportunity']);
    expect(schema.properties.opportunity?.required).toEqual(['StageName']);
    expect(schema.properties.opportunity?.additionalProperties).not.toBe(false);
  });
});
