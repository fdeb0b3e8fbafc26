import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorize, type EmulatorServices } from '../api-context.ts';
import { required } from '../google-error.ts';
import { newOpaqueEtag, newTaskId, nowIso } from '../ids.ts';
import { jsonBody, queryOf } from '../json-body.ts';
import type { UserState } from '../state.ts';
import { clearCompleted, deleteTask, getTask, insertTask, listOf, listTasks, writeTask } from './tasks-store.ts';

/** Google Tasks API v1: task lists and tasks. `@default` names the user's default list. */

type ListParams = { Params: { tasklist: string } };
type TaskParams = { Params: { tasklist: string; task: string } };

export function registerTasksRoutes(app: FastifyInstance, services: EmulatorServices): void {
  const access = (request: FastifyRequest, method: string, write: boolean): UserState => authorize(services, request, { api: 'tasks', method, write }).user;
  const changed = <T>(value: T): T => {
    services.onChange();
    return value;
  };

  app.get('/tasks/v1/users/@me/lists', async (request) => {
    const user = access(request, 'tasklists.list', false);
    return { kind: 'tasks#taskLists', etag: newOpaqueEtag(), items: Object.values(user.tasks.lists).map((list) => listResource(list)) };
  });
  app.get<ListParams>('/tasks/v1/users/@me/lists/:tasklist', async (request) => {
    const user = access(request, 'tasklists.get', false);
    const list = user.tasks.lists[listOf(user, request.params.tasklist)];
    return listResource(list as NonNullable<typeof list>);
  });
  app.post('/tasks/v1/users/@me/lists', async (request) => {
    const user = access(request, 'tasklists.insert', true);
    const title = jsonBody(request).title;
    if (typeof title !== 'string' || title.trim() === '') {
      throw required('title');
    }
    const id = newTaskId();
    user.tasks.lists[id] = { id, title, updated: nowIso(), etag: newOpaqueEtag() };
    return changed(listResource(user.tasks.lists[id]));
  });

  const tasks = '/tasks/v1/lists/:tasklist/tasks';
  app.get<ListParams>(tasks, async (request) => listTasks(access(request, 'tasks.list', false), request.params.tasklist, queryOf(request)));
  app.post<ListParams>(tasks, async (request) => changed(insertTask(access(request, 'tasks.insert', true), request.params.tasklist, jsonBody(request))));
  app.get<TaskParams>(`${tasks}/:task`, async (request) => getTask(access(request, 'tasks.get', false), request.params.tasklist, request.params.task).resource);
  for (const [verb, mode] of [['PATCH', 'patch'], ['PUT', 'update']] as const) {
    app.route<TaskParams>({
      method: verb,
      url: `${tasks}/:task`,
      handler: async (request) => {
        const user = access(request, `tasks.${mode}`, true);
        return changed(writeTask(user, request.params.tasklist, request.params.task, jsonBody(request), mode, ifMatchOf(request)));
      },
    });
  }
  app.delete<TaskParams>(`${tasks}/:task`, async (request, reply) => {
    deleteTask(access(request, 'tasks.delete', true), request.params.tasklist, request.params.task, ifMatchOf(request));
    services.onChange();
    return reply.code(204).send();
  });
  app.post<ListParams>('/tasks/v1/lists/:tasklist/clear', async (request, reply) => {
    clearCompleted(access(request, 'tasks.clear', true), request.params.tasklist);
    services.onChange();
    return reply.code(204).send();
  });
}

function ifMatchOf(request: FastifyRequest): string | undefined {
  const value = request.headers['if-match'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function listResource(list: { id: string; title: string; updated: string; etag: string }): Record<string, unknown> {
  return { kind: 'tasks#taskList', id: list.id, etag: list.etag, title: list.title, updated: list.updated, selfLink: `https://www.googleapis.com/tasks/v1/users/@me/lists/${list.id}` };
}
