import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parse, requireUser } from './admin-routes.ts';
import { patchContactRecord } from './contact-input.ts';
import type { ContactRecord } from './contact-record.ts';
import { seedContacts, type ContactSeed } from './contact-seed.ts';
import { renderContact } from './contact-view.ts';
import { GraphError } from './graph-error.ts';
import type { GraphServices } from './graph-routing.ts';
import { parsePrefer } from './prefer-header.ts';
import { createTaskRecord, patchTaskRecord } from './todo-input.ts';
import type { TodoTaskRecord } from './todo-record.ts';
import { renderTask } from './todo-view.ts';

/**
 * The admin API for To Do tasks and contacts, beside the event routes under `/_admin`. Tests seed them and read a
 * mailbox's items whole: tasks with their linked resources, contacts with every extended property. They also edit
 * one behind the client's back, without If-Match.
 */
const taskSeedSchema = z.object({ tasks: z.array(z.record(z.string(), z.unknown())) });
const contactSeedSchema = z.object({
  contacts: z.array(z.object({ uid: z.string().nullable().optional(), contact: z.record(z.string(), z.unknown()) })),
});
const touchSchema = z.object({ changes: z.record(z.string(), z.unknown()) });

/** Seeding many items at once goes far above Graph's 4 MB body limit. */
const SEED_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

type UserParams = { Params: { user: string } };
type ItemParams = { Params: { user: string; id: string } };

export function registerItemAdminRoutes(app: FastifyInstance, services: GraphServices): void {
  const { todo, contacts } = services;
  const neutral = parsePrefer(undefined);

  // Tasks go to the default list and are added every time: To Do tasks carry no UID to match a second seeding by.
  app.post<UserParams>('/_admin/users/:user/todo/seed', { bodyLimit: SEED_BODY_LIMIT_BYTES }, async (request, reply) => {
    const user = requireUser(services, request.params.user);
    const list = todo.defaultList(user);
    const ids = parse(taskSeedSchema, request.body).tasks.map((body) => todo.insertTask(createTaskRecord(list, body)).id);
    return reply.code(201).send({ ids });
  });

  app.get<UserParams>('/_admin/users/:user/todo/tasks', async (request) => {
    const user = requireUser(services, request.params.user);
    const tasks = todo.tasks.live(user.id, todo.defaultList(user).id);
    return { value: tasks.map((task) => renderTask(task, { preferences: neutral, withLinkedResources: true })) };
  });

  app.post<ItemParams>('/_admin/users/:user/todo/tasks/:id/touch', async (request) => {
    const user = requireUser(services, request.params.user);
    const task = todo.tasks.get(user.id, request.params.id);
    if (!task) {
      throw new GraphError(404, 'ErrorItemNotFound', `No To Do task '${request.params.id}' in the mailbox of ${user.userPrincipalName}.`);
    }

    const draft: TodoTaskRecord = structuredClone(task);
    patchTaskRecord(draft, parse(touchSchema, request.body).changes);
    Object.assign(task, draft);
    todo.tasks.touch(task);
    return renderTask(task, { preferences: neutral, withLinkedResources: true });
  });

  app.post<UserParams>('/_admin/users/:user/contacts/seed', { bodyLimit: SEED_BODY_LIMIT_BYTES }, async (request) => {
    const user = requireUser(services, request.params.user);
    const body = parse(contactSeedSchema, request.body);
    return seedContacts(contacts, user, body.contacts as ContactSeed[]);
  });

  app.get<UserParams>('/_admin/users/:user/contacts', async (request) => {
    const user = requireUser(services, request.params.user);
    return { value: contacts.contacts.live(user.id).map((contact) => renderContact(contact, { expand: 'singleValueExtendedProperties' })) };
  });

  app.post<ItemParams>('/_admin/users/:user/contacts/:id/touch', async (request) => {
    const user = requireUser(services, request.params.user);
    const contact = contacts.contacts.get(user.id, request.params.id);
    if (!contact) {
      throw new GraphError(404, 'ErrorItemNotFound', `No contact '${request.params.id}' in the mailbox of ${user.userPrincipalName}.`);
    }

    const draft: ContactRecord = structuredClone(contact);
    patchContactRecord(draft, parse(touchSchema, request.body).changes);
    Object.assign(contact, draft);
    contacts.contacts.touch(contact);
    return renderContact(contact, { expand: 'singleValueExtendedProperties' });
  });
}
