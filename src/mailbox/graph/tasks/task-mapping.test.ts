import { describe, expect, it } from 'vitest';
import type { MailboxTask } from '../../../domain/task.ts';
import { corpusJson } from '../fake-graph.test-support.ts';
import { taskFromGraph, taskSnapshot } from './task-from-graph.ts';
import { taskCreateBody, taskPatchBody } from './task-to-graph.ts';
import type { GraphTodoTask } from './todo-types.ts';

describe('To Do task mapping', () => {
  it('reads the documented task', () => {
    const documented = corpusJson<GraphTodoTask>('graph-todotask.json');

    const snapshot = taskSnapshot(documented, 'America/New_York');

    expect(snapshot.version).toBe('s8/ERWT3WEeFpBGD0bDgAA+TWq9g==');
    expect(snapshot.modifiedAt).toBe('2020-07-22T12:02:10.883Z');
    expect(snapshot.syncId).toBeNull();
    expect(snapshot.item).toEqual({
      subject: 'Shop for dinner',
      body: null,
      status: 'notStarted',
      importance: 'low',
      dueDate: '2020-08-25',
      startDate: null,
      completedAt: null,
      reminderAt: null,
      isPrivate: false,
      categories: [],
    });
  });

  it('reads the documented delta item', () => {
    const delta = corpusJson<{ value: GraphTodoTask[] }>('graph-todotask-delta.json');

    expect(taskFromGraph(delta.value[0] as GraphTodoTask, 'Europe/Berlin')).toMatchObject({ subject: 'empty task3', importance: 'normal', dueDate: null });
  });

  it('reads a sync id and HTML body', () => {
    const task: GraphTodoTask = {
      id: 'AAMkA1',
      body: { contentType: 'html', content: '<p>Call <b>back</b></p>' },
      isReminderOn: false,
      reminderDateTime: { dateTime: '2026-01-01T09:00:00.0000000', timeZone: 'UTC' },
      linkedResources: [{ applicationName: 'Outlook', externalId: 'mail' }, { applicationName: 'Syncline', externalId: 'S-9' }],
    };

    const snapshot = taskSnapshot(task, 'UTC');

    expect(snapshot.syncId).toBe('S-9');
    expect(snapshot.item.body).toBe('Call back');
    expect(snapshot.item.reminderAt).toBeNull();
  });

  it('writes only the patched fields', () => {
    expect(taskPatchBody({ subject: 'New title' }, 'Europe/Berlin')).toEqual({ body: { title: 'New title' }, skipped: [] });
    expect(taskPatchBody({ dueDate: null, startDate: '2026-03-01' }, 'Europe/Berlin').body).toEqual({
      dueDateTime: null,
      startDateTime: { dateTime: '2026-03-01T00:00:00', timeZone: 'Europe/Berlin' },
    });
    expect(taskPatchBody({ reminderAt: '2026-03-01T08:00:00Z' }, 'Europe/Berlin').body).toEqual({
      isReminderOn: true,
      reminderDateTime: { dateTime: '2026-03-01T09:00:00', timeZone: 'Europe/Berlin' },
    });
    expect(taskPatchBody({ isPrivate: true }, 'UTC')).toEqual({ body: {}, skipped: ['isPrivate'] });
  });

  it('creates with the sync id resource', () => {
    const task: MailboxTask = {
      subject: 'Quote',
      body: null,
      status: 'completed',
      importance: 'high',
      dueDate: null,
      startDate: null,
      completedAt: '2026-03-02T10:00:00.000Z',
      reminderAt: null,
      isPrivate: false,
      categories: ['Salesforce'],
    };

    const body = taskCreateBody(task, 'S-1', 'Europe/Berlin');

    expect(body.linkedResources).toEqual([{ applicationName: 'Syncline', displayName: 'Synced by Syncline', externalId: 'S-1' }]);
    expect(body.body).toEqual({ contentType: 'text', content: '' });
    expect(body.completedDateTime).toEqual({ dateTime: '2026-03-02T11:00:00', timeZone: 'Europe/Berlin' });
    expect(body.isReminderOn).toBe(false);
  });
});
