import { randomUUID } from 'node:crypto';
import { badRequest } from './graph-error.ts';
import { InputReader } from './item-input.ts';
import type { LinkedResourceRecord, TodoListRecord, TodoTaskRecord } from './todo-record.ts';
import { IMPORTANCE_VALUES, TASK_STATUSES } from './todo-record.ts';
import { graphTimestamp } from './ids.ts';

/** To Do rejects a value it cannot store with 400 `invalidRequest`. */
const reader = new InputReader('invalidRequest');

type Writer = (task: TodoTaskRecord, value: unknown) => void;

const WRITERS: Record<string, Writer> = {
  title: (task, value) => (task.title = reader.string(value, 'title')),
  body: (task, value) => {
    task.body = reader.body(value);
    task.bodyLastModifiedDateTime = graphTimestamp(Date.now());
  },
  status: (task, value) => (task.status = reader.enumValue(value, 'status', TASK_STATUSES)),
  importance: (task, value) => (task.importance = reader.enumValue(value, 'importance', IMPORTANCE_VALUES)),
  isReminderOn: (task, value) => (task.isReminderOn = reader.boolean(value, 'isReminderOn')),
  reminderDateTime: (task, value) => (task.reminderMs = reader.instant(value, 'reminderDateTime')),
  dueDateTime: (task, value) => (task.dueMs = reader.dateMidnight(value, 'dueDateTime')),
  startDateTime: (task, value) => (task.startMs = reader.dateMidnight(value, 'startDateTime')),
  completedDateTime: (task, value) => (task.completedMs = reader.dateMidnight(value, 'completedDateTime')),
  categories: (task, value) => (task.categories = reader.stringArray(value, 'categories')),
  recurrence: (task, value) => (task.recurrence = value === null ? null : reader.object(value, 'recurrence')),
};

/** Written by the server; a client sending them back (a read-modify-write) is tolerated and ignored. */
const IGNORED = new Set(['id', 'createdDateTime', 'lastModifiedDateTime', 'bodyLastModifiedDateTime', 'hasAttachments']);

export function createTaskRecord(list: TodoListRecord, body: unknown): TodoTaskRecord {
  const input = reader.object(body, 'body');
  const task: TodoTaskRecord = {
    id: '',
    ownerId: list.ownerId,
    containerId: list.id,
    seq: 0,
    createdSeq: 0,
    deleted: false,
    changeKey: '',
    createdDateTime: '',
    lastModifiedDateTime: '',
    title: '',
    body: { contentType: 'text', content: '' },
    bodyLastModifiedDateTime: graphTimestamp(Date.now()),
    status: 'notStarted',
    importance: 'normal',
    isReminderOn: false,
    reminderMs: null,
    dueMs: null,
    startMs: null,
    completedMs: null,
    categories: [],
    recurrence: null,
    linkedResources: input.linkedResources === undefined ? [] : readLinkedResources(input.linkedResources),
  };
  applyWritable(task, input, 'notStarted');
  return task;
}

/** Apply a PATCH: only the properties sent change. */
export function patchTaskRecord(task: TodoTaskRecord, body: unknown): void {
  const input = reader.object(body, 'body');
  if (input.linkedResources !== undefined) {
    throw reader.error('linkedResources cannot be changed by updating the task; use the task\'s linkedResources collection.');
  }
  applyWritable(task, input, task.status);
}

export function readLinkedResource(value: unknown, property = 'linkedResource'): LinkedResourceRecord {
  const input = reader.object(value, property);
  const text = (key: string) => (input[key] === undefined ? null : reader.nullableString(input[key], `${property}.${key}`));
  return { id: randomUUID(), webUrl: text('webUrl'), applicationName: text('applicationName'), displayName: text('displayName'), externalId: text('externalId') };
}

/** Read the linked resources of a new task. The service takes at most one, and rejects more with this message. */
function readLinkedResources(value: unknown): LinkedResourceRecord[] {
  if (!Array.isArray(value)) {
    throw reader.error("Property 'linkedResources' needs an array.");
  }
  if (value.length > 1) {
    throw reader.error('Only one item in linkedResources is allowed.');
  }
  return value.map((entry: unknown, index) => readLinkedResource(entry, `linkedResources[${index}]`));
}

function applyWritable(task: TodoTaskRecord, input: Record<string, unknown>, statusBefore: TodoTaskRecord['status']): void {
  for (const [key, value] of Object.entries(input)) {
    if (IGNORED.has(key) || key === 'linkedResources' || key.startsWith('@odata.')) {
      continue;
    }

    const writer = WRITERS[key];
    if (!writer) {
      throw badRequest(`Property '${key}' does not exist on type 'microsoft.graph.todoTask'; send only todoTask properties.`, 'RequestBodyRead');
    }
    writer(task, value);
  }

  // Completing a task dates it today unless the client gave the date; reopening it clears the date.
  if (task.status === 'completed' && statusBefore !== 'completed' && input.completedDateTime === undefined) {
    const now = new Date();
    task.completedMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  }
  if (task.status !== 'completed' && input.completedDateTime === undefined) {
    task.completedMs = null;
  }
}
