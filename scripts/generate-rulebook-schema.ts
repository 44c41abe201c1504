// Writes src/rules/rulebook.schema.json from the zod schema. A test fails when the two drift apart.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { rulebookJsonSchema } from '../src/rules/json-schema';

const target = path.join(__dirname, '..', 'src', 'rules', 'rulebook.schema.json');
writeFileSync(target, `${JSON.stringify(rulebookJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
