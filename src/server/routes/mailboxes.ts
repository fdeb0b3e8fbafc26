import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SynclineConfig } from '../../config/resolved-config.ts';
import type { AccountStore, MailboxRecord, SessionLog } from '../../domain/accounts.ts';
import type { MailboxSchedule, ScheduleStore, SessionTrigger } from '../../domain/mailbox-state.ts';
import type { SessionReport } from '../../domain/session-report.ts';
import { queueForcedSession, resumeMailbox, suspendMailbox } from '../../scheduler/mailbox-control.ts';
import { newSchedule } from '../../scheduler/mailbox-states.ts';
import { ApiError, errorBodySchema } from '../api-errors.ts';
import { mailboxConnectSchema, mailboxStatusSchema, sessionSchema, type MailboxConnect, type MailboxStatus, type SessionEntry } from '../api-schemas.ts';
import { requireCaller } from '../authentication.ts';
import { visibleMailbox, visibleMailboxes } from '../mailbox-access.ts';
import { googleSignInUrlOf } from '../webhooks/google-sign-in.ts';
import { signInUrlOf } from '../webhooks/graph-sign-in.ts';
import { API_BODY_LIMIT_BYTES } from './limits.ts';

export interface MailboxRouteOptions {
  readonly store: AccountStore & SessionLog & ScheduleStore;
  /** Starts a session in this process at once; without it the scheduler finds the request at its next poll. */
  readonly requestSession?: (mailboxId: string, trigger: SessionTrigger) => void;
  readonly now: () => Date;
  /** The configuration, to offer the sign-in page of mailboxes whose owner grants access; without it none is offered. */
  readonly config?: Pick<SynclineConfig, 'orgs' | 'server'>;
  /** Whether the owner's refresh token for `provider` is stored; without it every sign-in page reads as not yet used. */
  readonly ownerSignedIn?: (mailboxId: string, provider: MailboxConnect['provider']) => Promise<boolean>;
}

const DEFAULT_SESSION_LIMIT = 20;
const MAX_SESSION_LIMIT = 200;
const MAX_REASON_LENGTH = 500;

const idParams = z.strictObject({
  id: z.string().min(1, { error: 'expected a mailbox id' }).max(200, { error: 'expected a mailbox id of at most 200 characters' }),
});
const errors = { 401: errorBodySchema, 404: errorBodySchema };
const tags = ['mailboxes'];

/** Register the routes of the caller's mailboxes: state, sessions, and the force, suspend and resume controls the CLI has too. */
export function registerMailboxRoutes(app: FastifyInstance, options: MailboxRouteOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { store } = options;

  routes.get('/api/v1/mailboxes', {
    schema: { tags, summary: 'Mailboxes the caller may see: an admin all of the org, a user their own', response: { 200: z.object({ mailboxes: z.array(mailboxStatusSchema) }), 401: errorBodySchema } },
  }, async (request) => {
    const caller = requireCaller(request);
    const schedules = new Map((await store.listSchedules(caller.orgId)).map((schedule) => [schedule.mailboxId, schedule]));
    const mailboxes = await visibleMailboxes(store, caller);
    return { mailboxes: mailboxes.map((mailbox) => toStatus(mailbox, schedules.get(mailbox.id) ?? null)) };
  });

  routes.get('/api/v1/mailboxes/:id', {
    schema: {
      tags,
      summary: 'One mailbox: its state, the reason of a suspension, its last and next session, and where its owner connects it',
      params: idParams,
      response: {
        200: z.object({
          mailbox: mailboxStatusSchema,
          lastSession: sessionSchema.nullable(),
          connect: mailboxConnectSchema.nullable().describe("The sign-in page of a mailbox under delegated Office 365 access or Google user OAuth; null when the mailbox's access needs no owner sign-in"),
        }),
        ...errors,
      },
    },
  }, async (request) => {
    const mailbox = await visibleMailbox(store, requireCaller(request), request.params.id);
    const [last] = await store.listSessions(mailbox.id, 1);
    return {
      mailbox: toStatus(mailbox, await store.loadSchedule(mailbox.id)),
      lastSession: last === undefined ? null : toSessionEntry(last),
      connect: await connectWithSignIn(options, mailbox),
    };
  });

  routes.get('/api/v1/mailboxes/:id/sessions', {
    schema: {
      tags,
      summary: 'Session history, newest first: counts, API calls and item errors with the Salesforce record to fix',
      params: idParams,
      querystring: z.strictObject({
        limit: z.coerce
          .number({ error: 'expected a whole number' })
          .int({ error: 'expected a whole number' })
          .min(1, { error: `expected 1 to ${MAX_SESSION_LIMIT}` })
          .max(MAX_SESSION_LIMIT, { error: `expected 1 to ${MAX_SESSION_LIMIT}` })
          .default(DEFAULT_SESSION_LIMIT),
      }),
      response: { 200: z.object({ sessions: z.array(sessionSchema) }), ...errors },
    },
  }, async (request) => {
    const mailbox = await visibleMailbox(store, requireCaller(request), request.params.id);
    const sessions = await store.listSessions(mailbox.id, request.query.limit);
    return { sessions: sessions.map(toSessionEntry) };
  });

  routes.post('/api/v1/mailboxes/:id/force', {
    bodyLimit: API_BODY_LIMIT_BYTES,
    schema: { tags, summary: 'Run a session now (the scheduler starts it within a few seconds)', params: idParams, response: { 202: z.object({ mailbox: mailboxStatusSchema }), ...errors, 409: errorBodySchema } },
  }, async (request, reply) => {
    const mailbox = await visibleMailbox(store, requireCaller(request), request.params.id);
    const current = await store.loadSchedule(mailbox.id);
    if (current?.state === 'suspendedByUser' || current?.state === 'disconnected') {
      throw stateConflict(mailbox, current, 'resume it first (POST /api/v1/mailboxes/{id}/resume), then force a session');
    }

    const schedule = await queueForcedSession(store, mailbox.id, options.now());
    options.requestSession?.(mailbox.id, 'force');
    return reply.code(202).send({ mailbox: toStatus(mailbox, schedule) });
  });

  routes.post('/api/v1/mailboxes/:id/suspend', {
    bodyLimit: API_BODY_LIMIT_BYTES,
    schema: {
      tags,
      summary: 'Stop the sessions of a mailbox, keeping its links and cursors',
      params: idParams,
      body: z.strictObject({ reason: z.string({ error: 'expected text' }).trim().min(1, { error: 'expected text, got an empty string' }).max(MAX_REASON_LENGTH, { error: `expected at most ${MAX_REASON_LENGTH} characters` }).optional() }).nullish().describe('Optional; a request without a body suspends with a reason naming the caller'),
      response: { 200: z.object({ mailbox: mailboxStatusSchema }), ...errors, 409: errorBodySchema },
    },
  }, async (request) => {
    const caller = requireCaller(request);
    const mailbox = await visibleMailbox(store, caller, request.params.id);
    const current = await store.loadSchedule(mailbox.id);
    if (current?.state === 'disconnected') {
      throw stateConflict(mailbox, current, 'connect it again instead of suspending it');
    }

    const schedule = await suspendMailbox(store, mailbox.id, request.body?.reason ?? `Suspended by ${caller.email} from the API`);
    return { mailbox: toStatus(mailbox, schedule) };
  });

  routes.post('/api/v1/mailboxes/:id/resume', {
    bodyLimit: API_BODY_LIMIT_BYTES,
    schema: { tags, summary: 'Lift a suspension (by a person or by an error); the next session continues where sync stopped', params: idParams, response: { 200: z.object({ mailbox: mailboxStatusSchema }), ...errors, 409: errorBodySchema } },
  }, async (request) => {
    const mailbox = await visibleMailbox(store, requireCaller(request), request.params.id);
    const current = await store.loadSchedule(mailbox.id);
    if (current?.state === 'disconnected') {
      throw stateConflict(mailbox, current, 'connect it again instead of resuming it');
    }

    const schedule = await resumeMailbox(store, mailbox.id, options.now());
    return { mailbox: toStatus(mailbox, schedule) };
  });
}

/**
 * Return the sign-in page of a mailbox whose access rests on its owner's consent. The page needs no Syncline session,
 * so visibleMailbox, which lets only the owner or an admin read the mailbox, is what keeps the link to them.
 */
async function connectWithSignIn(options: MailboxRouteOptions, mailbox: MailboxRecord): Promise<MailboxConnect | null> {
  const page = options.config === undefined ? null : connectOf(options.config, mailbox);
  if (page === null) {
    return null;
  }
  return { ...page, signedIn: options.ownerSignedIn === undefined ? false : await options.ownerSignedIn(mailbox.id, page.provider) };
}

function connectOf(config: Pick<SynclineConfig, 'orgs' | 'server'>, mailbox: MailboxRecord): Omit<MailboxConnect, 'signedIn'> | null {
  const org = config.orgs.find((candidate) => candidate.id === mailbox.orgId);
  const setting = org?.mailboxes.find((candidate) => candidate.id === mailbox.id);
  if (org === undefined || setting === undefined) {
    return null;
  }
  // Without a public URL the dashboard and the sign-in pages share the address the browser already uses.
  const baseUrl = config.server?.publicUrl ?? '';
  const kind = setting.kind ?? 'graph';
  if (kind === 'graph' && setting.graphAuth === 'delegated' && org.graph !== undefined) {
    return { url: signInUrlOf(baseUrl, mailbox.id), provider: 'graph' };
  }
  if (kind === 'google' && org.google?.auth.kind === 'userOAuth') {
    return { url: googleSignInUrlOf(baseUrl, mailbox.id), provider: 'google' };
  }
  return null;
}

function stateConflict(mailbox: MailboxRecord, schedule: MailboxSchedule, fix: string): ApiError {
  const reason = schedule.reason === null ? '' : ` (${schedule.reason})`;
  return new ApiError(409, `mailbox_${schedule.state === 'disconnected' ? 'disconnected' : 'suspended'}`, `mailbox ${mailbox.id} is ${schedule.state}${reason}; ${fix}`);
}

export function toStatus(mailbox: MailboxRecord, stored: MailboxSchedule | null): MailboxStatus {
  const schedule = stored ?? newSchedule(mailbox.id, null);
  return {
    id: mailbox.id,
    orgId: mailbox.orgId,
    address: mailbox.address,
    kind: mailbox.kind,
    timeZone: mailbox.timeZone,
    state: schedule.state,
    reason: schedule.reason,
    lastSessionAt: schedule.lastSessionAt,
    lastStatus: schedule.lastStatus,
    nextSessionAt: schedule.state === 'suspendedByError' ? schedule.resumeAt : schedule.nextSessionAt,
    failureCount: schedule.failureCount,
  };
}

function toSessionEntry(report: SessionReport): SessionEntry {
  return {
    sessionId: report.sessionId,
    status: report.status,
    startedAt: report.startedAt,
    endedAt: report.endedAt,
    reads: report.reads,
    writes: { mailbox: report.writes.mailbox, crm: report.writes.crm },
    apiCalls: report.apiCalls,
    conflicts: report.conflicts,
    itemErrors: report.itemErrors.map((error) => ({ ...error })),
    notes: [...report.notes],
    ...(report.emailsSaved === undefined ? {} : { emailsSaved: report.emailsSaved }),
    ...(report.emailSaving === undefined ? {} : { emailSaving: emailSavingEntry(report.emailSaving) }),
    ...(report.linked === undefined ? {} : { linked: report.linked }),
    ...(report.autoCreated === undefined ? {} : { autoCreated: { ...report.autoCreated } }),
  };
}

function emailSavingEntry(counts: NonNullable<SessionReport['emailSaving']>): NonNullable<SessionEntry['emailSaving']> {
  return { recordsCreated: counts.recordsCreated, relationsAdded: counts.relationsAdded, attachmentsSaved: counts.attachmentsSaved, skipped: { ...counts.skipped } };
}
