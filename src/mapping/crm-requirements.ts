import type { TransformType } from './field-pair.ts';
import type { MappingTable } from './field-pair.ts';
import { activePairs, effectiveDirection } from './project.ts';

const TEXT_TYPES = ['string', 'textarea', 'email', 'phone', 'url', 'combobox', 'picklist', 'multipicklist', 'encryptedstring'];

/** The Salesforce describe types each transform converts, per field position; an empty list takes any type. */
const FIELD_TYPES: Readonly<Record<TransformType, readonly (readonly string[])[]>> = {
  text: [TEXT_TYPES],
  picklist: [['picklist', 'multipicklist', 'string', 'combobox', 'textarea']],
  constant: [[]],
  date: [['date']],
  dateTime: [['datetime']],
  boolean: [['boolean']],
  number: [['int', 'double', 'currency', 'percent']],
  eventSpan: [['boolean'], ['datetime'], ['datetime'], ['date'], ['int']],
  spanFields: [['datetime'], ['datetime'], ['boolean']],
  spanDate: [['date']],
  privateFlag: [['boolean']],
  reminder: [['datetime'], ['boolean']],
};

/** One pair's needs of one Salesforce field, checked against the org's describe at session start. */
export interface CrmFieldNeed {
  readonly field: string;
  readonly source: string;
  readonly writes: boolean;
  readonly direction: string;
  readonly types: readonly string[];
  readonly maxLength?: number;
}

/** List the needs of every active pair of a table, one per Salesforce field it reads or writes. */
export function crmFieldNeeds(table: MappingTable): CrmFieldNeed[] {
  return activePairs(table).flatMap((pair) => {
    const direction = effectiveDirection(table, pair);
    const writes = direction === 'both' || direction === 'mailboxToCrm';
    const maxLength = pair.transform.type === 'text' ? pair.transform.maxLength : undefined;
    return pair.crmFields.map((field, index) => ({
      field,
      source: `${table.name}, pair "${pair.key}"`,
      writes,
      direction,
      types: FIELD_TYPES[pair.transform.type][index] ?? [],
      ...(maxLength === undefined ? {} : { maxLength }),
    }));
  });
}
