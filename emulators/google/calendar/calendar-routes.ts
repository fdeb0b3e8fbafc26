import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorize, type EmulatorServices } from '../api-context.ts';
import { GoogleApiError, invalid, notFound, required } from '../google-error.ts';
import { newEventId } from '../ids.ts';
import { jsonBody, queryOf } from '../json-body.ts';
import { isLoopbackUrl } from '../push-delivery.ts';
import type { UserState } from '../state.ts';
import { listEvents, parseListQuery } from './calendar-list.ts';
import { deleteEvent, getRecord, insertEvent, writeEvent, type StoreHooks } from './calendar-store.ts';

/** Calendar API v3 on the primary calendar: events, instances, watch channels. */

interface CalendarParams {
  calendarId: string;
}
interface EventParams extends CalendarParams {
  eventId: string;
}

const SEND_UPDATES = ['all', 'externalOnly', 'none'];
/** Calendar keeps a channel up to this long when the client asks for no `ttl`; the documented default is one week. */
const DEFAULT_CHANNEL_TTL_SECONDS = 604_800;

export function registerCalendarRoutes(app: FastifyInstance, services: EmulatorServices): void {
  const hooks: StoreHooks = {
    changed: (user) => {
      services.push.calendarChanged(user);
      services.onChange();
    },
  };
  const base = '/calendar/v3/calendars/:calendarId';
  const access = (request: FastifyRequest<{ Params: CalendarParams }>, method: string, write: boolean): UserState => {
    const { user } = authorize(services, request, { api: 'calendar', method, write });
    const calendarId = decodeURIComponent(request.params.calendarId);
    if (calendarId !== 'primary' && calendarId.toLowerCase() !== user.email) {
      throw notFound('Calendar');
    }
    return user;
  };

  app.get<{ Params: CalendarParams }>(base, async (request) => {
    const user = access(request, 'calendars.get', false);
    return { kind: 'calendar#calendar', etag: `"${user.calendar.seq}"`, id: user.email, summary: user.email, timeZone: user.timeZone };
  });

  app.get<{ Params: CalendarParams }>(`${base}/events`, async (request) => {
    const user = access(request, 'events.list', false);
    return listEvents(user, parseListQuery(queryOf(request)));
  });

  app.post<{ Params: CalendarParams }>(`${base}/events`, async (request) => {
    const user = access(request, 'events.insert', true);
    countNotifications(services, request, jsonBody(request));
    return insertEvent(user, jsonBody(request), hooks);
  });

  app.get<{ Params: EventParams }>(`${base}/events/:eventId`, async (request) => {
    const user = access(request, 'events.get', false);
    return getRecord(user, request.params.eventId).resource;
  });

  app.get<{ Params: EventParams }>(`${base}/events/:eventId/instances`, async (request) => {
    const user = access(request, 'events.instances', false);
    const master = getRecord(user, request.params.eventId).resource;
    if (!Array.isArray(master.recurrence)) {
      throw invalid('The event is not a recurring event.');
    }
    return listEvents(user, { ...parseListQuery(queryOf(request)), singleEvents: true, masterId: String(master.id) });
  });

  for (const [verb, mode] of [['PATCH', 'patch'], ['PUT', 'update']] as const) {
    app.route<{ Params: EventParams }>({
      method: verb,
      url: `${base}/events/:eventId`,
      handler: async (request) => {
        const user = access(request, `events.${mode}`, true);
        const body = jsonBody(request);
        countNotifications(services, request, body);
        return writeEvent(user, request.params.eventId, body, { mode, ifMatch: ifMatchOf(request) }, hooks);
      },
    });
  }

  app.delete<{ Params: EventParams }>(`${base}/events/:eventId`, async (request, reply) => {
    const user = access(request, 'events.delete', true);
    const event = getRecord(user, request.params.eventId).resource;
    deleteEvent(user, request.params.eventId, ifMatchOf(request), hooks);
    countNotifications(services, request, event);
    return reply.code(204).send();
  });

  app.post<{ Params: CalendarParams }>(`${base}/events/watch`, async (request) => {
    const user = access(request, 'events.watch', false);
    return openChannel(services, user, jsonBody(request));
  });

  app.post('/calendar/v3/channels/stop', async (request, reply) => {
    const { user } = authorize(services, request, { api: 'calendar', method: 'channels.stop', write: false });
    const body = jsonBody(request);
    const before = user.calendar.channels.length;
    user.calendar.channels = user.calendar.channels.filter((channel) => channel.id !== body.id || channel.resourceId !== body.resourceId);
    if (user.calendar.channels.length === before) {
      throw notFound(`Channel '${String(body.id)}'`);
    }
    services.onChange();
    return reply.code(204).send();
  });
}

function ifMatchOf(request: FastifyRequest): string | undefined {
  const value = request.headers['if-match'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Count writes that would email guests, and reject a `sendUpdates` value Calendar does not know. */
function countNotifications(services: EmulatorServices, request: FastifyRequest, event: Record<string, unknown>): void {
  const sendUpdates = queryOf(request).get('sendUpdates');
  if (sendUpdates !== null && !SEND_UPDATES.includes(sendUpdates)) {
    throw invalid(`Invalid value for sendUpdates: ${sendUpdates}`);
  }
  const hasGuests = Array.isArray(event.attendees) && event.attendees.length > 0;
  if (hasGuests && sendUpdates !== null && sendUpdates !== 'none') {
    services.stats.guestNotifications += 1;
  }
}

function openChannel(services: EmulatorServices, user: UserState, body: Record<string, unknown>): Record<string, unknown> {
  if (typeof body.id !== 'string' || body.id === '') {
    throw required('id');
  }
  if (body.type !== 'web_hook' && body.type !== 'webhook') {
    throw invalid(`Invalid channel type: ${String(body.type)}; use web_hook.`);
  }
  if (typeof body.address !== 'string' || !isLoopbackUrl(body.address)) {
    throw new GoogleApiError(400, 'push.webhookUrlUnauthorized', `Unauthorized WebHook callback channel: ${String(body.address)} (this emulator delivers to loopback addresses only).`, { domain: 'push' });
  }
  if (user.calendar.channels.some((channel) => channel.id === body.id)) {
    throw new GoogleApiError(400, 'channelIdNotUnique', `Channel id ${body.id} not unique`, { domain: 'push' });
  }

  const params = (body.params ?? {}) as { ttl?: unknown };
  const ttlSeconds = params.ttl === undefined ? DEFAULT_CHANNEL_TTL_SECONDS : Number(params.ttl);
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw invalid(`Invalid ttl: ${String(params.ttl)}`);
  }
  const channel = {
    id: body.id,
    resourceId: newEventId(),
    address: body.address,
    token: typeof body.token === 'string' ? body.token : null,
    expiration: Date.now() + Math.min(ttlSeconds, DEFAULT_CHANNEL_TTL_SECONDS * 4) * 1000,
    messageNumber: 0,
  };
  user.calendar.channels.push(channel);
  services.onChange();
  services.push.calendarChanged(user, 'sync', channel);

  const response: Record<string, unknown> = {
    kind: 'api#channel',
    id: channel.id,
    resourceId: channel.resourceId,
    resourceUri: `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(user.email)}/events?alt=json`,
    expiration: String(channel.expiration),
  };
  if (channel.token !== null) {
    response.token = channel.token;
  }
  return response;
}
