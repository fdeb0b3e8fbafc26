import { DEFAULT_RECURRING_EVENTS, RECURRING_EVENTS_MODES } from '../../sync/series-mode-types.ts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OrgSetting, SynclineConfig } from '../../config/resolved-config.ts';
import { withOrgSections, type OrgSettingsEdit } from '../../config/settings-edits.ts';
import type { SettingsEditStore } from '../../store/index.ts';
import { defaultSyncPolicy } from '../../sync/policy.ts';
import { errorBodySchema } from '../api-errors.ts';
import { requireAdmin } from '../authentication.ts';
import { describeTables, editedBy, findOrg, loadOrgEdit, orgEditorSchema, orgSections, orgTablesOf } from './settings-view.ts';

const orgSettingsSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    policy: z.object({
      conflict: z.enum(['latestWins', 'mailboxWins', 'crmWins']),
      deleteCrmOnMailboxDelete: z.boolean().describe('Older form of deletions: true when a mailbox deletion deletes the Salesforce Event'),
      deletions: z.record(z.enum(['event', 'task', 'contact']), z.object({ action: z.enum(['delete', 'keep', 'mark']), field: z.string().optional(), value: z.union([z.string(), z.number(), z.boolean()]).optional() })),
      quarantineDays: z.number().int(),
      privateItems: z.enum(['skip', 'withoutBody', 'busyOnly']),
      massDelete: z.object({ maxShare: z.number(), maxCount: z.number().int() }),
    }),
    salesforce: z.object({
      loginUrl: z.string(), apiVersion: z.string(), authKind: z.string(), syncIdField: z.string(), apiBudgetShare: z.number(),
      recurringEvents: z.enum(RECURRING_EVENTS_MODES).describe('How a mailbox series reaches Salesforce: auto, series or occurrences (docs/recurrence.md)'),
    }),
    graph: z.object({ graphBaseUrl: z.string() }).nullable().describe('The Microsoft Graph app of the tenant; null when the org has no Office 365 mailbox'),
    instantSync: z.object({ coalesceSeconds: z.number().int(), triggers: z.array(z.string()) }),
    mailboxes: z.object({ count: z.number().int(), sessionIntervalMinutes: z.array(z.number().int()).describe('The distinct intervals of the org\'s mailboxes') }),
    signIn: z.object({ password: z.boolean(), oidcIssuer: z.string().nullable() }),
  })
  .meta({ id: 'OrgSettings' });

/**
 * `GET /api/v1/org/settings`: the caller's org as this server runs it (the configuration file with the stored edit),
 * for admins, and `editor`: each editable section with where it comes from, and the resolved mapping tables. Secrets
 * (client secrets, refresh tokens, keys) are never part of it.
 */
export function registerOrgSettingsRoutes(app: FastifyInstance, config: SynclineConfig, store: SettingsEditStore): void {
  app.withTypeProvider<ZodTypeProvider>().get('/api/v1/org/settings', {
    schema: {
      tags: ['org'],
      summary: "The org's sync settings (admins only), with the editable sections and where each comes from; secrets are left out",
      response: { 200: z.object({ org: orgSettingsSchema, editor: orgEditorSchema }), 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request) => {
    const caller = requireAdmin(request);
    const org = findOrg(config, caller.orgId);
    const { edit, row } = await loadOrgEdit(store, org.id);
    return {
      org: describeOrg(org, config, edit),
      editor: { sections: orgSections(org, config, edit), tables: describeTables(orgTablesOf(org, edit)), edited: editedBy(row) },
    };
  });
}

function describeOrg(fileOrg: OrgSetting, config: SynclineConfig, edit: OrgSettingsEdit): z.infer<typeof orgSettingsSchema> {
  const org = withOrgSections(fileOrg, edit);
  const policy = { ...defaultSyncPolicy, ...org.policy };
  return {
    id: org.id,
    name: org.name,
    policy: { conflict: policy.conflict, deleteCrmOnMailboxDelete: policy.deletions.event.action === 'delete', deletions: policy.deletions, quarantineDays: policy.quarantineDays, privateItems: policy.privateItems, massDelete: policy.massDelete },
    salesforce: {
      loginUrl: org.salesforce.loginUrl,
      apiVersion: org.salesforce.apiVersion,
      authKind: org.salesforce.auth.kind,
      syncIdField: org.salesforce.syncIdField,
      apiBudgetShare: org.salesforce.apiBudgetShare,
      recurringEvents: org.salesforce.recurringEvents ?? DEFAULT_RECURRING_EVENTS,
    },
    graph: org.graph === undefined ? null : { graphBaseUrl: org.graph.graphBaseUrl },
    instantSync: { coalesceSeconds: config.instantSync?.coalesceSeconds ?? 60, triggers: [...(org.instantSyncTriggers ?? config.instantSync?.triggers ?? ['create', 'update', 'delete'])] },
    mailboxes: { count: org.mailboxes.length, sessionIntervalMinutes: [...new Set(org.mailboxes.map((mailbox) => intervalOf(mailbox, edit)))].sort((a, b) => a - b) },
    signIn: { password: true, oidcIssuer: org.oidc?.issuerUrl ?? null },
  };
}

/** A mailbox's interval: its own in the file, else the edited org interval, else the file's. */
function intervalOf(mailbox: OrgSetting['mailboxes'][number], edit: OrgSettingsEdit): number {
  return mailbox.fileSections?.sessionIntervalMinutes ?? edit.sessionIntervalMinutes ?? mailbox.sessionIntervalMinutes;
}
