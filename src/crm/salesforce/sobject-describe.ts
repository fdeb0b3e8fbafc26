import { recurrenceFormOf, type RecurrenceForm } from './recurrence-form.ts';
import { indexDescribe, type FieldIndex } from './value-checks.ts';

/** The parts of `GET sobjects/{sobject}/describe` that the connector reads. */
export interface SObjectInfo {
  readonly name: string;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  readonly fields: FieldIndex;
  /** Fields a create must fill: createable, not nillable and not defaulted by Salesforce. */
  readonly requiredOnCreate: readonly string[];
  /** Fields flagged External ID, which upserts can match on. */
  readonly externalIdFields: readonly string[];
}

/** One entry of `GET sobjects` (describeGlobal). */
export interface GlobalObject {
  readonly name: string;
  readonly createable: boolean;
  readonly queryable: boolean;
}

type Raw = Record<string, unknown>;

export function parseSObjectDescribe(body: unknown): SObjectInfo {
  const raw: Raw = body !== null && typeof body === 'object' ? (body as Raw) : {};
  const fields = Array.isArray(raw.fields) ? (raw.fields as Raw[]).filter((f) => typeof f?.name === 'string') : [];
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    createable: raw.createable === true,
    updateable: raw.updateable === true,
    deletable: raw.deletable === true,
    fields: indexDescribe(body),
    requiredOnCreate: fields
      // Booleans are never null in Salesforce: an omitted one is false, so it is never missing.
      .filter((f) => f.createable === true && f.nillable === false && f.defaultedOnCreate !== true && f.type !== 'boolean')
      .map((f) => String(f.name)),
    externalIdFields: fields.filter((f) => f.externalId === true).map((f) => String(f.name)),
  };
}

/** Objects of describeGlobal by lower-cased API name. */
export function parseDescribeGlobal(body: unknown): ReadonlyMap<string, GlobalObject> {
  const list = body !== null && typeof body === 'object' ? (body as Raw).sobjects : undefined;
  const objects = new Map<string, GlobalObject>();
  for (const entry of Array.isArray(list) ? (list as Raw[]) : []) {
    if (typeof entry?.name !== 'string') {
      continue;
    }
    objects.set(entry.name.toLowerCase(), { name: entry.name, createable: entry.createable === true, queryable: entry.queryable !== false });
  }
  return objects;
}

/** Optional org features that change which objects and fields the engine may write. */
export interface OrgFeatures {
  /** EmailMessage can be created for any email, not only Email-to-Case: save emails as Enhanced Email. */
  readonly enhancedEmail: boolean;
  /** Account has IsPersonAccount: unknown people may become person accounts. */
  readonly personAccounts: boolean;
  /** EventRelation has IsParent: an event can be related to several contacts. */
  readonly sharedActivities: boolean;
  /** Objects (of those asked about) whose sync id field exists and is an External ID. */
  readonly syncIdFieldOn: readonly string[];
  /** How the org keeps recurring events; null when Event was not among the objects asked about. */
  readonly recurringEvents: RecurrenceForm | null;
}

/** Decide the org's features from describeGlobal and the describes of Account, EventRelation and the synced objects. */
export function readOrgFeatures(
  global: ReadonlyMap<string, GlobalObject>,
  describes: ReadonlyMap<string, SObjectInfo>,
  syncIdField: string | null,
): OrgFeatures {
  const has = (sobject: string, field: string) => describes.get(sobject.toLowerCase())?.fields.has(field.toLowerCase()) === true;
  const eventInfo = describes.get('event');
  const syncIdFieldOn =
    syncIdField === null
      ? []
      : [...describes.values()]
          .filter((info) => info.externalIdFields.some((name) => name.toLowerCase() === syncIdField.toLowerCase()))
          .map((info) => info.name);
  return {
    enhancedEmail: global.get('emailmessage')?.createable === true && global.has('emailmessagerelation'),
    personAccounts: has('Account', 'IsPersonAccount'),
    sharedActivities: has('EventRelation', 'IsParent'),
    syncIdFieldOn,
    recurringEvents: eventInfo === undefined ? null : recurrenceFormOf(eventInfo.fields),
  };
}
