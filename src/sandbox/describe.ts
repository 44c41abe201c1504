/** describe / describeGlobal bodies: enough of Salesforce's shape for jsforce and for field checks. */
import type { OrgShape } from './org-shape';
import { OBJECTS, type FieldDef, type ObjectDef } from './schema';

const SOAP_TYPE: Record<string, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

function describeField(fd: FieldDef, editable = true) {
  return {
    name: fd.name,
    label: fd.name.replace(/__c$/, '').replace(/_/g, ' '),
    type: fd.type,
    soapType: SOAP_TYPE[fd.type] ?? 'xsd:string',
    length: fd.length ?? (fd.type === 'id' || fd.type === 'reference' ? 18 : 0),
    custom: fd.name.endsWith('__c'),
    nillable: fd.type !== 'boolean' && fd.name !== 'Id',
    createable: !fd.readOnly,
    updateable: !fd.readOnly && editable,
    filterable: fd.type !== 'textarea',
    calculated: false,
    referenceTo: fd.referenceTo ? [fd.referenceTo] : [],
    relationshipName: fd.relationshipName ?? null,
    restrictedPicklist: fd.restricted === true,
    picklistValues: (fd.picklist ?? []).map((v) => ({
      value: v,
      label: v,
      active: true,
      defaultValue: false,
      validFor: null,
    })),
  };
}

/**
 * As Salesforce does, describe answers for the calling user: a field the org lacks is left out, a
 * field the user may not edit says `updateable: false`.
 */
export function describeObject(obj: ObjectDef, apiVersion: string, shape?: OrgShape) {
  const fields = shape
    ? obj.fields.flatMap((fd) => {
        const own = shape.field(obj.name, fd.name);
        if (!own) return [];
        return [describeField(own, shape.editable(obj.name, fd.name))];
      })
    : obj.fields.map((fd) => describeField(fd));
  return {
    ...globalEntry(obj, apiVersion),
    fields,
    childRelationships: obj.children.map((c) => ({
      childSObject: c.childObject,
      field: c.field,
      relationshipName: c.relationshipName,
      cascadeDelete: false,
    })),
  };
}

function globalEntry(obj: ObjectDef, apiVersion: string) {
  const writable = !['OpportunityHistory', 'OpportunityFieldHistory', 'User'].includes(obj.name);
  const base = `/services/data/v${apiVersion}/sobjects/${obj.name}`;
  return {
    name: obj.name,
    label: obj.label,
    labelPlural: `${obj.label}s`,
    keyPrefix: obj.keyPrefix,
    custom: obj.name.endsWith('__c'),
    createable: writable,
    updateable: writable,
    deletable: writable,
    queryable: true,
    retrieveable: true,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

export function describeGlobal(apiVersion: string) {
  return {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: Object.values(OBJECTS).map((o) => globalEntry(o, apiVersion)),
  };
}
