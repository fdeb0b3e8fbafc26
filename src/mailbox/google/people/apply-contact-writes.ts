import type { Write, WriteResult } from '../../../domain/connector.ts';
import type { MailboxContact } from '../../../domain/contact.ts';
import type { Failure } from '../../../domain/errors.ts';
import { isUnsure, recoverUnsureCreates } from '../batch-writes.ts';
import { classifyGoogleError } from '../classify-google-error.ts';
import { createPersonBody, mergeIntoPerson } from './contact-to-person.ts';
import { PEOPLE_BATCH_SIZE, peopleUrl, type PeopleContext } from './people-context.ts';
import { batchGetPersons, findContactsBySyncIds } from './people-reads.ts';
import { PERSON_FIELDS, type Person } from './person-types.ts';

type CreateWrite = Extract<Write<MailboxContact>, { op: 'create' }>;
type UpdateWrite = Extract<Write<MailboxContact>, { op: 'update' }>;
type DeleteWrite = Extract<Write<MailboxContact>, { op: 'delete' }>;

/**
 * Apply contact writes. Creates go 200 at a time through `batchCreateContacts`, which creates all of a chunk or none:
 * a rejected chunk names its invalid contacts in `contactErrors`, and the others are sent again without them.
 * Updates read the current persons first (one `batchGet`), refuse when the etag moved since the core read it, and
 * send `updateContact` with the merged fields. People documents that one user's writes should be sent one after
 * another, so updates and deletes are not run in parallel.
 */
export async function applyContactWrites(ctx: PeopleContext, writes: readonly Write<MailboxContact>[]): Promise<WriteResult[]> {
  const results = new Map<string, WriteResult>();
  await ctx.groups.load();

  const creates = writes.filter((write): write is CreateWrite => write.op === 'create');
  for (let index = 0; index < creates.length; index += PEOPLE_BATCH_SIZE) {
    await createChunk(ctx, creates.slice(index, index + PEOPLE_BATCH_SIZE), results);
  }
  await recoverCreates(ctx, creates, results);

  const updates = writes.filter((write): write is UpdateWrite => write.op === 'update');
  const current = new Map((await batchGetPersons(ctx, updates.map((write) => write.id))).map((person) => [person.resourceName, person]));
  for (const write of updates) {
    results.set(write.ref, await update(ctx, write, current.get(write.id)));
  }
  for (const write of writes.filter((candidate): candidate is DeleteWrite => candidate.op === 'delete')) {
    results.set(write.ref, await remove(ctx, write));
  }
  return writes.map((write) => results.get(write.ref) as WriteResult);
}

async function createChunk(ctx: PeopleContext, creates: readonly CreateWrite[], results: Map<string, WriteResult>): Promise<void> {
  const contacts = await Promise.all(creates.map(async (write) => ({ contactPerson: await createPersonBody(write.item, write.syncId, ctx.groups) })));
  const response = await ctx.client.http.send({
    method: 'POST',
    url: peopleUrl(ctx, 'people:batchCreateContacts'),
    body: { contacts, readMask: PERSON_FIELDS },
    idempotent: false,
    label: 'people.batchCreateContacts',
  });
  if (!response.ok) {
    const contactErrors = contactErrorsOf(response.errorBody, creates.length);
    if (contactErrors === null) {
      creates.forEach((write) => results.set(write.ref, { ref: write.ref, ok: false, failure: response.failure }));
      return;
    }
    // Google created none of the chunk, and only the contacts it names are invalid.
    creates.forEach((write, index) => {
      const status = contactErrors.get(index);
      if (status !== undefined) {
        results.set(write.ref, { ref: write.ref, ok: false, failure: contactFailure(status) });
      }
    });
    const good = creates.filter((_write, index) => !contactErrors.has(index));
    if (good.length > 0) {
      await createChunk(ctx, good, results);
    }
    return;
  }

  const created = (response.body as { createdPeople?: { httpStatusCode?: number; person?: Person; status?: unknown }[] } | null)?.createdPeople ?? [];
  creates.forEach((write, index) => {
    const entry = created[index];
    const status = entry?.httpStatusCode ?? 0;
    if (entry?.person && status === 200) {
      results.set(write.ref, { ref: write.ref, ok: true, id: entry.person.resourceName, version: entry.person.etag ?? null });
      return;
    }
    results.set(write.ref, { ref: write.ref, ok: false, failure: partFailure(status, entry?.status) });
  });
}

interface RpcStatus {
  readonly code?: number;
  readonly message?: string;
}

/**
 * Return the invalid contacts of a rejected `batchCreateContacts` by their index in the request, read from the
 * `contactErrors` of the error's `BatchCreateContactsErrorDetails`. Return null when the error names no contact of
 * this request, so the whole chunk fails.
 */
function contactErrorsOf(errorBody: unknown, count: number): Map<number, RpcStatus> | null {
  const details = (errorBody as { error?: { details?: unknown } } | null)?.error?.details;
  if (!Array.isArray(details)) {
    return null;
  }
  const detail = details.find((entry: unknown) => String((entry as { '@type'?: unknown } | null)?.['@type']).endsWith('google.people.v1.BatchCreateContactsErrorDetails')) as
    | { contactErrors?: unknown }
    | undefined;
  if (typeof detail?.contactErrors !== 'object' || detail.contactErrors === null) {
    return null;
  }
  const errors = new Map<number, RpcStatus>();
  for (const [key, status] of Object.entries(detail.contactErrors)) {
    const index = Number(key);
    if (Number.isInteger(index) && index >= 0 && index < count) {
      errors.set(index, (status ?? {}) as RpcStatus);
    }
  }
  return errors.size > 0 ? errors : null;
}

/** Describe a contact that People rejected; Google rejects it again on every try, so it is not retried. */
function contactFailure(status: RpcStatus): Failure {
  const detail = typeof status.message === 'string' && status.message !== '' ? `: ${status.message}` : '';
  return {
    kind: 'itemError',
    code: 'ContactRejected',
    message: `Google Contacts rejected this contact as invalid (gRPC status ${status.code ?? 'unknown'})${detail}; change the contact's fields in Salesforce so it can be created`,
  };
}

function partFailure(status: number, rpcStatus: unknown): Failure {
  if (status === 0) {
    return { kind: 'retryLater', code: 'BatchPartMissing', message: 'People returned no result for this contact, so its create is checked by sync id and repeated later' };
  }
  return classifyGoogleError(status, { error: { ...(rpcStatus as object), code: status } }, new Headers());
}

async function update(ctx: PeopleContext, write: UpdateWrite, current: Person | undefined): Promise<WriteResult> {
  if (current === undefined) {
    return { ref: write.ref, ok: false, failure: { kind: 'notFound', code: 'ContactNotFound', message: 'the Google contact no longer exists' } };
  }
  if (write.expectedVersion !== null && current.etag !== write.expectedVersion) {
    return { ref: write.ref, ok: false, failure: { kind: 'conflict', code: 'EtagChanged', message: 'the Google contact changed since it was read, so it is read again in the next session' } };
  }

  const { body, fields } = await mergeIntoPerson(current, write.patch, ctx.groups);
  if (fields.length === 0) {
    return { ref: write.ref, ok: true, id: write.id, version: current.etag ?? null };
  }
  const query = new URLSearchParams({ updatePersonFields: fields.join(','), personFields: PERSON_FIELDS });
  const response = await ctx.client.http.send({ method: 'PATCH', url: `${peopleUrl(ctx, `${write.id}:updateContact`)}?${query.toString()}`, body, idempotent: true, label: 'people.updateContact' });
  if (!response.ok) {
    return { ref: write.ref, ok: false, failure: response.failure };
  }
  return { ref: write.ref, ok: true, id: write.id, version: (response.body as Person | null)?.etag ?? null };
}

async function remove(ctx: PeopleContext, write: DeleteWrite): Promise<WriteResult> {
  const response = await ctx.client.http.send({ method: 'DELETE', url: peopleUrl(ctx, `${write.id}:deleteContact`), idempotent: true, label: 'people.deleteContact' });
  // A contact already gone is what the delete asked for; a repeated delete must not fail.
  if (response.ok || response.failure.kind === 'notFound') {
    return { ref: write.ref, ok: true, id: write.id, version: null };
  }
  return { ref: write.ref, ok: false, failure: response.failure };
}

/** Recover creates whose outcome is unknown: a contact found with the sync id a create carried is its result. */
async function recoverCreates(ctx: PeopleContext, creates: readonly CreateWrite[], results: Map<string, WriteResult>): Promise<void> {
  const unsure = creates.filter((write) => {
    const result = results.get(write.ref);
    return result !== undefined && isUnsure(result);
  });
  const recovered = await recoverUnsureCreates(ctx.client.logger, 'contact', unsure, (syncIds) => findContactsBySyncIds(ctx, syncIds));
  for (const [ref, result] of recovered) {
    results.set(ref, result);
  }
}
