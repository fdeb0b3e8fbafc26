import { TEXT_FIELD_TYPES, type FieldDef, type SObjectDef } from './schema/field-def.ts';

const SOAP_TYPES: Record<FieldDef['type'], string> = {
  id: 'tns:ID', reference: 'tns:ID', string: 'xsd:string', textarea: 'xsd:string', combobox: 'xsd:string',
  picklist: 'xsd:string', email: 'xsd:string', boolean: 'xsd:boolean', int: 'xsd:int', datetime: 'xsd:dateTime',
  date: 'xsd:date', phone: 'xsd:string', url: 'xsd:string', double: 'xsd:double', currency: 'xsd:double',
  percent: 'xsd:double', base64: 'xsd:base64Binary',
};

/** Builds the object-level part of describe, also used by `GET sobjects` and `GET sobjects/{sobject}`. */
export function sobjectSummary(def: SObjectDef, apiVersion: string): Record<string, unknown> {
  const base = `/services/data/v${apiVersion}/sobjects/${def.name}`;
  return {
    name: def.name,
    label: def.label,
    labelPlural: def.labelPlural,
    keyPrefix: def.keyPrefix,
    custom: false,
    customSetting: false,
    createable: def.createable,
    updateable: def.updateable,
    deletable: def.deletable,
    undeletable: def.deletable,
    queryable: true,
    retrieveable: true,
    searchable: true,
    layoutable: true,
    replicateable: true,
    triggerable: true,
    mergeable: false,
    feedEnabled: false,
    activateable: false,
    deprecatedAndHidden: false,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

/** `GET sobjects/{sobject}/describe`: the object flags plus every field's metadata. */
export function describeSObject(def: SObjectDef, apiVersion: string): Record<string, unknown> {
  return { ...sobjectSummary(def, apiVersion), fields: def.fields.map(describeField), childRelationships: [], recordTypeInfos: [] };
}

function describeField(f: FieldDef): Record<string, unknown> {
  const isText = TEXT_FIELD_TYPES.has(f.type);
  const isId = f.type === 'id' || f.type === 'reference';
  let length = isId ? 18 : 0;
  if (isText) length = f.length;
  const defaultPick = f.picklistValues.find((p) => p.defaultValue);
  let defaultValue: unknown = null;
  if (f.type === 'boolean' && f.defaultedOnCreate) defaultValue = false;
  if (defaultPick && f.type === 'picklist') defaultValue = defaultPick.value;
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    soapType: SOAP_TYPES[f.type],
    length,
    // Salesforce reports three bytes per character for text fields.
    byteLength: isText ? length * 3 : length,
    digits: f.digits,
    precision: 0,
    scale: 0,
    nillable: f.nillable,
    createable: f.createable,
    updateable: f.updateable,
    defaultedOnCreate: f.defaultedOnCreate,
    defaultValue,
    externalId: f.externalId,
    idLookup: f.idLookup,
    unique: f.unique,
    caseSensitive: f.caseSensitive,
    custom: f.custom,
    calculated: false,
    autoNumber: false,
    filterable: f.type !== 'textarea',
    sortable: f.type !== 'textarea',
    groupable: !['textarea', 'datetime'].includes(f.type),
    nameField: false,
    htmlFormatted: false,
    picklistValues: f.picklistValues.map((p) => ({ ...p, validFor: null })),
    restrictedPicklist: f.restrictedPicklist,
    dependentPicklist: false,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    polymorphicForeignKey: f.referenceTo.length > 1,
    cascadeDelete: false,
    deprecatedAndHidden: false,
  };
}
