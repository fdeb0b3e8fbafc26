import type { EmailRecordObject } from '../../../domain/email-saves.ts';
import { RELATION_TYPES, type ExistingEmailRecord, type ExistingRelation, type NewEmailRecord, type NewRecordOutcome, type RelationType, type WriteOutcome } from '../../../email/ports.ts';
import type { LinkedGroup } from '../linked-writes.ts';
import type { SalesforceRecordClient } from '../record-client.ts';
import type { RecordWrite, RecordWriteResult } from '../write-batches.ts';
import type { EmailFieldNames } from './email-profile.ts';

/** A Composite call takes a parent and four collections of 200 children; more relations follow in their own writes. */
const RELATIONS_WITH_RECORD = 800;

/**
 * Read the records carrying these message keys, with their relations and the files first published on them. When
 * a key names several records (the field is not marked Unique), the oldest is the saved email.
 */
export async function findEmailRecords(
  client: SalesforceRecordClient,
  fields: EmailFieldNames,
  sobject: EmailRecordObject,
  keys: readonly string[],
): Promise<Map<string, ExistingEmailRecord>> {
  if (keys.length === 0) {
    return new Map();
  }
  const records = await client.selectWhereIn(sobject, [fields.messageKeyField, 'CreatedDate'], fields.messageKeyField, keys);
  const byKey = new Map<string, { id: string; created: string }>();
  for (const record of records) {
    const key = String(record[fields.messageKeyField] ?? '').toLowerCase();
    const earlier = byKey.get(key);
    const created = String(record.CreatedDate ?? '');
    if (earlier === undefined || created < earlier.created) {
      byKey.set(key, { id: String(record.Id), created });
    }
  }
  const ids = [...byKey.values()].map((entry) => entry.id);

  const relations = sobject === 'EmailMessage' ? await readRelations(client, ids) : new Map<string, ExistingRelation[]>();
  const files = await client.selectWhereIn('ContentVersion', ['PathOnClient', 'ContentSize', 'FirstPublishLocationId'], 'FirstPublishLocationId', ids, 'IsLatest = true');

  const found = new Map<string, ExistingEmailRecord>();
  for (const [key, entry] of byKey) {
    found.set(key, {
      key,
      sobject,
      recordId: entry.id,
      relations: relations.get(entry.id) ?? [],
      files: files
        .filter((file) => file.FirstPublishLocationId === entry.id)
        .map((file) => ({ pathOnClient: String(file.PathOnClient ?? ''), size: Number(file.ContentSize ?? 0) })),
    });
  }
  return found;
}

async function readRelations(client: SalesforceRecordClient, emailIds: readonly string[]): Promise<Map<string, ExistingRelation[]>> {
  const rows = await client.selectWhereIn('EmailMessageRelation', ['EmailMessageId', 'RelationId', 'RelationAddress', 'RelationType'], 'EmailMessageId', emailIds);
  const byEmail = new Map<string, ExistingRelation[]>();
  for (const row of rows) {
    const type = String(row.RelationType ?? '');
    if (!(RELATION_TYPES as readonly string[]).includes(type)) {
      continue;
    }
    const relation: ExistingRelation = {
      id: String(row.Id),
      type: type as RelationType,
      address: String(row.RelationAddress ?? '').trim().toLowerCase(),
      relationId: typeof row.RelationId === 'string' && row.RelationId !== '' ? row.RelationId : null,
    };
    const emailId = String(row.EmailMessageId);
    byEmail.set(emailId, [...(byEmail.get(emailId) ?? []), relation]);
  }
  return byEmail;
}

/** Upsert the records by message key; an EmailMessage and its relations go in one Composite call. */
export async function createEmailRecords(client: SalesforceRecordClient, fields: EmailFieldNames, records: readonly NewEmailRecord[]): Promise<Map<string, NewRecordOutcome>> {
  const outcomes = new Map<string, NewRecordOutcome>();
  const upsert = (record: NewEmailRecord) => ({
    op: 'upsert' as const,
    ref: record.key,
    sobject: record.sobject,
    externalIdField: fields.messageKeyField,
    values: { ...record.values, [fields.messageKeyField]: record.key, [fields.addInField]: record.addInEmail },
  });

  const tasks = records.filter((record) => record.sobject === 'Task');
  if (tasks.length > 0) {
    const results = await client.write(tasks.map(upsert));
    results.forEach((result) => outcomes.set(result.ref, { record: toOutcome(result), relations: [] }));
  }

  const emails = records.filter((record) => record.sobject === 'EmailMessage');
  if (emails.length === 0) {
    return outcomes;
  }
  const groups: LinkedGroup[] = emails.map((record) => ({
    parent: upsert(record),
    children: record.relations.slice(0, RELATIONS_WITH_RECORD).map((relation, index) => ({
      field: 'EmailMessageId',
      write: { op: 'insert' as const, ref: relationRef(record.key, index), sobject: 'EmailMessageRelation', values: relationValues(relation) },
    })),
  }));
  const results = new Map((await client.writeLinked(groups)).map((result) => [result.ref, result]));

  // Relations beyond what one Composite call carries are inserted once their email exists.
  const overflow: RecordWrite[] = [];
  for (const record of emails) {
    const parent = results.get(record.key);
    if (parent?.ok !== true) {
      continue;
    }
    record.relations.slice(RELATIONS_WITH_RECORD).forEach((relation, offset) => {
      overflow.push({
        op: 'insert', ref: relationRef(record.key, RELATIONS_WITH_RECORD + offset), sobject: 'EmailMessageRelation',
        values: { EmailMessageId: parent.id, ...relationValues(relation) },
      });
    });
  }
  if (overflow.length > 0) {
    (await client.write(overflow)).forEach((result) => results.set(result.ref, result));
  }

  for (const record of emails) {
    const parent = results.get(record.key);
    outcomes.set(record.key, {
      record: parent === undefined ? missing(record.key) : toOutcome(parent),
      relations: record.relations.map((_, index) => {
        const result = results.get(relationRef(record.key, index));
        return result === undefined ? missing(relationRef(record.key, index)) : toOutcome(result);
      }),
    });
  }
  return outcomes;
}

export function relationValues(relation: { readonly type: RelationType; readonly address: string; readonly relationId: string | null }): Record<string, unknown> {
  return {
    RelationType: relation.type,
    RelationAddress: relation.address,
    ...(relation.relationId === null ? {} : { RelationId: relation.relationId }),
  };
}

export function toOutcome(result: RecordWriteResult): WriteOutcome {
  return result.ok ? { ok: true, id: result.id, created: result.created } : { ok: false, failure: result.failure, recordId: result.recordId };
}

function relationRef(key: string, index: number): string {
  return `${key}#relation${index}`;
}

function missing(ref: string): WriteOutcome {
  return { ok: false, failure: { kind: 'bug', code: 'MISSING_RESULT', message: `Salesforce returned no result for write ${ref}` }, recordId: null };
}
