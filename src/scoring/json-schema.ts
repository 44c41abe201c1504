import { z } from 'zod';
import { listRows, snapshotSchema } from './snapshot';

/**
 * The JSON Schema of the deal snapshot (`score --file`, `POST /v1/score`), generated from the zod
 * schema that parses it, so the two cannot drift. Dates are strings (`YYYY-MM-DD`, ISO-8601 date-times
 * in UTC), as the REST API returns them; the opportunity may carry any further field, such as the
 * rulebook's input and output fields.
 */
export function snapshotJsonSchema(): Record<string, unknown> {
  const options = { io: 'input', unrepresentable: 'any' } as const;
  const schema = z.toJSONSchema(snapshotSchema, {
    ...options,
    // A list is parsed row by row (so a bad list stops early); its items are the row schema it checks.
    override: (ctx) => {
      const row = listRows.get(ctx.zodSchema);
      if (!row) return;
      const { $schema: _, ...items } = z.toJSONSchema(row, options) as Record<string, unknown>;
      ctx.jsonSchema.items = items;
    },
  }) as Record<string, unknown>;
  return {
    title: 'Commitment Scorer deal snapshot',
    description:
      'One opportunity with its contact roles, tasks, events, emails, stage history and buying commitments, with Salesforce API field names. Every list may be missing or empty; unknown fields are ignored.',
    ...schema,
  };
}
