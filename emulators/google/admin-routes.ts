import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { importIcs } from '../graph/ics-import.ts';
import { importVcards } from '../graph/vcard-import.ts';
import type { EmulatorServices } from './api-context.ts';
import { seedCalendar } from './calendar/calendar-seed.ts';
import { faultSchema } from './faults.ts';
import { changeLabels, ensureUserLabel, expireHistory } from './gmail/gmail-store.ts';
import { seedEml } from './gmail/gmail-seed.ts';
import { GoogleApiError } from './google-error.ts';
import { jsonBody } from './json-body.ts';
import { seedPeople } from './people/people-seed.ts';
import type { UserState } from './state.ts';
import { insertTask } from './tasks/tasks-store.ts';
import { issueRefreshToken, type OAuthClientRegistration, type ServiceAccountRegistration } from './token-endpoint.ts';
import { addUser } from './users.ts';

/**
 * The emulator's own control API under `/_admin` (no part of Google's APIs): no authentication, loopback callers
 * only. Tests and the sandbox add users and credentials, seed .ics, .eml and .vcf files, expire sync tokens and
 * history, inject faults and point Gmail's Pub/Sub topics at push endpoints.
 */

interface Registries {
  readonly serviceAccounts: Map<string, ServiceAccountRegistration>;
  readonly oauthClients: Map<string, OAuthClientRegistration>;
  /** The user who signs in at the authorization endpoint when its `login_hint` names no known user. */
  readonly signIn: { user: string | null };
}

type UserRequest = FastifyRequest<{ Params: { user: string } }>;

const userSchema = z.object({ email: z.email(), displayName: z.string().optional(), timeZone: z.string().optional() });
const serviceAccountSchema = z.object({ clientEmail: z.string().min(1), publicKeyPem: z.string().min(1), clientId: z.string().min(1), delegatedScopes: z.array(z.string()) });
const oauthClientSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1), redirectUris: z.array(z.url()).default([]) });
const authorizeAsSchema = z.object({ email: z.email().nullable() });
const refreshTokenSchema = z.object({ clientId: z.string().min(1), email: z.email(), scopes: z.array(z.string()).min(1) });
const icsSchema = z.object({ ics: z.string(), fileName: z.string().default('seed.ics'), horizon: z.object({ start: z.string(), end: z.string() }) });
const emlSchema = z.object({ emlBase64: z.string(), labelIds: z.array(z.string()).default(['INBOX']), receivedAt: z.string().optional() });
const vcfSchema = z.object({ vcf: z.string(), fileName: z.string().default('seed.vcf') });
const labelsSchema = z.object({ add: z.array(z.string()).default([]), remove: z.array(z.string()).default([]) });
const pubsubSchema = z.object({ topicName: z.string().min(1), pushEndpoint: z.string().min(1) });

export function registerAdminRoutes(app: FastifyInstance, services: EmulatorServices, registries: Registries): void {
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/_admin') && !['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(request.ip)) {
      throw new GoogleApiError(403, 'forbidden', 'The admin API accepts requests from loopback addresses only.');
    }
  });
  const parse = <T>(schema: z.ZodType<T>, request: FastifyRequest): T => {
    const result = schema.safeParse(jsonBody(request));
    if (!result.success) {
      throw new GoogleApiError(400, 'invalid', `Invalid admin request: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    }
    return result.data;
  };
  const userOf = (request: UserRequest): UserState => {
    const user = services.state.users[decodeURIComponent(request.params.user).toLowerCase()];
    if (!user) {
      throw new GoogleApiError(404, 'notFound', `No user '${request.params.user}'; add it with POST /_admin/users or the 'users' option.`);
    }
    return user;
  };
  const changed = <T>(value: T): T => {
    services.onChange();
    return value;
  };

  app.post('/_admin/users', async (request) => changed({ email: addUser(services.state, parse(userSchema, request)).email }));
  app.post('/_admin/service-accounts', async (request) => {
    const account = parse(serviceAccountSchema, request);
    registries.serviceAccounts.set(account.clientEmail, account);
    return { clientEmail: account.clientEmail };
  });
  app.post('/_admin/oauth-clients', async (request) => {
    const client = parse(oauthClientSchema, request);
    registries.oauthClients.set(client.clientId, client);
    return { clientId: client.clientId };
  });
  app.post('/_admin/authorize-as', async (request) => {
    const { email } = parse(authorizeAsSchema, request);
    registries.signIn.user = email === null ? null : email.toLowerCase();
    return { email: registries.signIn.user };
  });
  app.post('/_admin/refresh-tokens', async (request) => {
    const grant = parse(refreshTokenSchema, request);
    return { refreshToken: issueRefreshToken({ state: services.state, onChange: services.onChange }, grant.clientId, grant.email, grant.scopes) };
  });
  // A user withdraws consent or an administrator resets their sign-in: refresh and access tokens stop working.
  app.post<{ Params: { user: string } }>('/_admin/users/:user/revoke', async (request) => {
    const user = userOf(request);
    for (const grant of Object.values(services.state.refreshTokens)) {
      if (grant.email === user.email) grant.revoked = true;
    }
    return changed({ accessTokens: services.tokens.revoke(user.email) });
  });

  app.post<{ Params: { user: string } }>('/_admin/users/:user/calendar/seed-ics', async (request) => {
    const { ics, fileName, horizon } = parse(icsSchema, request);
    const user = userOf(request);
    const imported = importIcs(ics, { fileName, horizon, defaultTimeZone: user.timeZone });
    const report = seedCalendar(user, imported.seeds, { changed: (changedUser) => services.push.calendarChanged(changedUser) });
    return changed({ ...report, warnings: imported.warnings });
  });
  app.post<{ Params: { user: string } }>('/_admin/users/:user/calendar/expire-sync-tokens', async (request) => {
    userOf(request).calendar.tokenEpoch += 1;
    return changed({ expired: true });
  });

  app.post<{ Params: { user: string } }>('/_admin/users/:user/gmail/seed-eml', async (request) => {
    const { emlBase64, labelIds, receivedAt } = parse(emlSchema, request);
    const result = await seedEml(userOf(request), Buffer.from(emlBase64, 'base64'), { labelIds, receivedAt: receivedAt ?? null }, services.push);
    return changed(result);
  });
  app.post<{ Params: { user: string; id: string } }>('/_admin/users/:user/gmail/messages/:id/labels', async (request) => {
    const { add, remove } = parse(labelsSchema, request);
    return changed(changeLabels(userOf(request), request.params.id, add, remove, services.push));
  });
  app.post<{ Params: { user: string } }>('/_admin/users/:user/gmail/labels', async (request) => {
    const { name } = parse(z.object({ name: z.string().min(1) }), request);
    return changed({ id: ensureUserLabel(userOf(request), name), name });
  });
  app.post<{ Params: { user: string } }>('/_admin/users/:user/gmail/expire-history', async (request) => changed({ historyFloor: expireHistory(userOf(request)) }));

  app.post<{ Params: { user: string } }>('/_admin/users/:user/people/seed-vcf', async (request) => {
    const { vcf, fileName } = parse(vcfSchema, request);
    const imported = importVcards(vcf, fileName);
    return changed({ ...seedPeople(userOf(request), imported.seeds), cards: imported.cards, warnings: imported.warnings });
  });
  app.post<{ Params: { user: string } }>('/_admin/users/:user/people/expire-sync-tokens', async (request) => {
    userOf(request).people.tokenEpoch += 1;
    return changed({ expired: true });
  });

  app.post<{ Params: { user: string } }>('/_admin/users/:user/tasks', async (request) => {
    const user = userOf(request);
    return changed(insertTask(user, user.tasks.defaultListId, jsonBody(request)));
  });

  app.get<{ Params: { user: string } }>('/_admin/users/:user/state', async (request) => userOf(request));
  app.post('/_admin/pubsub', async (request) => {
    const { topicName, pushEndpoint } = parse(pubsubSchema, request);
    services.push.pubsubEndpoints.set(topicName, pushEndpoint);
    return { topicName, pushEndpoint };
  });
  app.post('/_admin/faults', async (request) => {
    const fault = faultSchema.safeParse(jsonBody(request));
    if (!fault.success) {
      throw new GoogleApiError(400, 'invalid', `Invalid fault: ${fault.error.issues.map((issue) => issue.message).join('; ')}`);
    }
    services.faults.add(fault.data);
    return { added: fault.data.type };
  });
  app.delete('/_admin/faults', async (_request, reply) => {
    services.faults.clear();
    return reply.code(204).send();
  });
  app.get('/_admin/stats', async () => services.stats);
  app.get('/_admin/push', async () => {
    await services.push.settle();
    return { deliveries: services.push.log };
  });
}
