import { checkIfMatch, contextUrl, eventHeaders } from './event-access.ts';
import { GraphError, itemNotFound } from './graph-error.ts';
import type { GraphResponse, Route, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import { isWellFormedEventId } from './ids.ts';
import { serveItemDelta } from './item-delta.ts';
import { parseItemFilter } from './item-filter.ts';
import { itemPage } from './item-page.ts';
import type { TodoListRecord, TodoTaskRecord } from './todo-record.ts';
import { createTaskRecord, patchTaskRecord, readLinkedResource } from './todo-input.ts';
import { renderLinkedResource, renderList, renderTask } from './todo-view.ts';

/**
 * Microsoft To Do under `/users/{user}/todo/lists` (api/todo-list-lists.md, todotasklist-list-tasks.md,
 * todotask-get/update/delete.md, todotask-delta.md, todotask-post-linkedresources.md). Task versions are the weak
 * ETag `W/"…"`; PATCH and DELETE honour `If-Match` with it, like the other Outlook resources.
 */

const TASK_FILTER = {
  properties: {
    status: (task: TodoTaskRecord) => task.status,
    importance: (task: TodoTaskRecord) => task.importance,
    title: (task: TodoTaskRecord) => task.title,
  },
};

function listPath(list: TodoListRecord): string {
  return `todo/lists/${encodeURIComponent(list.id)}`;
}

function requireList(context: RouteContext): TodoListRecord {
  const id = context.params.listId ?? '';
  const list = context.services.todo.findList(context.user, id);
  if (!list) {
    throw new GraphError(404, 'ErrorItemNotFound', `The To Do list '${id}' was not found in the mailbox; list /todo/lists for the ids.`);
  }
  return list;
}

function requireTask(context: RouteContext, list: TodoListRecord): TodoTaskRecord {
  const id = context.params.taskId ?? '';
  if (!isWellFormedEventId(id)) {
    throw new GraphError(400, 'ErrorInvalidIdMalformed', `Id '${id}' is malformed; use a task id returned by Graph.`);
  }

  const task = context.services.todo.tasks.get(context.user.id, id);
  if (!task || task.containerId !== list.id) {
    throw itemNotFound();
  }
  return task;
}

function taskResponse(context: RouteContext, list: TodoListRecord, task: TodoTaskRecord, status: number, withLinkedResources = false): GraphResponse {
  const query = context.request.query;
  const view = renderTask(task, { preferences: context.preferences, select: query.get('$select'), expand: query.get('$expand'), withLinkedResources });
  const body = { '@odata.context': contextUrl(context, `${listPath(list)}/tasks/$entity`), ...view };
  return jsonResponse(status, body, { ...eventHeaders(context), ETag: `W/"${task.changeKey}"` });
}

function listLists(context: RouteContext): GraphResponse {
  const lists = context.services.todo.listsOf(context.user).map(renderList);
  return jsonResponse(200, { '@odata.context': contextUrl(context, 'todo/lists'), value: lists }, eventHeaders(context));
}

function createList(context: RouteContext): GraphResponse {
  const body = context.request.body as { displayName?: unknown } | null;
  if (typeof body?.displayName !== 'string' || body.displayName.trim() === '') {
    throw new GraphError(400, 'invalidRequest', "A To Do list needs a 'displayName' string.");
  }

  const list = context.services.todo.addList(context.user, body.displayName);
  return jsonResponse(201, { '@odata.context': contextUrl(context, 'todo/lists/$entity'), ...renderList(list) }, eventHeaders(context));
}

function getList(context: RouteContext): GraphResponse {
  const list = requireList(context);
  return jsonResponse(200, { '@odata.context': contextUrl(context, 'todo/lists/$entity'), ...renderList(list) }, eventHeaders(context));
}

function listTasks(context: RouteContext): GraphResponse {
  const list = requireList(context);
  const query = context.request.query;
  const predicate = parseItemFilter(query.get('$filter'), TASK_FILTER);
  const tasks = context.services.todo.tasks.live(context.user.id, list.id).filter((task) => predicate === null || predicate(task));
  const options = { preferences: context.preferences, select: query.get('$select'), expand: query.get('$expand') };
  return itemPage(context, tasks, { pathAfterUser: `${listPath(list)}/tasks`, odataContext: contextUrl(context, `${listPath(list)}/tasks`) }, (task) =>
    renderTask(task, options),
  );
}

function createTask(context: RouteContext): GraphResponse {
  const list = requireList(context);
  const task = context.services.todo.insertTask(createTaskRecord(list, context.request.body));
  return taskResponse(context, list, task, 201, task.linkedResources.length > 0);
}

function getTask(context: RouteContext): GraphResponse {
  const list = requireList(context);
  return taskResponse(context, list, requireTask(context, list), 200);
}

function updateTask(context: RouteContext): GraphResponse {
  const list = requireList(context);
  const task = requireTask(context, list);
  checkIfMatch(context, task);

  // Validate on a copy so a request that fails half-way changes nothing.
  const draft: TodoTaskRecord = structuredClone(task);
  patchTaskRecord(draft, context.request.body);
  Object.assign(task, draft);
  context.services.todo.tasks.touch(task);
  return taskResponse(context, list, task, 200);
}

function deleteTask(context: RouteContext): GraphResponse {
  const list = requireList(context);
  const task = requireTask(context, list);
  checkIfMatch(context, task);
  context.services.todo.tasks.remove(task);
  return jsonResponse(204, null);
}

function taskDelta(context: RouteContext): GraphResponse {
  const list = requireList(context);
  return serveItemDelta(context, {
    family: 'todoTask',
    log: context.services.todo.tasks,
    containerId: list.id,
    linkPath: `${listPath(list)}/tasks/delta`,
    odataContext: contextUrl(context, `${listPath(list)}/tasks/delta`),
    options: ['$select', '$expand', '$top'],
    render: (task, query) => renderTask(task, { preferences: context.preferences, select: query.select, expand: query.expand }),
  });
}

function listLinkedResources(context: RouteContext): GraphResponse {
  const list = requireList(context);
  const task = requireTask(context, list);
  const odataContext = contextUrl(context, `${listPath(list)}/tasks('${encodeURIComponent(task.id)}')/linkedResources`);
  return jsonResponse(200, { '@odata.context': odataContext, value: task.linkedResources.map(renderLinkedResource) }, eventHeaders(context));
}

/** Adding a linked resource changes the task, so delta reports it. */
function createLinkedResource(context: RouteContext): GraphResponse {
  const list = requireList(context);
  const task = requireTask(context, list);
  const resource = readLinkedResource(context.request.body);
  task.linkedResources.push(resource);
  context.services.todo.tasks.touch(task);
  const odataContext = contextUrl(context, `${listPath(list)}/tasks('${encodeURIComponent(task.id)}')/linkedResources/$entity`);
  return jsonResponse(201, { '@odata.context': odataContext, ...renderLinkedResource(resource) }, eventHeaders(context));
}

export function todoRoutes(): Route[] {
  const tasks = '/users/{user}/todo/lists/{listId}/tasks';
  return [
    { method: 'GET', template: '/users/{user}/todo/lists', handler: listLists },
    { method: 'POST', template: '/users/{user}/todo/lists', handler: createList },
    { method: 'GET', template: '/users/{user}/todo/lists/{listId}', handler: getList },
    { method: 'GET', template: `${tasks}/delta`, handler: taskDelta },
    { method: 'GET', template: tasks, handler: listTasks },
    { method: 'POST', template: tasks, handler: createTask },
    { method: 'GET', template: `${tasks}/{taskId}`, handler: getTask },
    { method: 'PATCH', template: `${tasks}/{taskId}`, handler: updateTask },
    { method: 'DELETE', template: `${tasks}/{taskId}`, handler: deleteTask },
    { method: 'GET', template: `${tasks}/{taskId}/linkedResources`, handler: listLinkedResources },
    { method: 'POST', template: `${tasks}/{taskId}/linkedResources`, handler: createLinkedResource },
  ];
}
