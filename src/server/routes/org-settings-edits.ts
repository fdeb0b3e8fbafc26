import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SynclineConfig } from '../../config/resolved-config.ts';
import { checkOrgEdit, type OrgSettingsEdit } from '../../config/settings-edits.ts';
import type { SettingsEditStore } from '../../store/index.ts';
import type { SessionPlan } from '../../sync/index.ts';
import { ApiError, errorBodySchema } from '../api-errors.ts';
import { requireAdmin } from '../authentication.ts';
import { describeTables, editedBy, findOrg, invalidSettings, loadMailboxEdits, orgEditorSchema, orgSections, orgTablesOf, sectionsBodySchema, SETTINGS_BODY_LIMIT_BYTES } from './settings-view.ts';

/** Plans one session of a mailbox with an org settings draft in place of the stored edit; writes nothing. */
export type DraftPlanner = (mailboxId: string, orgDraft: OrgSettingsEdit) => Promise<SessionPlan>;

export interface OrgSettingsEditOptions {
  readonly config: SynclineConfig;
  readonly store: SettingsEditStore;
  readonly now: () => Date;
  /** Absent where no engine runs beside the API; the dry run then returns 503. */
  readonly planDraft?: DraftPlanner;
}

/** A dry run plans at most this many mailboxes, one after another, so a large org gets a sample within a request's time. */
const MAX_DRY_RUN_MAILBOXES = 10;
/** The first actions of each mailbox; the totals count them all. */
const MAX_ACTIONS_PER_MAILBOX = 50;
/** The wait a refused dry run is told to take: planning one mailbox takes seconds, ten a few times that. */
const DRY_RUN_RETRY_AFTER_SECONDS = 30;

const actionSchema = z.object({
  side: z.enum(['mailbox', 'crm']),
  op: z.string().describe('create, update, delete, conflict (a field conflict the session would settle) or unsync (an un-sync rule removes the mailbox item), as `syncline sync --dry-run` prints them'),
  object: z.string(),
  id: z.string().nullable(),
  fields: z.record(z.string(), z.unknown()),
  rule: z.string().optional().describe('For op unsync: the name of the un-sync rule that removes the item'),
});
const countsSchema = z.record(z.string(), z.number().int()).describe('Planned actions by operation, such as {"create": 2, "update": 1}');
const dryRunSchema = z
  .object({
    plans: z.array(z.object({ mailbox: z.string(), mailboxId: z.string(), totals: countsSchema, actions: z.array(actionSchema), notes: z.array(z.string()), failures: z.array(z.string()) })),
    totals: countsSchema,
    mailboxesLeftOut: z.number().int().describe(`Mailboxes of the org not planned: a dry run plans at most ${MAX_DRY_RUN_MAILBOXES}; name one with ?mailboxId=`),
  })
  .meta({ id: 'SettingsDryRun' });

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };

/** `PUT /api/v1/org/settings` saves an edit of the org's settings; `POST /api/v1/org/settings/dry-run` shows what a draft would do. */
export function registerOrgSettingsEditRoutes(app: FastifyInstance, options: OrgSettingsEditOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { config, store } = options;
  /** Orgs with a dry run in progress on this server. */
  const runningDryRuns = new Set<string>();

  routes.put('/api/v1/org/settings', {
    bodyLimit: SETTINGS_BODY_LIMIT_BYTES,
    schema: {
      tags: ['org'],
      summary: 'Save the org\'s edited sections (admins only); each replaces the configuration file\'s section from the next session on',
      body: sectionsBodySchema,
      response: { 200: z.object({ editor: orgEditorSchema }), ...errors },
    },
  }, async (request) => {
    const caller = requireAdmin(request);
    const org = findOrg(config, caller.orgId);
    const checked = checkOrgEdit(request.body, org, await loadMailboxEdits(store, org.id));
    if (!checked.ok) {
      throw invalidSettings(checked.problems);
    }

    const row = { orgId: org.id, mailboxId: null, sections: checked.edit, changedBy: caller.email, changedAt: options.now().toISOString() };
    await store.saveSettingsEdit(row);
    request.log.info({ org: org.id, sections: Object.keys(checked.edit) }, 'Org settings saved');
    return { editor: { sections: orgSections(org, config, checked.edit), tables: describeTables(orgTablesOf(org, checked.edit)), edited: editedBy(row) } };
  });

  routes.post('/api/v1/org/settings/dry-run', {
    bodyLimit: SETTINGS_BODY_LIMIT_BYTES,
    schema: {
      tags: ['org'],
      summary: 'What one session per mailbox would do with a draft of the org settings (admins only); nothing is written or saved',
      body: sectionsBodySchema,
      querystring: z.strictObject({ mailboxId: z.string().min(1).max(200).optional() }),
      response: { 200: dryRunSchema, 429: errorBodySchema, 503: errorBodySchema, ...errors },
    },
  }, async (request) => {
    const caller = requireAdmin(request);
    const org = findOrg(config, caller.orgId);
    const checked = checkOrgEdit(request.body, org, await loadMailboxEdits(store, org.id));
    if (!checked.ok) {
      throw invalidSettings(checked.problems, 'the draft was not previewed, and nothing was saved');
    }
    const wanted = request.query.mailboxId;
    const mailboxes = wanted === undefined ? org.mailboxes : org.mailboxes.filter((mailbox) => mailbox.id === wanted);
    if (mailboxes.length === 0) {
      throw new ApiError(404, 'not_found', `no mailbox with id '${wanted ?? ''}' among the org's; GET /api/v1/mailboxes lists them`, 'mailboxId');
    }
    if (options.planDraft === undefined) {
      throw new ApiError(503, 'dry_run_unavailable', 'this server runs no sync engine, so it cannot plan sessions; run the dry run on the server that `syncline start` runs');
    }
    // One dry run per org at a time: each reads both sides of up to ten mailboxes, against the limits sessions share.
    if (runningDryRuns.has(org.id)) {
      throw new ApiError(
        429,
        'dry_run_running',
        `another dry run of this org is still planning its mailboxes, and an org runs one at a time; wait for its answer, or try again in ${DRY_RUN_RETRY_AFTER_SECONDS} seconds`,
        undefined,
        { 'retry-after': String(DRY_RUN_RETRY_AFTER_SECONDS) },
      );
    }
    runningDryRuns.add(org.id);
    try {
      // One mailbox at a time: a dry run reads both sides, and its API calls count against the same limits as sessions.
      const plans = [];
      for (const mailbox of mailboxes.slice(0, MAX_DRY_RUN_MAILBOXES)) {
        plans.push(describePlan(await options.planDraft(mailbox.id, checked.edit)));
      }
      return { plans, totals: sum(plans.map((plan) => plan.totals)), mailboxesLeftOut: Math.max(0, mailboxes.length - MAX_DRY_RUN_MAILBOXES) };
    } finally {
      runningDryRuns.delete(org.id);
    }
  });
}

function describePlan(plan: SessionPlan): z.infer<typeof dryRunSchema>['plans'][number] {
  const totals: Record<string, number> = {};
  for (const action of plan.actions) {
    totals[action.op] = (totals[action.op] ?? 0) + 1;
  }
  return {
    mailbox: plan.mailbox,
    mailboxId: plan.mailboxId,
    totals,
    actions: plan.actions.slice(0, MAX_ACTIONS_PER_MAILBOX).map((action) => ({ side: action.side, op: action.op, object: action.object, id: action.id, fields: { ...action.fields }, ...(action.rule === undefined ? {} : { rule: action.rule }) })),
    notes: [...plan.notes],
    failures: [...plan.failures],
  };
}

function sum(counts: readonly z.infer<typeof countsSchema>[]): z.infer<typeof countsSchema> {
  const total: Record<string, number> = {};
  for (const count of counts) {
    for (const [op, n] of Object.entries(count)) {
      total[op] = (total[op] ?? 0) + n;
    }
  }
  return total;
}
