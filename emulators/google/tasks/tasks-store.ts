import { GoogleApiError, invalid, notFound } from '../google-error.ts';
import { decodeToken, encodeToken, newOpaqueEtag, newTaskId, nowIso } from '../ids.ts';
import type { TaskRecord, UserState } from '../state.ts';

/**
 * One user's Google Tasks. A deleted task keeps its record with `deleted: true`, which `showDeleted` lists; a
 * due date keeps only its date (Tasks discards the time of day and stores midnight UTC).
 */

const STATUSES = ['needsAction', 'completed'];
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

export function listOf(user: UserState, listId: string): string {
  const id = listId === '@default' ? user.tasks.defaultListId : listId;
  if (!user.tasks.lists[id]) {
    throw notFound('Task list');
  }
  return id;
}

export function getTask(user: UserState, listId: string, taskId: string): TaskRecord {
  const record = user.tasks.tasks[taskId];
  if (!record || record.listId !== listOf(user, listId)) {
    throw notFound('Task');
  }
  return record;
}

export function insertTask(user: UserState, listId: string, input: Record<string, unknown>): Record<string, unknown> {
  const id = listOf(user, listId);
  const taskId = newTaskId();
  const siblings = Object.values(user.tasks.tasks).filter((record) => record.listId === id).length;
  const resource: Record<string, unknown> = {
    kind: 'tasks#task',
    id: taskId,
    selfLink: `https://www.googleapis.com/tasks/v1/lists/${id}/tasks/${taskId}`,
    webViewLink: `https://tasks.google.com/task/${taskId}`,
    position: String(siblings).padStart(20, '0'),
    links: [],
  };
  user.tasks.tasks[taskId] = { listId: id, resource: applyFields(resource, input) };
  return user.tasks.tasks[taskId].resource;
}

export function writeTask(user: UserState, listId: string, taskId: string, input: Record<string, unknown>, mode: 'patch' | 'update', ifMatch: string | undefined): Record<string, unknown> {
  const record = getTask(user, listId, taskId);
  if (ifMatch !== undefined && ifMatch !== record.resource.etag) {
    throw new GoogleApiError(412, 'conditionNotMet', 'Precondition Failed');
  }
  const base = mode === 'patch' ? record.resource : pick(record.resource, ['kind', 'id', 'selfLink', 'webViewLink', 'position', 'links', 'parent']);
  record.resource = applyFields({ ...base }, input);
  return record.resource;
}

export function deleteTask(user: UserState, listId: string, taskId: string, ifMatch: string | undefined): void {
  const record = getTask(user, listId, taskId);
  if (ifMatch !== undefined && ifMatch !== record.resource.etag) {
    throw new GoogleApiError(412, 'conditionNotMet', 'Precondition Failed');
  }
  record.resource = { ...record.resource, deleted: true, etag: newOpaqueEtag(), updated: nowIso() };
}

/** Hide every completed task of the list, as "Clear completed tasks" in Google Tasks does. */
export function clearCompleted(user: UserState, listId: string): void {
  const id = listOf(user, listId);
  for (const record of Object.values(user.tasks.tasks)) {
    if (record.listId === id && record.resource.status === 'completed' && record.resource.hidden !== true) {
      record.resource = { ...record.resource, hidden: true, etag: newOpaqueEtag(), updated: nowIso() };
    }
  }
}

export function listTasks(user: UserState, listId: string, params: URLSearchParams): Record<string, unknown> {
  const id = listOf(user, listId);
  const flag = (name: string, fallback: boolean) => (params.get(name) === null ? fallback : params.get(name) === 'true');
  const showCompleted = flag('showCompleted', true);
  const showDeleted = flag('showDeleted', false);
  const showHidden = flag('showHidden', false);
  const updatedMin = timeParam(params, 'updatedMin');
  const dueMin = timeParam(params, 'dueMin');
  const dueMax = timeParam(params, 'dueMax');
  const maxResults = Math.min(Math.max(Number(params.get('maxResults') ?? DEFAULT_PAGE_SIZE) || DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  const offset = params.get('pageToken') === null ? 0 : (decodeToken<{ o: number }>(params.get('pageToken') ?? '')?.o ?? Number.NaN);
  if (!Number.isInteger(offset)) {
    throw invalid('Invalid pageToken.');
  }

  const tasks = Object.values(user.tasks.tasks)
    .filter((record) => record.listId === id)
    .map((record) => record.resource)
    .filter((task) => showDeleted || task.deleted !== true)
    .filter((task) => showHidden || task.hidden !== true)
    .filter((task) => showCompleted || task.status !== 'completed')
    .filter((task) => updatedMin === null || Date.parse(String(task.updated)) >= updatedMin)
    .filter((task) => dueMin === null || (typeof task.due === 'string' && Date.parse(task.due) >= dueMin))
    .filter((task) => dueMax === null || (typeof task.due === 'string' && Date.parse(task.due) < dueMax))
    .sort((a, b) => String(a.position).localeCompare(String(b.position)));

  const body: Record<string, unknown> = { kind: 'tasks#tasks', etag: newOpaqueEtag(), items: tasks.slice(offset, offset + maxResults) };
  if (offset + maxResults < tasks.length) {
    body.nextPageToken = encodeToken({ o: offset + maxResults });
  }
  return body;
}

function timeParam(params: URLSearchParams, name: string): number | null {
  const value = params.get(name);
  if (value === null) {
    return null;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw invalid(`Invalid ${name}: expected an RFC 3339 timestamp.`);
  }
  return ms;
}

function applyFields(resource: Record<string, unknown>, input: Record<string, unknown>): Record<string, unknown> {
  for (const field of ['title', 'notes'] as const) {
    if (input[field] === null) delete resource[field];
    else if (input[field] !== undefined) resource[field] = String(input[field]);
  }
  if (input.due === null) {
    delete resource.due;
  } else if (input.due !== undefined) {
    const ms = Date.parse(String(input.due));
    if (Number.isNaN(ms)) throw invalid(`Invalid value for due: ${String(input.due)}`);
    resource.due = `${new Date(ms).toISOString().slice(0, 10)}T00:00:00.000Z`;
  }
  if (input.deleted !== undefined) resource.deleted = input.deleted === true;

  const status = input.status === undefined ? (resource.status ?? 'needsAction') : input.status;
  if (typeof status !== 'string' || !STATUSES.includes(status)) {
    throw invalid(`Invalid value for status: ${String(status)}`);
  }
  resource.status = status;
  if (status === 'completed') {
    resource.completed = typeof input.completed === 'string' ? new Date(Date.parse(input.completed)).toISOString() : (resource.completed ?? nowIso());
  } else {
    delete resource.completed;
    delete resource.hidden;
  }
  if (resource.deleted !== true) delete resource.deleted;

  resource.etag = newOpaqueEtag();
  resource.updated = nowIso();
  return resource;
}

function pick(resource: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => resource[key] !== undefined).map((key) => [key, resource[key]]));
}
