import { OBJECT_KINDS, type ObjectKind } from '../../domain/link.ts';
import { EVENT_SCOPE, type RecordScope } from './record-scope.ts';

/** The Salesforce object each kind is mirrored with unless its table names another. */
export const STANDARD_OBJECTS: Readonly<Record<ObjectKind, string>> = { event: 'Event', task: 'Task', contact: 'Contact' };

/** The owner's tasks, without the series masters of recurring tasks and without emails saved as tasks. */
export const TASK_SCOPE: RecordScope = {
  falseWhereExists: ['IsRecurrence'],
  excludeWhereExists: [{ field: 'TaskSubtype', value: 'Email' }],
};

const OBJECT_SCOPES: Readonly<Record<string, RecordScope>> = { event: EVENT_SCOPE, task: TASK_SCOPE };

export interface KindObject {
  readonly kind: ObjectKind;
  readonly sobject: string;
  /** Date-time fields that place a record of a custom object in the sync window; null when there are none. */
  readonly windowFields: { readonly start: string; readonly end: string } | null;
}

export interface KindScope {
  readonly scope: RecordScope;
  /** Put in front of the sync ids the kind creates; set when the kind is a guest in another kind's object. */
  readonly syncIdPrefix?: string;
}

/** Return the sync id prefix of a kind's records in an object another kind owns, e.g. `event:` for calendar items kept as Tasks. */
export function syncIdPrefixOf(kind: ObjectKind): string {
  return `${kind}:`;
}

/**
 * Decide which records of its object each kind reads. An object belongs to the kind whose standard object it is, or
 * else to the first kind mirrored with it. That kind reads the owner's records in the object's usual scope, without
 * the records of other kinds. Any other kind mirrored with the object is a guest there, and reads only the records it
 * created, which carry its sync id prefix. So a Task created for a calendar item never shows up as a To Do task.
 */
export function kindScopes(objects: readonly KindObject[]): Map<ObjectKind, KindScope> {
  const scopes = new Map<ObjectKind, KindScope>();
  for (const entry of objects) {
    const object = entry.sobject.toLowerCase();
    const standardOwner = OBJECT_KINDS.find((kind) => STANDARD_OBJECTS[kind].toLowerCase() === object);
    const owner = standardOwner ?? objects.find((other) => other.sobject.toLowerCase() === object)?.kind;
    const base = OBJECT_SCOPES[standardOwner ?? ''] ?? (entry.windowFields === null ? {} : { window: entry.windowFields });

    if (owner === entry.kind) {
      const others = OBJECT_KINDS.filter((kind) => kind !== entry.kind).map(syncIdPrefixOf);
      scopes.set(entry.kind, { scope: { ...base, excludeSyncIdPrefixes: others } });
      continue;
    }
    // A guest's records need not follow the owner's window fields, so a guest reads all of its own records.
    const prefix = syncIdPrefixOf(entry.kind);
    const guest: RecordScope = {
      ...(base.falseWhereExists === undefined ? {} : { falseWhereExists: base.falseWhereExists }),
      ...(base.excludeWhereExists === undefined ? {} : { excludeWhereExists: base.excludeWhereExists }),
      syncIdPrefix: prefix,
    };
    scopes.set(entry.kind, { scope: guest, syncIdPrefix: prefix });
  }
  return scopes;
}
