import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorize, type EmulatorServices } from '../api-context.ts';
import { GoogleApiError, invalid, required } from '../google-error.ts';
import { decodeToken, encodeToken } from '../ids.ts';
import { jsonBody, queryOf } from '../json-body.ts';
import type { LabelRecord, MessageRecord, UserState } from '../state.ts';
import { changeLabels, ensureUserLabel, getMessage, labelByName, listHistory } from './gmail-store.ts';
import { matchesQuery } from './message-query.ts';

/** Gmail API v1: messages (raw, minimal and metadata formats), labels, history, watch and the profile. */

type UserParams = { Params: { userId: string } };
type MessageParams = { Params: { userId: string; id: string } };

/** Gmail returns a watch expiration seven days out; clients call watch again before then. */
const WATCH_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const TOPIC_NAME = /^projects\/[^/]+\/topics\/[^/]+$/;

export function registerGmailRoutes(app: FastifyInstance, services: EmulatorServices): void {
  const base = '/gmail/v1/users/:userId';
  const access = (request: FastifyRequest<UserParams>, method: string, write = false): UserState =>
    authorize(services, request, { api: 'gmail', method, write, userId: decodeURIComponent(request.params.userId) }).user;

  app.get<UserParams>(`${base}/profile`, async (request) => {
    const user = access(request, 'getProfile');
    const live = Object.values(user.gmail.messages).filter((message) => !message.deleted);
    return { emailAddress: user.email, messagesTotal: live.length, threadsTotal: new Set(live.map((message) => message.threadId)).size, historyId: String(user.gmail.historyId) };
  });

  app.get<UserParams>(`${base}/messages`, async (request) => listMessages(access(request, 'messages.list'), queryOf(request)));

  app.get<MessageParams>(`${base}/messages/:id`, async (request) => {
    const user = access(request, 'messages.get');
    return messageResource(getMessage(user, request.params.id), queryOf(request));
  });

  app.post<MessageParams>(`${base}/messages/:id/modify`, async (request) => {
    const user = access(request, 'messages.modify', true);
    const body = jsonBody(request);
    const add = Array.isArray(body.addLabelIds) ? body.addLabelIds.map(String) : [];
    const remove = Array.isArray(body.removeLabelIds) ? body.removeLabelIds.map(String) : [];
    const message = changeLabels(user, request.params.id, add, remove, services.push);
    services.onChange();
    return { id: message.id, threadId: message.threadId, labelIds: message.labelIds };
  });

  app.get<UserParams>(`${base}/labels`, async (request) => {
    const user = access(request, 'labels.list');
    return { labels: Object.values(user.gmail.labels) };
  });

  app.post<UserParams>(`${base}/labels`, async (request) => {
    const user = access(request, 'labels.create', true);
    return createLabel(services, user, jsonBody(request));
  });

  app.get<UserParams>(`${base}/history`, async (request) => listHistory(access(request, 'history.list'), queryOf(request)));

  app.post<UserParams>(`${base}/watch`, async (request) => {
    const user = access(request, 'watch');
    const body = jsonBody(request);
    if (typeof body.topicName !== 'string' || !TOPIC_NAME.test(body.topicName)) {
      throw invalid(`Invalid topicName: ${String(body.topicName)}; expected projects/PROJECT/topics/TOPIC.`);
    }
    if (!services.push.pubsubEndpoints.has(body.topicName)) {
      throw new GoogleApiError(403, 'forbidden', `Error sending test message to Cloud PubSub ${body.topicName} : User not authorized to perform this action.`);
    }
    const behavior = String(body.labelFilterBehavior ?? body.labelFilterAction ?? 'include').toLowerCase();
    user.gmail.watch = {
      topicName: body.topicName,
      labelIds: Array.isArray(body.labelIds) ? body.labelIds.map(String) : [],
      labelFilterBehavior: behavior === 'exclude' ? 'exclude' : 'include',
      expiration: Date.now() + WATCH_LIFETIME_MS,
    };
    services.onChange();
    return { historyId: String(user.gmail.historyId), expiration: String(user.gmail.watch.expiration) };
  });

  app.post<UserParams>(`${base}/stop`, async (request, reply) => {
    access(request, 'stop').gmail.watch = null;
    services.onChange();
    return reply.code(204).send();
  });
}

interface ListPageToken {
  readonly o: number;
}

function listMessages(user: UserState, params: URLSearchParams): Record<string, unknown> {
  const labelIds = params.getAll('labelIds');
  const q = params.get('q') ?? '';
  const includeSpamTrash = params.get('includeSpamTrash') === 'true';
  const maxResults = Math.min(Math.max(Number(params.get('maxResults') ?? 100) || 100, 1), 500);
  const pageToken = params.get('pageToken');
  const offset = pageToken === null ? 0 : (decodeToken<ListPageToken>(pageToken)?.o ?? Number.NaN);
  if (!Number.isInteger(offset)) {
    throw invalid('Invalid pageToken.');
  }

  const found = Object.values(user.gmail.messages)
    .filter((message) => !message.deleted)
    .filter((message) => includeSpamTrash || !message.labelIds.some((label) => label === 'SPAM' || label === 'TRASH'))
    .filter((message) => labelIds.every((label) => message.labelIds.includes(label)))
    .filter((message) => matchesQuery(message, q, (name) => labelByName(user, name)))
    .sort((a, b) => Number(b.internalDate) - Number(a.internalDate) || b.id.localeCompare(a.id));

  const page = found.slice(offset, offset + maxResults);
  const body: Record<string, unknown> = { resultSizeEstimate: found.length };
  if (page.length > 0) body.messages = page.map((message) => ({ id: message.id, threadId: message.threadId }));
  if (offset + maxResults < found.length) body.nextPageToken = encodeToken({ o: offset + maxResults } satisfies ListPageToken);
  return body;
}

function messageResource(message: MessageRecord, params: URLSearchParams): Record<string, unknown> {
  const format = params.get('format') ?? 'full';
  const resource: Record<string, unknown> = {
    id: message.id,
    threadId: message.threadId,
    labelIds: message.labelIds,
    snippet: message.snippet,
    sizeEstimate: message.sizeEstimate,
    historyId: String(message.historyId),
    internalDate: message.internalDate,
  };
  switch (format) {
    case 'minimal':
      return resource;
    case 'raw':
      return { ...resource, raw: message.raw };
    case 'metadata':
      return { ...resource, payload: { mimeType: mimeTypeOf(message), headers: headersOf(message, params.getAll('metadataHeaders')) } };
    case 'full':
      // NOTE: the emulator builds no MIME part tree; clients read bodies and attachments through the raw format.
      throw new GoogleApiError(400, 'invalidArgument', 'format=full is not supported by this emulator; request format=raw and parse the MIME message.');
    default:
      throw invalid(`Invalid value for format: ${format}`);
  }
}

function headerBlock(message: MessageRecord): string {
  const text = Buffer.from(message.raw, 'base64url').toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
}

function headersOf(message: MessageRecord, wanted: readonly string[]): { name: string; value: string }[] {
  const names = wanted.map((name) => name.toLowerCase());
  return headerBlock(message)
    .split(/\r?\n/)
    .map((line) => {
      const separator = line.indexOf(':');
      return { name: line.slice(0, separator).trim(), value: line.slice(separator + 1).trim() };
    })
    .filter((header) => header.name !== '' && (names.length === 0 || names.includes(header.name.toLowerCase())));
}

function mimeTypeOf(message: MessageRecord): string {
  const contentType = headersOf(message, ['content-type'])[0]?.value ?? 'text/plain';
  return contentType.split(';')[0]?.trim().toLowerCase() ?? 'text/plain';
}

function createLabel(services: EmulatorServices, user: UserState, body: Record<string, unknown>): LabelRecord {
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (name === '') {
    throw required('name');
  }
  if (Object.values(user.gmail.labels).some((label) => label.type === 'system' && label.name.toLowerCase() === name.toLowerCase())) {
    throw invalid('Invalid label name');
  }
  if (labelByName(user, name) !== null) {
    throw new GoogleApiError(409, 'alreadyExists', 'Label name exists or conflicts');
  }

  const label = user.gmail.labels[ensureUserLabel(user, name)] as LabelRecord;
  if (typeof body.messageListVisibility === 'string') label.messageListVisibility = body.messageListVisibility;
  if (typeof body.labelListVisibility === 'string') label.labelListVisibility = body.labelListVisibility;
  services.onChange();
  return label;
}
