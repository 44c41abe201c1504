// Writes the JSON Schemas from their zod schemas: src/rules/rulebook.schema.json (the rulebook) and
// src/scoring/snapshot.schema.json (the deal snapshot). Tests fail when either drifts from its source.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { rulebookJsonSchema } from '../src/rules/json-schema';
import { snapshotJsonSchema } from '../src/scoring/json-schema';

const src = path.join(__dirname, '..', 'src');
for (const [file, schema] of [
  [path.join(src, 'rules', 'rulebook.schema.json'), rulebookJsonSchema()],
  [path.join(src, 'scoring', 'snapshot.schema.json'), snapshotJsonSchema()],
] as const) {
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
