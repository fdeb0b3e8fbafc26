import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { GraphEventSeed } from '../graph/seed-types.ts';
import { emptyStats, type EwsServices } from './context.ts';
import type { EwsAuth } from './ews-auth.ts';
import { faultSchema } from './faults.ts';
import { readShape, renderItem } from './item-view.ts';
import { itemElementOf, readNewItem } from './item-input.ts';
import { seedCalendar } from './seed.ts';
import { ItemError } from './soap-reply.ts';
import { newId, type EwsStore, type FolderRecord, type UserRecord } from './store.ts';
import { branch, leaf, parseXml, type XmlNode } from './xml.ts';

const userSchema = z.object({ smtp: z.email(), displayName: z.string().min(1), timeZone: z.string().min(1) });
const touchSchema = z.object({ set: z.record(z.string(), z.string()) });
const addressSchema = z.object({ name: z.string().optional(), address: z.string() });
const itemSchema = z.object({ folder: z.enum(['calendar', 'tasks', 'contacts']), xml: z.string().min(1) });
const messageSchema = z.object({
  /** A well-known mail folder, or the display name of a folder below the mailbox root, created when missing. */
  folder: z.string().min(1).default('inbox'),
  subject: z.string(),
  from: addressSchema,
  to: z.array(addressSchema).default([]),
  cc: z.array(addressSchema).default([]),
  html: z.string().optional(),
  text: z.string().optional(),
  internetMessageId: z.string().optional(),
  inReplyTo: z.string().optional(),
  references: z.string().optional(),
  conversationId: z.string().optional(),
  sentAt: z.string().optional(),
  receivedAt: z.string().optional(),
  categories: z.array(z.string()).default([]),
  headers: z.record(z.string(), z.string()).default({}),
  attachments: z.array(z.object({ name: z.string(), contentType: z.string(), contentBase64: z.string(), isInline: z.boolean().default(false), contentId: z.string().optional() })).default([]),
});

/**
 * Registers the admin endpoint under `/_admin`, which EWS clients do not use: users, seeding, edits made "by the user" in
 * Outlook, fault injection and request statistics.
 */
export function registerAdminRoutes(app: FastifyInstance, services: EwsServices, auth: EwsAuth): void {
  const { store } = services;

  app.post('/_admin/users', async (request, reply) => {
    const parsed = userSchema.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, `invalid user: ${parsed.error.message}; send { smtp, displayName, timeZone }`);
    const user = store.addUser(parsed.data.smtp, parsed.data.displayName, parsed.data.timeZone);
    return reply.code(201).send({ id: user.id, smtp: user.smtp });
  });

  app.post<{ Params: { smtp: string } }>('/_admin/users/:smtp/events', async (request, reply) => {
    const user = store.userBySmtp(request.params.smtp);
    if (user === undefined) return notFound(reply, request.params.smtp);
    const events = (request.body as { events?: GraphEventSeed[] } | null)?.events;
    if (!Array.isArray(events)) return badRequest(reply, 'send { events: [...] } with seeds from the .ics importer');
    return reply.code(201).send({ ids: seedCalendar(store, user, events) });
  });

  // A message as it arrives in (or is sent from) the mailbox, with headers and file attachments.
  app.post<{ Params: { smtp: string } }>('/_admin/users/:smtp/messages', async (request, reply) => {
    const user = store.userBySmtp(request.params.smtp);
    if (user === undefined) return notFound(reply, request.params.smtp);
    const parsed = messageSchema.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, `invalid message: ${parsed.error.message}`);
    const folder = mailFolder(store, user, parsed.data.folder);
    if (folder === undefined) return badRequest(reply, `unknown folder ${parsed.data.folder}; use inbox, sentitems, drafts or the display name of a folder below the root`);
    const item = store.addItem({ userId: user.id, folderId: folder.id, element: 'Message', props: messageProps(parsed.data) });
    item.attachments = parsed.data.attachments.map((attachment) => ({
      id: newId('A'),
      name: attachment.name,
      contentType: attachment.contentType,
      content: Buffer.from(attachment.contentBase64, 'base64'),
      isInline: attachment.isInline,
      contentId: attachment.contentId ?? null,
    }));
    return reply.code(201).send({ id: item.id });
  });

  // An item as a client would create it: one t:CalendarItem, t:Task or t:Contact element, checked like CreateItem.
  app.post<{ Params: { smtp: string } }>('/_admin/users/:smtp/items', async (request, reply) => {
    const user = store.userBySmtp(request.params.smtp);
    if (user === undefined) return notFound(reply, request.params.smtp);
    const parsed = itemSchema.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, `invalid item: ${parsed.error.message}; send { folder: "tasks", xml: "<t:Task>…</t:Task>" }`);
    const node = parseXmlOrNull(parsed.data.xml);
    if (node === null) return badRequest(reply, 'xml is not one well-formed item element such as <t:Task>…</t:Task>');
    const folder = store.distinguishedFolder(user.id, parsed.data.folder);
    if (folder === undefined) return badRequest(reply, `unknown folder ${parsed.data.folder}`);
    try {
      const element = itemElementOf(node);
      const { props, extended } = readNewItem(node);
      const item = store.addItem({ userId: user.id, folderId: folder.id, element, props, extended });
      return await reply.code(201).send({ id: item.id });
    } catch (error) {
      if (error instanceof ItemError) return badRequest(reply, `${error.code}: ${error.message}`);
      throw error;
    }
  });

  // Every item of a folder, rendered in the EWS shape with all properties, for tests to assert on.
  app.get<{ Params: { smtp: string }; Querystring: { folder?: string } }>('/_admin/users/:smtp/items', async (request, reply) => {
    const user = store.userBySmtp(request.params.smtp);
    if (user === undefined) return notFound(reply, request.params.smtp);
    const folder = store.distinguishedFolder(user.id, request.query.folder ?? 'calendar');
    if (folder === undefined) return badRequest(reply, `unknown folder ${request.query.folder}; use calendar, tasks, contacts, inbox or sentitems`);
    const shape = { ...readShape(null), baseShape: 'AllProperties' as const, extended: [] };
    const items = store.folderItems(folder.id).map((item) => ({ id: item.id, changeKey: item.changeKey, extended: item.extended.length, xml: renderItem(store, item, shape) }));
    return reply.send({ items });
  });

  // An edit made in Outlook: text properties set by element name, a new ChangeKey, a change in the folder's log.
  app.post<{ Params: { smtp: string; id: string } }>('/_admin/users/:smtp/items/:id/touch', async (request, reply) => {
    const item = itemOf(services, request.params.smtp, request.params.id);
    const parsed = touchSchema.safeParse(request.body);
    if (item === null) return notFound(reply, request.params.id);
    if (!parsed.success) return badRequest(reply, 'send { set: { Subject: "new subject" } }');
    for (const [name, value] of Object.entries(parsed.data.set)) item.props.set(name, leaf(name, value));
    store.touch(item);
    return reply.send({ id: item.id, changeKey: item.changeKey });
  });

  app.delete<{ Params: { smtp: string; id: string } }>('/_admin/users/:smtp/items/:id', async (request, reply) => {
    const item = itemOf(services, request.params.smtp, request.params.id);
    if (item === null) return notFound(reply, request.params.id);
    store.deleteItem(item);
    return reply.code(204).send();
  });

  app.post('/_admin/faults', async (request, reply) => {
    const parsed = z.object({ faults: z.array(faultSchema) }).safeParse(request.body);
    if (!parsed.success) return badRequest(reply, `invalid faults: ${parsed.error.message}`);
    for (const fault of parsed.data.faults) {
      if (fault.type === 'expireSyncStates') store.epoch += 1;
      else if (fault.type === 'expireTokens') auth.expireTokens();
      else if (fault.type === 'closeStreams') services.hub.closeAll();
      else if (fault.type === 'dropSubscriptions') services.hub.dropAll();
      else services.faults.add(fault);
    }
    return reply.code(204).send();
  });

  app.delete('/_admin/faults', async (_request, reply) => {
    services.faults.clear();
    return reply.code(204).send();
  });

  app.get('/_admin/stats', async (_request, reply) => reply.send(services.stats));
  app.post('/_admin/stats/reset', async (_request, reply) => {
    Object.assign(services.stats, emptyStats());
    return reply.code(204).send();
  });
}

function itemOf(services: EwsServices, smtp: string, id: string) {
  const user: UserRecord | undefined = services.store.userBySmtp(smtp);
  const item = services.store.items.get(id);
  return user === undefined || item === undefined || item.deleted || item.userId !== user.id ? null : item;
}

/** Find a well-known folder by name, else a folder below the root by display name (case-insensitive), created when missing. */
function mailFolder(store: EwsStore, user: UserRecord, name: string): FolderRecord | undefined {
  const known = store.distinguishedFolder(user.id, name);
  if (known !== undefined) return known;
  const root = store.distinguishedFolder(user.id, 'msgfolderroot');
  if (root === undefined) return undefined;
  const wanted = name.toLowerCase();
  const existing = [...store.folders.values()].find((folder) => folder.parentId === root.id && folder.displayName.toLowerCase() === wanted);
  return existing ?? store.addFolder(user.id, null, name, 'IPF.Note', 'Folder', root.id);
}

function parseXmlOrNull(text: string): XmlNode | null {
  try {
    return parseXml(text);
  } catch {
    return null;
  }
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: message });
}

function notFound(reply: FastifyReply, what: string): FastifyReply {
  return reply.code(404).send({ error: `${what} not found; create the user with POST /_admin/users first` });
}

function messageProps(message: z.infer<typeof messageSchema>): Map<string, XmlNode> {
  const props = new Map<string, XmlNode>();
  const mailbox = (entry: z.infer<typeof addressSchema>) => branch('Mailbox', [...(entry.name === undefined ? [] : [leaf('Name', entry.name)]), leaf('EmailAddress', entry.address), leaf('RoutingType', 'SMTP')]);
  props.set('Subject', leaf('Subject', message.subject));
  props.set('Body', message.html === undefined ? leaf('Body', message.text ?? '', { BodyType: 'Text' }) : leaf('Body', message.html, { BodyType: 'HTML' }));
  if (message.categories.length > 0) props.set('Categories', branch('Categories', message.categories.map((name) => leaf('String', name))));
  props.set('From', branch('From', [mailbox(message.from)]));
  props.set('Sender', branch('Sender', [mailbox(message.from)]));
  if (message.to.length > 0) props.set('ToRecipients', branch('ToRecipients', message.to.map(mailbox)));
  if (message.cc.length > 0) props.set('CcRecipients', branch('CcRecipients', message.cc.map(mailbox)));
  if (message.internetMessageId !== undefined) props.set('InternetMessageId', leaf('InternetMessageId', message.internetMessageId));
  if (message.inReplyTo !== undefined) props.set('InReplyTo', leaf('InReplyTo', message.inReplyTo));
  if (message.references !== undefined) props.set('References', leaf('References', message.references));
  if (message.conversationId !== undefined) props.set('ConversationId', leaf('ConversationId', '', { Id: message.conversationId }));
  props.set('DateTimeSent', leaf('DateTimeSent', message.sentAt ?? new Date().toISOString()));
  props.set('DateTimeReceived', leaf('DateTimeReceived', message.receivedAt ?? new Date().toISOString()));
  const headers = Object.entries(message.headers).map(([name, value]) => leaf('InternetMessageHeader', value, { HeaderName: name }));
  if (headers.length > 0) props.set('InternetMessageHeaders', branch('InternetMessageHeaders', headers));
  return props;
}
