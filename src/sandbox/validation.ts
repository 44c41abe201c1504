/**
 * Field validation for writes: unknown and read-only fields, types, lengths and restricted
 * picklists, answered with the status codes Salesforce uses.
 */
import { OrgShape } from './org-shape';
import type { FieldDef } from './schema';

export interface RowError {
  statusCode: string;
  message: string;
  fields: string[];
}

const err = (statusCode: string, message: string, fields: string[]): RowError => ({
  statusCode,
  message,
  fields,
});

/** Returns the cleaned field map (canonical names, normalised values) or the first error. */
export function validateFields(
  objectName: string,
  input: Record<string, unknown>,
  shape: OrgShape = new OrgShape(),
): { fields: Record<string, unknown> } | { error: RowError } {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'attributes' || key === 'Id' || key === 'id') continue;
    const fd = shape.field(objectName, key);
    if (!fd)
      return {
        error: err('INVALID_FIELD', `No such column '${key}' on sobject of type ${objectName}`, [key]),
      };
    if (fd.readOnly || !shape.editable(objectName, fd.name)) {
      return {
        error: err(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${fd.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [fd.name],
        ),
      };
    }
    const checked = checkValue(fd, value);
    if ('error' in checked) return checked;
    fields[fd.name] = checked.value;
  }
  return { fields };
}

function checkValue(fd: FieldDef, value: unknown): { value: unknown } | { error: RowError } {
  if (value === null || value === undefined) return { value: null };
  const bad = (what: string) =>
    ({
      error: err(
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of ${what} from ${JSON.stringify(value)}`,
        [fd.name],
      ),
    }) as const;
  switch (fd.type) {
    case 'double':
    case 'currency':
    case 'percent':
    case 'int':
      if (typeof value === 'number' && Number.isFinite(value)) return { value };
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        return { value: Number(value) };
      return bad(fd.type);
    case 'boolean':
      return typeof value === 'boolean' ? { value } : bad('boolean');
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? { value } : bad('date');
    case 'datetime': {
      const ms = typeof value === 'string' ? Date.parse(value) : NaN;
      return Number.isFinite(ms) ? { value: new Date(ms).toISOString() } : bad('datetime');
    }
    case 'multipicklist':
    case 'picklist':
      return checkPicklist(fd, value);
    default:
      if (typeof value !== 'string') return bad('string');
      if (fd.length && value.length > fd.length) {
        return {
          error: err(
            'STRING_TOO_LONG',
            `${fd.name}: data value too large: ${value.slice(0, 40)}… (max length=${fd.length})`,
            [fd.name],
          ),
        };
      }
      return { value };
  }
}

function checkPicklist(fd: FieldDef, value: unknown): { value: unknown } | { error: RowError } {
  if (typeof value !== 'string')
    return { error: err('JSON_PARSER_ERROR', `Cannot deserialize ${fd.name}`, [fd.name]) };
  if (value === '') return { value: null };
  if (!fd.restricted) return { value };
  const parts = fd.type === 'multipicklist' ? value.split(';') : [value];
  const badValue = parts.find((p) => !fd.picklist?.includes(p));
  if (badValue !== undefined) {
    return {
      error: err(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${fd.name}: bad value for restricted picklist field: ${badValue}`,
        [fd.name],
      ),
    };
  }
  return { value };
}
