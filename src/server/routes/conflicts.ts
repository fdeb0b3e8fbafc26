import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccountStore } from '../../domain/accounts.ts';
import { OBJECT_KINDS } from '../../domain/link.ts';
import { conflictId } from '../../store/conflict-ledger.ts';
import type { SynclineStore } from '../../store/index.ts';
import { errorBodySchema } from '../api-errors.ts';
import { requireCaller } from '../authentication.ts';
import { visibleMailbox } from '../mailbox-access.ts';

export interface ConflictRouteOptions {
  readonly store: AccountStore & Pick<SynclineStore, 'listConflicts' | 'findUndoOf' | 'loadReviewState'>;
}

const DEFAULT_CONFLICT_LIMIT = 50;
const MAX_CONFLICT_LIMIT = 500;

const mappedValue = z.unknown().describe('The field value as Syncline maps it: text, a number, true or false, null, or a list or object of these');

const conflictSchema = z
  .object({
    id: z.string().describe('The decision\'s ledger id, which POST /api/v1/mailboxes/{id}/conflicts/{conflictId}/undo takes (URL-encoded)'),
    objectKind: z.enum(OBJECT_KINDS),
    syncId: z.string().describe('The link of the mailbox item and the Salesforce record'),
    field: z.string(),
    baseValue: mappedValue,
    mailboxValue: mappedValue,
    crmValue: mappedValue,
    winner: z.enum(['mailbox', 'crm']).describe('The side whose value was kept'),
    reason: z.string().describe('Why that side won, e.g. the conflict policy and the modification times'),
    createdAt: z.string(),
    undoes: z.string().nullable().describe('For an undo: the id of the decision it undid'),
    undo: z.enum(['requested', 'undone']).nullable().describe('requested: an undo waits for the next session; undone: a later entry undid this decision'),
  })
  .meta({ id: 'Conflict' });

/**
 * `GET /api/v1/mailboxes/{id}/conflicts`: the conflict ledger of one mailbox, newest first. Each entry is a field
 * both sides changed since they last agreed, with both values, the value kept and why, and whether it was undone.
 */
export function registerConflictRoutes(app: FastifyInstance, options: ConflictRouteOptions): void {
  app.withTypeProvider<ZodTypeProvider>().get('/api/v1/mailboxes/:id/conflicts', {
    schema: {
      tags: ['mailboxes'],
      summary: 'The conflict ledger of a mailbox, newest first: both values, the value kept and why',
      params: z.strictObject({ id: z.string().min(1, { error: 'expected a mailbox id' }).max(200, { error: 'expected a mailbox id of at most 200 characters' }) }),
      querystring: z.strictObject({
        limit: z.coerce
          .number({ error: 'expected a whole number' })
          .int({ error: 'expected a whole number' })
          .min(1, { error: `expected 1 to ${MAX_CONFLICT_LIMIT}` })
          .max(MAX_CONFLICT_LIMIT, { error: `expected 1 to ${MAX_CONFLICT_LIMIT}` })
          .default(DEFAULT_CONFLICT_LIMIT),
      }),
      response: { 200: z.object({ conflicts: z.array(conflictSchema) }), 401: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request) => {
    const mailbox = await visibleMailbox(options.store, requireCaller(request), request.params.id);
    const { limit } = request.query;
    const perKind = await Promise.all(OBJECT_KINDS.map((kind) => options.store.listConflicts(mailbox.id, kind, limit)));
    const newestFirst = perKind.flat().sort((left, right) => right.createdAt.localeCompare(left.createdAt)).slice(0, limit);
    const requested = new Set<string>();
    for (const kind of OBJECT_KINDS) {
      for (const undo of (await options.store.loadReviewState(mailbox.id, kind)).undos) {
        requested.add(conflictId(mailbox.id, kind, undo.seq));
      }
    }
    const conflicts = [];
    for (const entry of newestFirst) {
      const undone = (await options.store.findUndoOf(mailbox.id, entry.objectKind, entry.seq)) !== null;
      conflicts.push({
        id: entry.id,
        objectKind: entry.objectKind,
        syncId: entry.syncId,
        field: entry.field,
        baseValue: entry.baseValue,
        mailboxValue: entry.mailboxValue,
        crmValue: entry.crmValue,
        winner: entry.winner,
        reason: entry.reason,
        createdAt: entry.createdAt,
        undoes: entry.undoes === undefined ? null : conflictId(mailbox.id, entry.objectKind, entry.undoes),
        undo: undone ? ('undone' as const) : requested.has(entry.id) ? ('requested' as const) : null,
      });
    }
    return { conflicts };
  });
}
