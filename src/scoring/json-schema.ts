import { z } from 'zod';
import { snapshotSchema } from './snapshot';

/**
 * The JSON Schema of the deal snapshot (`score --file`, `POST /v1/score`), generated from the zod
 * schema that parses it, so the two cannot drift. Dates are strings (`YYYY-MM-DD`, ISO-8601 date-times
 * in UTC), as the REST API returns them; the opportunity may carry any further field, such as the
 * rulebook's input and output fields.
 */
export function snapshotJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(snapshotSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    title: 'Commitment Scorer deal snapshot',
    description:
      'One opportunity with its contact roles, tasks, events, emails, stage history and buying commitments, with Salesforce API field names. Every list may be missing or empty; unknown fields are ignored.',
    ...schema,
  };
}
