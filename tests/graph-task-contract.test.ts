import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, MailboxTaskSource, Write } from '../src/domain/connector.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import type { MailboxTask } from '../src/domain/task.ts';
import { createGraphTaskSource } from '../src/mailbox/graph/index.ts';
import { ItemMailboxes, type ItemMailbox } from './support/graph-item-mailbox.ts';

/** The To Do task source against the Graph emulator: the ItemSource contract, end to end over HTTP. */

const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
const mailboxes = new ItemMailboxes();

beforeAll(() => mailboxes.start());
afterAll(() => mailboxes.stop());

const TASK: MailboxTask = {
  subject: 'Send the renewal quote',
  body: 'Include the volume discount.\nCopy the account manager.',
  status: 'inProgress',
  importance: 'high',
  dueDate: '2026-06-12',
  startDate: '2026-06-01',
  completedAt: null,
  reminderAt: '2026-06-11T07:30:00.000Z',
  isPrivate: false,
  categories: ['Salesforce'],
};

interface TaskWorld {
  readonly mailbox: ItemMailbox;
  readonly source: MailboxTaskSource;
}

async function newWorld(): Promise<TaskWorld> {
  const mailbox = await mailboxes.newMailbox();
  return { mailbox, source: createGraphTaskSource(mailbox.options) };
}

function upserts(changes: readonly Change<MailboxTask>[]): Extract<Change<MailboxTask>, { kind: 'upsert' }>[] {
  return changes.filter((change): change is Extract<Change<MailboxTask>, { kind: 'upsert' }> => change.kind === 'upsert');
}

async function createTask(world: TaskWorld, task: MailboxTask, syncId: string): Promise<string> {
  const [result] = await world.source.applyWrites([{ op: 'create', ref: 'c', syncId, item: task }]);
  if (!result?.ok) {
    throw new Error(`create failed: ${JSON.stringify(result)}`);
  }
  return result.id;
}

interface AdminTask {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly importance: string;
  readonly dueDateTime?: { dateTime: string; timeZone: string };
  readonly reminderDateTime?: { dateTime: string; timeZone: string };
  readonly linkedResources: { applicationName?: string; externalId?: string }[];
}

async function adminTasks(world: TaskWorld): Promise<AdminTask[]> {
  return (await mailboxes.admin<{ value: AdminTask[] }>('GET', `/users/${encodeURIComponent(world.mailbox.address)}/todo/tasks`)).value;
}

describe('Graph To Do task source', () => {
  it('first pull lists the default list only', async () => {
    const world = await newWorld();
    const lists = (await mailboxes.graph<{ value: { id: string; wellknownListName: string }[] }>(world.mailbox, 'GET', '/todo/lists')).value;
    const flagged = lists.find((list) => list.wellknownListName === 'flaggedEmails');
    await mailboxes.graph(world.mailbox, 'POST', `/todo/lists/${encodeURIComponent(flagged?.id ?? '')}/tasks`, { title: 'Follow up on a flagged email' });
    await mailboxes.admin('POST', `/users/${encodeURIComponent(world.mailbox.address)}/todo/seed`, {
      tasks: [
        {
          title: 'Call Fabrikam back',
          dueDateTime: { dateTime: '2026-08-25T00:00:00', timeZone: 'Eastern Standard Time' },
          importance: 'low',
          categories: ['Red category'],
          linkedResources: [{ applicationName: 'Outlook', displayName: 'From an email', externalId: 'mail-1' }],
        },
        { title: 'Book travel', status: 'completed', completedDateTime: { dateTime: '2026-05-02T00:00:00', timeZone: 'Europe/Berlin' } },
      ],
    });

    const pull = await world.source.pullChanges(null, WINDOW);

    expect(pull.isFullListing).toBe(true);
    const byTitle = new Map(upserts(pull.changes).map((change) => [change.item.subject, change]));
    expect([...byTitle.keys()].sort()).toEqual(['Book travel', 'Call Fabrikam back']);
    const call = byTitle.get('Call Fabrikam back');
    expect(call?.item.dueDate).toBe('2026-08-25');
    expect(call?.item.importance).toBe('low');
    expect(call?.item.categories).toEqual(['Red category']);
    expect(call?.syncId).toBeNull();
    expect(call?.version).not.toBe('');
    const travel = byTitle.get('Book travel');
    expect(travel?.item.status).toBe('completed');
    expect(travel?.item.completedAt).toBe('2026-05-01T22:00:00.000Z');
  });

  it('creates, reads back and reports a task in delta', async () => {
    const world = await newWorld();
    const first = await world.source.pullChanges(null, WINDOW);
    expect(first.changes).toEqual([]);

    const id = await createTask(world, TASK, 'sync-task-1');
    const read = await world.source.readItems([id]);
    expect(read.get(id)?.item).toEqual(TASK);
    expect(read.get(id)?.syncId).toBe('sync-task-1');

    const stored = await adminTasks(world);
    expect(stored[0]?.dueDateTime).toEqual({ dateTime: '2026-06-11T22:00:00.0000000', timeZone: 'UTC' });
    expect(stored[0]?.linkedResources).toEqual([expect.objectContaining({ applicationName: 'Syncline', externalId: 'sync-task-1' })]);

    const delta = await world.source.pullChanges(first.nextCursor, WINDOW);
    expect(delta.isFullListing).toBe(false);
    expect(upserts(delta.changes).map((change) => [change.id, change.syncId, change.item.subject])).toEqual([[id, 'sync-task-1', TASK.subject]]);
  });

  it('updates with a partial patch only', async () => {
    const world = await newWorld();
    const id = await createTask(world, TASK, 'sync-task-2');
    const cursor = (await world.source.pullChanges(null, WINDOW)).nextCursor;
    const before = (await world.source.readItems([id])).get(id);

    const [result] = await world.source.applyWrites([
      { op: 'update', ref: 'u', id, patch: { subject: 'Send the signed quote', dueDate: '2026-06-15', reminderAt: null }, expectedVersion: before?.version ?? null },
    ]);

    expect(result).toMatchObject({ ok: true, id });
    const patch = world.mailbox.batches.at(-1)?.[0];
    expect(patch?.method).toBe('PATCH');
    expect(Object.keys(patch?.body ?? {}).sort()).toEqual(['dueDateTime', 'isReminderOn', 'reminderDateTime', 'title']);
    const after = (await world.source.readItems([id])).get(id);
    expect(after?.item).toEqual({ ...TASK, subject: 'Send the signed quote', dueDate: '2026-06-15', reminderAt: null });
    expect(after?.version).not.toBe(before?.version);
    expect(result).toMatchObject({ ok: true, version: after?.version });

    const delta = await world.source.pullChanges(cursor, WINDOW);
    expect(upserts(delta.changes).map((change) => change.item.subject)).toEqual(['Send the signed quote']);
  });

  it('deletes, reports the removal and deletes again quietly', async () => {
    const world = await newWorld();
    const id = await createTask(world, TASK, 'sync-task-3');
    const cursor = (await world.source.pullChanges(null, WINDOW)).nextCursor;

    const [deleted] = await world.source.applyWrites([{ op: 'delete', ref: 'd', id }]);
    const [again] = await world.source.applyWrites([{ op: 'delete', ref: 'd2', id }]);

    expect(deleted).toMatchObject({ ok: true, id });
    expect(again).toMatchObject({ ok: true, id });
    expect((await world.source.readItems([id])).size).toBe(0);
    const delta = await world.source.pullChanges(cursor, WINDOW);
    expect(delta.changes).toEqual([{ kind: 'delete', id, mayStillExist: false }]);
  });

  it('pages a full listing and its deltas', async () => {
    const world = await newWorld();
    const writes: Write<MailboxTask>[] = Array.from({ length: 25 }, (_, index) => ({
      op: 'create',
      ref: `c${index}`,
      syncId: `bulk-${index}`,
      item: { ...TASK, subject: `Task ${index}` },
    }));

    const results = await world.source.applyWrites(writes);

    expect(results.every((result) => result.ok)).toBe(true);
    expect(world.mailbox.batches.map((batch) => batch.length)).toEqual([20, 5]);
    const pull = await world.source.pullChanges(null, WINDOW);
    expect(new Set(upserts(pull.changes).map((change) => change.syncId)).size).toBe(25);
  });

  it('expired delta link then full listing', async () => {
    const world = await newWorld();
    await createTask(world, TASK, 'sync-task-4');
    const cursor = (await world.source.pullChanges(null, WINDOW)).nextCursor;
    await mailboxes.fault({ type: 'expireDeltaTokens' });

    const failure = await world.source.pullChanges(cursor, WINDOW).catch((error: unknown) => error);

    expect(isConnectorError(failure, 'cursorExpired')).toBe(true);
    const full = await world.source.pullChanges(null, WINDOW);
    expect(full.isFullListing).toBe(true);
    expect(upserts(full.changes).map((change) => change.syncId)).toEqual(['sync-task-4']);
  });

  it('finds a task whose create response was lost', async () => {
    const world = await newWorld();
    world.mailbox.loseNextCreateResponse();

    const [result] = await world.source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-lost', item: TASK }]);

    const stored = await adminTasks(world);
    expect(stored).toHaveLength(1);
    expect(result).toMatchObject({ ok: true, id: stored[0]?.id });
    const found = await world.source.findBySyncIds(['sync-lost', 'sync-unknown']);
    expect([...found.keys()]).toEqual(['sync-lost']);
    expect(found.get('sync-lost')?.item).toEqual(TASK);
  });

  it('waits out a 429 with Retry-After', async () => {
    const world = await newWorld();
    await mailboxes.fault({ type: 'throttle', count: 1, retryAfterSeconds: 2, pathPattern: '/todo/lists' });

    const pull = await world.source.pullChanges(null, WINDOW);

    expect(pull.isFullListing).toBe(true);
    expect(world.mailbox.waits).toEqual([2000]);
  });

  it('one bad write fails alone', async () => {
    const world = await newWorld();
    const goneId = await createTask(world, TASK, 'sync-gone');
    await world.source.applyWrites([{ op: 'delete', ref: 'd', id: goneId }]);

    const results = await world.source.applyWrites([
      { op: 'create', ref: 'good', syncId: 'sync-good', item: TASK },
      { op: 'create', ref: 'bad-date', syncId: 'sync-bad', item: { ...TASK, dueDate: '2026-02-30' } },
      { op: 'update', ref: 'gone', id: goneId, patch: { subject: 'Too late' }, expectedVersion: null },
    ]);

    expect(results.map((result) => [result.ref, result.ok])).toEqual([
      ['good', true],
      ['bad-date', false],
      ['gone', false],
    ]);
    expect(results[1]).toMatchObject({ ok: false, failure: { kind: 'itemError', code: 'InvalidItemValue' } });
    expect(results[1]).toMatchObject({ ok: false, failure: { message: expect.stringContaining('2026-02-30') } });
    expect(results[2]).toMatchObject({ ok: false, failure: { kind: 'notFound' } });
    expect((await adminTasks(world)).map((task) => task.title)).toEqual([TASK.subject]);
  });

  it("To Do's invalidRequest fails one write", async () => {
    const world = await newWorld();
    await world.source.pullChanges(null, WINDOW);
    await mailboxes.fault({ type: 'failNth', n: 2, status: 400, code: 'invalidRequest' });

    const results = await world.source.applyWrites([
      { op: 'create', ref: 'first', syncId: 'sync-first', item: TASK },
      { op: 'create', ref: 'second', syncId: 'sync-second', item: TASK },
    ]);

    expect(results.map((result) => [result.ref, result.ok])).toEqual([
      ['first', true],
      ['second', false],
    ]);
    expect(results[1]).toMatchObject({ ok: false, failure: { kind: 'itemError', code: 'invalidRequest' } });
  });

  it('skips fields To Do cannot store', async () => {
    const world = await newWorld();
    const id = await createTask(world, TASK, 'sync-private');
    const version = (await world.source.readItems([id])).get(id)?.version ?? null;

    const [result] = await world.source.applyWrites([{ op: 'update', ref: 'p', id, patch: { isPrivate: true }, expectedVersion: version }]);

    expect(result).toEqual({ ref: 'p', ok: true, id, version });
    expect(world.mailbox.batches.filter((batch) => batch.some((request) => request.method === 'PATCH'))).toEqual([]);
  });
});
