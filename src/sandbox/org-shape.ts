/**
 * How this sandbox org differs from the full schema, so a client can be tested against an org that
 * lacks a field, restricts a picklist to fewer values, or does not let the integration user edit a
 * field. Real orgs differ in exactly these ways: an optional field never deployed, a flag code not
 * yet added to the picklist, a permission set not assigned.
 */
import { findField, type FieldDef } from './schema';

export interface OrgShapeOptions {
  /** `Object.Field` names the org does not have: describe leaves them out, SOQL and writes refuse them. */
  dropFields?: string[];
  /** `Object.Field` → the only values the org's (restricted) picklist holds. */
  picklists?: Record<string, string[]>;
  /** `Object.Field` names API users may read but not edit, as when field-level security grants read only. */
  readOnlyFields?: string[];
}

const key = (object: string, field: string): string => `${object}.${field}`.toLowerCase();

export class OrgShape {
  private readonly dropped: Set<string>;
  private readonly picklists: Map<string, string[]>;
  private readonly readOnly: Set<string>;

  constructor(opts: OrgShapeOptions = {}) {
    this.dropped = new Set((opts.dropFields ?? []).map((n) => n.toLowerCase()));
    this.picklists = new Map(Object.entries(opts.picklists ?? {}).map(([n, v]) => [n.toLowerCase(), v]));
    this.readOnly = new Set((opts.readOnlyFields ?? []).map((n) => n.toLowerCase()));
  }

  /** The field as this org has it, or undefined when the org has no such field. */
  field(object: string, name: string): FieldDef | undefined {
    const fd = findField(object, name);
    if (!fd || this.dropped.has(key(object, fd.name))) return undefined;
    const picklist = this.picklists.get(key(object, fd.name));
    return picklist ? { ...fd, picklist, restricted: true } : fd;
  }

  has(object: string, name: string): boolean {
    return this.field(object, name) !== undefined;
  }

  editable(object: string, name: string): boolean {
    return !this.readOnly.has(key(object, name));
  }
}
