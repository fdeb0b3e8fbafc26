/** The metadata of one field: enough to validate writes, evaluate SOQL and build describe. */
export type FieldType =
  | 'id' | 'reference' | 'string' | 'textarea' | 'combobox' | 'picklist'
  | 'boolean' | 'int' | 'datetime' | 'date' | 'email'
  | 'phone' | 'url' | 'double' | 'currency' | 'percent' | 'base64';

/** Types whose values are text, bounded by `length`. */
export const TEXT_FIELD_TYPES: ReadonlySet<FieldType> = new Set<FieldType>(
  ['string', 'textarea', 'combobox', 'picklist', 'email', 'phone', 'url']);

/** Types whose values are JSON numbers. */
export const NUMBER_FIELD_TYPES: ReadonlySet<FieldType> = new Set<FieldType>(['int', 'double', 'currency', 'percent']);

export interface PicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  /** Maximum characters for text types; 18 for ids and references. */
  length: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  defaultedOnCreate: boolean;
  externalId: boolean;
  idLookup: boolean;
  unique: boolean;
  caseSensitive: boolean;
  custom: boolean;
  picklistValues: PicklistValue[];
  restrictedPicklist: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  /** Integer digits for `int`. */
  digits: number;
}

export interface SObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  fields: FieldDef[];
}

/** Builds a field with every flag at its usual value, overridden by `spec`. */
export function field(spec: Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>): FieldDef {
  return {
    label: spec.name,
    length: 0,
    nillable: true,
    createable: true,
    updateable: true,
    defaultedOnCreate: false,
    externalId: false,
    idLookup: false,
    unique: false,
    caseSensitive: false,
    custom: false,
    picklistValues: [],
    restrictedPicklist: false,
    referenceTo: [],
    relationshipName: null,
    digits: 0,
    ...spec,
  };
}

/** Builds a field that the server fills and the API cannot write. */
export function systemField(spec: Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>): FieldDef {
  return field({ createable: false, updateable: false, nillable: false, defaultedOnCreate: true, ...spec });
}

export function picklist(values: string[], defaultValue?: string): PicklistValue[] {
  return values.map((value) => ({ value, label: value, active: true, defaultValue: value === defaultValue }));
}

/** Finds a field by name the way Salesforce does, ignoring case. */
export function findField(def: SObjectDef, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  return def.fields.find((f) => f.name.toLowerCase() === lower);
}
