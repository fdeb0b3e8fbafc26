import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SynclineConfig } from '../../config/resolved-config.ts';
import { effectiveSettings, withOrgSections } from '../../config/settings-edits.ts';
import type { AccountStore, MailboxRecord } from '../../domain/accounts.ts';
import { OBJECT_KINDS, type MappedValues } from '../../domain/link.ts';
import type { ScheduleStore, SessionTrigger } from '../../domain/mailbox-state.ts';
import type { QuarantineEntry } from '../../domain/sync-store.ts';
import { queueForcedSession } from '../../scheduler/mailbox-control.ts';
import { isQuarantineExpired, itemTitle, quarantineDaysLeft, requestRestore, requestUndo } from '../../scheduler/review-requests.ts';
import type { SettingsEditStore, SynclineStore } from '../../store/index.ts';
import { heldDeletionId, heldDeletionsVersion } from '../../store/quarantine.ts';
import { defaultSyncPolicy } from '../../sync/policy.ts';
import { ApiError, errorBodySchema } from '../api-errors.ts';
import { requireAdmin, requireCaller } from '../authentication.ts';
import { visibleMailbox } from '../mailbox-access.ts';
import { API_BODY_LIMIT_BYTES } from './limits.ts';
import { loadOrgEdit } from './settings-view.ts';

export interface ReviewRouteOptions {
  readonly store: AccountStore &
    ScheduleStore &
    SettingsEditStore &
    Pick<SynclineStore, 'getConflict' | 'findUndoOf' | 'requestConflictUndo' | 'listQuarantine' | 'getQuarantineEntry' | 'requestQuarantineRestore' | 'listHeldDeletions' | 'decideSeenHeldDeletions' | 'loadSyncState'>;
  readonly config: SynclineConfig;
  /** Starts a session in this process at once; without it the scheduler finds the request at its next poll. */
  readonly requestSession?: (mailboxId: string, trigger: SessionTrigger) => void;
  readonly now: () => Date;
}

const tags = ['review'];
const sideEnum = z.enum(['mailbox', 'crm']);
const mailboxId = z.string().min(1, { error: 'expected a mailbox id' }).max(200, { error: 'expected a mailbox id of at most 200 characters' });
const errors = { 401: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };

const sessionSchema = z
  .object({
    requested: z.boolean().describe('True when a session was asked for now; false when the mailbox is suspended by a person or disconnected'),
    note: z.string(),
  })
  .meta({ id: 'ReviewSession' });

const quarantineSchema = z
  .object({
    id: z.string(),
    objectKind: z.enum(OBJECT_KINDS),
    side: sideEnum.describe('The side the session deleted the item from, and where a restore makes it again'),
    itemId: z.string(),
    title: z.string().describe('The subject, the person\'s name or the email address the item held'),
    values: z.record(z.string(), z.unknown()).describe('The values the pair last agreed on, which a restore writes'),
    reason: z.string(),
    deletedAt: z.string(),
    daysLeft: z.number().int().describe('Whole days until the entry is purged (policy.quarantineDays after deletedAt)'),
    expired: z.boolean().describe('True once policy.quarantineDays have passed with no restore requested: a restore is refused (409), and the next session of its kind purges it'),
    restoreRequestedAt: z.string().nullable(),
    restoredAt: z.string().nullable(),
  })
  .meta({ id: 'QuarantineEntry' });

const heldSchema = z
  .object({
    id: z.string().describe('The held deletion\'s id (kind/syncId); confirm and reject name the ids the person saw'),
    objectKind: z.enum(OBJECT_KINDS),
    syncId: z.string(),
    side: sideEnum.describe('The side whose item the held deletion would remove (the other side deleted its item)'),
    itemId: z.string(),
    title: z.string().describe('The subject, the person\'s name or the email address the pair last agreed on'),
    heldAt: z.string(),
    decision: z.enum(['confirm', 'reject']).nullable(),
  })
  .meta({ id: 'HeldDeletion' });

/**
 * Register the dashboard's review actions, the API twins of `syncline conflicts undo`, `syncline quarantine` and
 * `syncline deletions`. The owner of a mailbox or an admin may undo a conflict decision and restore a quarantined item.
 * Held mass deletions are for admins only, because one decision covers every held deletion of the mailbox. Each action
 * records the request and the next session carries it out, so each also requests a session at once.
 */
export function registerReviewRoutes(app: FastifyInstance, options: ReviewRouteOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { store } = options;

  const askForSession = async (mailbox: MailboxRecord): Promise<z.infer<typeof sessionSchema>> => {
    const schedule = await store.loadSchedule(mailbox.id);
    if (schedule?.state === 'suspendedByUser' || schedule?.state === 'disconnected') {
      return { requested: false, note: `The mailbox is ${schedule.state}; the request waits for its next session after it is resumed.` };
    }
    await queueForcedSession(store, mailbox.id, options.now());
    options.requestSession?.(mailbox.id, 'force');
    return { requested: true, note: 'A session was requested now; it starts within a few seconds.' };
  };

  routes.post('/api/v1/mailboxes/:id/conflicts/:conflictId/undo', {
    bodyLimit: API_BODY_LIMIT_BYTES,
    schema: {
      tags,
      summary: 'Undo a conflict decision: the next session writes the value that lost back to both sides',
      params: z.strictObject({ id: mailboxId, conflictId: z.string().min(1, { error: 'expected a conflict id' }).max(400, { error: 'expected a conflict id of at most 400 characters' }) }),
      response: {
        202: z.object({
          undo: z.object({ id: z.string(), objectKind: z.enum(OBJECT_KINDS), syncId: z.string(), field: z.string(), side: sideEnum.describe('The side whose value lost and is written back'), value: z.unknown(), status: z.enum(['requested', 'alreadyRequested']) }),
          session: sessionSchema,
          message: z.string(),
        }),
        ...errors,
      },
    },
  }, async (request, reply) => {
    const mailbox = await visibleMailbox(store, requireCaller(request), request.params.id);
    const result = await requestUndo(store, request.params.conflictId, options.now(), mailbox.id);
    if (result.kind === 'malformedId' || result.kind === 'notFound') {
      throw new ApiError(404, 'not_found', `no conflict decision '${request.params.conflictId}' in the ledger of mailbox ${mailbox.id}; GET /api/v1/mailboxes/{id}/conflicts lists the ids`, 'conflictId');
    }
    if (result.kind === 'alreadyUndone') {
      throw new ApiError(409, 'already_undone', `conflict ${result.decision.id} was undone already by ${result.undoneBy}; undo that entry to bring the other value back`, 'conflictId');
    }

    const { decision, side } = result;
    const sideName = side === 'crm' ? 'Salesforce' : 'mailbox';
    const session = await askForSession(mailbox);
    const message =
      result.status === 'requested'
        ? `Undo recorded: the next session writes the ${sideName} value of ${decision.field} back to both sides.`
        : `The undo of this decision was recorded already; the next session applies it.`;
    return reply.code(202).send({
      undo: { id: decision.id, objectKind: decision.objectKind, syncId: decision.syncId, field: decision.field, side, value: side === 'crm' ? decision.crmValue : decision.mailboxValue, status: result.status },
      session,
      message,
    });
  });

  routes.get('/api/v1/mailboxes/:id/quarantine', {
    schema: {
      tags,
      summary: 'Items sessions deleted, kept restorable for policy.quarantineDays, newest first',
      params: z.strictObject({ id: mailboxId }),
      response: { 200: z.object({ quarantineDays: z.number().int(), quarantine: z.array(quarantineSchema) }), 401: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request) => {
    const mailbox = await visibleMailbox(store, requireCaller(request), request.params.id);
    const days = await quarantineDaysOf(options.config, store, mailbox);
    const now = options.now();
    const entries = await store.listQuarantine(mailbox.id);
    return { quarantineDays: days, quarantine: entries.map((entry) => toQuarantineEntry(entry, days, now)) };
  });

  routes.post('/api/v1/mailboxes/:id/quarantine/:entryId/restore', {
    bodyLimit: API_BODY_LIMIT_BYTES,
    schema: {
      tags,
      summary: 'Restore a quarantined item: the next session makes it again on the side it was deleted from',
      params: z.strictObject({ id: mailboxId, entryId: z.string().min(1, { error: 'expected a quarantine entry id' }).max(200, { error: 'expected a quarantine entry id of at most 200 characters' }) }),
      response: { 202: z.object({ restore: quarantineSchema.extend({ status: z.enum(['requested', 'alreadyRequested']) }), session: sessionSchema, message: z.string() }), ...errors },
    },
  }, async (request, reply) => {
    const mailbox = await visibleMailbox(store, requireCaller(request), request.params.id);
    const now = options.now();
    const days = await quarantineDaysOf(options.config, store, mailbox);
    const result = await requestRestore(store, request.params.entryId, now, mailbox.id, days);
    if (result.kind === 'notFound') {
      throw new ApiError(404, 'not_found', `no quarantine entry '${request.params.entryId}' for mailbox ${mailbox.id}; GET /api/v1/mailboxes/{id}/quarantine lists them (entries are purged after policy.quarantineDays)`, 'entryId');
    }
    if (result.kind === 'expired') {
      throw new ApiError(409, 'quarantine_expired', `quarantine entry ${result.entry.id} expired at ${result.expiredAt} (policy.quarantineDays is ${days}) and can no longer be restored; the next session purges it`, 'entryId');
    }
    if (result.kind === 'alreadyRestored') {
      throw new ApiError(409, 'already_restored', `quarantine entry ${result.entry.id} was restored at ${result.restoredAt}; there is nothing left to restore`, 'entryId');
    }

    const entry = (await store.getQuarantineEntry(result.entry.id)) ?? result.entry;
    const where = entry.side === 'crm' ? 'in Salesforce' : 'in the mailbox';
    const session = await askForSession(mailbox);
    const message =
      result.status === 'requested'
        ? `Restore recorded: the next session makes "${itemTitle(entry.values, entry.itemId)}" again ${where}.`
        : 'The restore of this item was recorded already; the next session makes it.';
    return reply.code(202).send({ restore: { ...toQuarantineEntry(entry, days, now), status: result.status }, session, message });
  });

  routes.get('/api/v1/mailboxes/:id/held-deletions', {
    schema: {
      tags,
      summary: 'Deletions the mass-delete breaker holds back, with any decision (admins only)',
      params: z.strictObject({ id: mailboxId }),
      response: {
        200: z.object({ version: z.string().describe('Names this set of held deletions; send it with confirm or reject'), deletions: z.array(heldSchema) }),
        401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request) => {
    const mailbox = await visibleMailbox(store, requireAdmin(request), request.params.id);
    const held = await store.listHeldDeletions(mailbox.id);
    const bases = new Map<string, MappedValues>();
    for (const kind of new Set(held.map((entry) => entry.objectKind))) {
      for (const link of (await store.loadSyncState(mailbox.id, kind)).links) {
        bases.set(`${kind}/${link.syncId}`, link.base);
      }
    }
    const deletions = held.map((entry) => ({
      id: heldDeletionId(entry),
      objectKind: entry.objectKind,
      syncId: entry.syncId,
      side: entry.side,
      itemId: entry.itemId,
      title: itemTitle(bases.get(`${entry.objectKind}/${entry.syncId}`) ?? {}, entry.itemId),
      heldAt: entry.heldAt,
      decision: entry.decision,
    }));
    return { version: heldDeletionsVersion(held), deletions };
  });

  for (const decision of ['confirm', 'reject'] as const) {
    routes.post(`/api/v1/mailboxes/:id/held-deletions/${decision}`, {
      bodyLimit: API_BODY_LIMIT_BYTES,
      schema: {
        tags,
        summary:
          decision === 'confirm'
            ? 'Confirm the held deletions the admin saw: the next session makes them (admins only)'
            : 'Reject the held deletions the admin saw: the next session makes the deleted items again and keeps the pairs linked (admins only)',
        params: z.strictObject({ id: mailboxId }),
        body: z
          .strictObject({
            version: z.string({ error: 'expected the version GET /api/v1/mailboxes/{id}/held-deletions returned' }).min(1, { error: 'expected the version GET /api/v1/mailboxes/{id}/held-deletions returned' }).max(100, { error: 'expected a version of at most 100 characters' }),
          }, { error: 'expected a JSON object {"version": "…"} naming the held deletions you saw' })
          .describe('The version of the held deletions the admin saw; when the set changed since, nothing is decided and the answer is 409'),
        response: { 202: z.object({ decision: z.enum(['confirm', 'reject']), deletions: z.number().int(), session: sessionSchema, message: z.string() }), ...errors, 403: errorBodySchema },
      },
    }, async (request, reply) => {
      const mailbox = await visibleMailbox(store, requireAdmin(request), request.params.id);
      const result = await store.decideSeenHeldDeletions(mailbox.id, decision, request.body.version);
      if ((result.kind === 'changed' ? result.held : result.count) === 0) {
        throw new ApiError(409, 'nothing_held', `no deletions are held back for mailbox ${mailbox.id}; there is nothing to ${decision}`);
      }
      if (result.kind === 'changed') {
        throw new ApiError(409, 'held_deletions_changed', `the held deletions of mailbox ${mailbox.id} changed since they were listed (${result.held} are held now); nothing was decided: read GET /api/v1/mailboxes/{id}/held-deletions again and ${decision} the new version`, 'version');
      }
      const count = result.count;
      const session = await askForSession(mailbox);
      const effect = decision === 'confirm' ? 'makes these deletions' : 'makes the deleted items again and keeps the pairs linked';
      return reply.code(202).send({ decision, deletions: count, session, message: `${decision === 'confirm' ? 'Confirmed' : 'Rejected'} ${count} held deletions: the next session ${effect}.` });
    });
  }
}

/**
 * Return the quarantine days the mailbox's sessions purge with: the configuration file under the org's stored edit,
 * resolved as a session resolves them (an edit that no longer fits the file is left out there too).
 */
async function quarantineDaysOf(config: SynclineConfig, store: SettingsEditStore, mailbox: MailboxRecord): Promise<number> {
  const org = config.orgs.find((candidate) => candidate.id === mailbox.orgId);
  if (org === undefined) {
    return defaultSyncPolicy.quarantineDays;
  }
  const { edit } = await loadOrgEdit(store, org.id);
  const setting = org.mailboxes.find((candidate) => candidate.id === mailbox.id);
  const effective = setting === undefined ? withOrgSections(org, edit) : effectiveSettings(org, setting, edit, null).org;
  return effective.policy.quarantineDays ?? defaultSyncPolicy.quarantineDays;
}

function toQuarantineEntry(entry: QuarantineEntry, days: number, now: Date): z.infer<typeof quarantineSchema> {
  return {
    id: entry.id,
    objectKind: entry.objectKind,
    side: entry.side,
    itemId: entry.itemId,
    title: itemTitle(entry.values, entry.itemId),
    values: { ...entry.values },
    reason: entry.reason,
    deletedAt: entry.deletedAt,
    daysLeft: quarantineDaysLeft(entry, days, now),
    expired: entry.restoreRequestedAt === null && entry.restoredAt === null && isQuarantineExpired(entry, days, now),
    restoreRequestedAt: entry.restoreRequestedAt,
    restoredAt: entry.restoredAt,
  };
}
