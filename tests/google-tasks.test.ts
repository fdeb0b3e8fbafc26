import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxTask } from '../src/domain/task.ts';
import { createGoogleTaskSource } from '../src/mailbox/google/index.ts';
import { GoogleWorld } from './support/google-world.ts';
import { describeItemSourceContract } from './support/item-source-contract.ts';

/** The Google Tasks source against the Google emulator: the ItemSource contract and the sync id in the notes. */

const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
const DAY_MS = 86_400_000;
const world = new GoogleWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

function sample(n: number): MailboxTask {
  return {
    subject: `Send the renewal quote ${n}`,
    body: 'Include the volume discount.\nCopy the account manager.',
    status: 'notStarted',
    importance: 'normal',
    dueDate: `2026-06-${String(10 + n).padStart(2, '0')}`,
    startDate: null,
    completedAt: null,
    reminderAt: null,
    isPrivate: false,
    categories: [],
  };
}

const comparable = ({ subject, body, status, dueDate }: MailboxTask) => ({ subject, body, status, dueDate });

/** Make a clock the test moves, so a cursor can grow older than the age Syncline trusts. */
function manualClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => (offset += ms) };
}

async function newTaskUser() {
  const clock = manualClock();
  const user = await world.newUser('Europe/Berlin', { now: clock.now });
  return { user, clock, source: createGoogleTaskSource(user.options) };
}

describeItemSourceContract<MailboxTask>('Google Tasks', {
  window: WINDOW,
  guardsVersion: false,
  sample,
  patch: () => ({ subject: 'Quote sent', body: null, status: 'completed', dueDate: null }),
  comparable,
  newSubject: async () => {
    const { user, clock, source } = await newTaskUser();
    return {
      source,
      editOutside: async (id) => {
        await world.api(user, 'PATCH', `/tasks/v1/lists/@default/tasks/${id}`, { title: 'Edited in Google Tasks' });
      },
      expireCursor: async () => {
        clock.advance(8 * DAY_MS);
      },
    };
  },
});

describe('Google Tasks source', () => {
  it('keeps the sync id in the notes and out of the body', async () => {
    const { user, source } = await newTaskUser();
    const [created] = await source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-task-1', item: sample(1) }]);
    const id = created?.ok ? created.id : '';

    const stored = await world.api<{ notes: string }>(user, 'GET', `/tasks/v1/lists/@default/tasks/${id}`);
    expect(stored.body.notes).toBe('Include the volume discount.\nCopy the account manager.\n\n[Syncline: sync-task-1]');
    const read = (await source.readItems([id])).get(id);
    expect(read?.item.body).toBe('Include the volume discount.\nCopy the account manager.');
    expect(read?.syncId).toBe('sync-task-1');
  });

  it('writes the marker back when another source instance rewrites the notes', async () => {
    const { user, source } = await newTaskUser();
    const [created] = await source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-task-2', item: sample(2) }]);
    const id = created?.ok ? created.id : '';

    const fresh = createGoogleTaskSource(user.options);
    await fresh.applyWrites([{ op: 'update', ref: 'u', id, patch: { body: 'New notes' }, expectedVersion: null }]);
    const stored = await world.api<{ notes: string }>(user, 'GET', `/tasks/v1/lists/@default/tasks/${id}`);
    expect(stored.body.notes).toBe('New notes\n\n[Syncline: sync-task-2]');
  });

  it('maps open statuses to needsAction and keeps the due date', async () => {
    const { user, source } = await newTaskUser();
    const [created] = await source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-task-3', item: { ...sample(3), status: 'inProgress', importance: 'high' } }]);
    const id = created?.ok ? created.id : '';

    const stored = await world.api<{ status: string; due: string }>(user, 'GET', `/tasks/v1/lists/@default/tasks/${id}`);
    expect(stored.body.status).toBe('needsAction');
    expect(stored.body.due).toBe('2026-06-13T00:00:00.000Z');
    const item = (await source.readItems([id])).get(id)?.item;
    expect(item?.status).toBe('notStarted');
    expect(item?.importance).toBe('normal');
    expect(item?.dueDate).toBe('2026-06-13');
  });

  it('reports a completed task with its completion time', async () => {
    const { user, source } = await newTaskUser();
    const [created] = await source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-task-4', item: sample(4) }]);
    const id = created?.ok ? created.id : '';
    const cursor = (await source.pullChanges(null, WINDOW)).nextCursor;

    await world.api(user, 'PATCH', `/tasks/v1/lists/@default/tasks/${id}`, { status: 'completed' });
    const pull = await source.pullChanges(cursor, WINDOW);
    const change = pull.changes.find((candidate) => candidate.id === id);
    expect(change?.kind).toBe('upsert');
    const item = (change as Extract<typeof change, { kind: 'upsert' }>).item;
    expect(item.status).toBe('completed');
    expect(item.completedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
