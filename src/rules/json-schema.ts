import { z } from 'zod';
import { rulebookSchema } from './schema';
import { SIGNALS } from './signal-catalogue';

/**
 * The JSON Schema editors use to autocomplete and check a rulebook as it is typed. Generated from the
 * zod schema (the single source), with the signal names added as an enum so a typo shows at once.
 */
export function rulebookJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(rulebookSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const signalNames = Object.keys(SIGNALS);
  const text = JSON.stringify(schema).replace(
    /"signal":\{"type":"string"\}/g,
    JSON.stringify({ signal: { type: 'string', enum: signalNames } }).slice(1, -1),
  );
  return { title: 'Commitment Scorer rulebook', ...(JSON.parse(text) as Record<string, unknown>) };
}
