import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OrgSetting, SynclineConfig } from '../../config/resolved-config.ts';
import { defaultSyncPolicy } from '../../sync/policy.ts';
import { ApiError, errorBodySchema } from '../api-errors.ts';
import { requireAdmin } from '../authentication.ts';

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
    salesforce: z.object({ loginUrl: z.string(), apiVersion: z.string(), authKind: z.string(), syncIdField: z.string(), apiBudgetShare: z.number() }),
    graph: z.object({ graphBaseUrl: z.string() }).nullable().describe('The Microsoft Graph app of the tenant; null when the org has no Office 365 mailbox'),
    instantSync: z.object({ coalesceSeconds: z.number().int(), triggers: z.array(z.string()) }),
    mailboxes: z.object({ count: z.number().int(), sessionIntervalMinutes: z.array(z.number().int()).describe('The distinct intervals of the org\'s mailboxes') }),
    signIn: z.object({ password: z.boolean(), oidcIssuer: z.string().nullable() }),
  })
  .meta({ id: 'OrgSettings' });

/**
 * `GET /api/v1/org/settings`: the caller's org as this server runs it, for admins. Secrets (client secrets,
 * refresh tokens, keys) are never part of it.
 */
export function registerOrgSettingsRoutes(app: FastifyInstance, config: SynclineConfig): void {
  app.withTypeProvider<ZodTypeProvider>().get('/api/v1/org/settings', {
    schema: { tags: ['org'], summary: "The org's sync settings (admins only); secrets are left out", response: { 200: z.object({ org: orgSettingsSchema }), 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema } },
  }, async (request) => {
    const caller = requireAdmin(request);
    const org = config.orgs.find((candidate) => candidate.id === caller.orgId);
    if (org === undefined) {
      throw new ApiError(404, 'not_found', `org '${caller.orgId}' is not in the configuration this server runs with; add it to orgs[] and restart`);
    }
    return { org: describeOrg(org, config) };
  });
}

function describeOrg(org: OrgSetting, config: SynclineConfig): z.infer<typeof orgSettingsSchema> {
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
    },
    graph: org.graph === undefined ? null : { graphBaseUrl: org.graph.graphBaseUrl },
    instantSync: { coalesceSeconds: config.instantSync?.coalesceSeconds ?? 60, triggers: [...(config.instantSync?.triggers ?? ['create', 'update', 'delete'])] },
    mailboxes: { count: org.mailboxes.length, sessionIntervalMinutes: [...new Set(org.mailboxes.map((mailbox) => mailbox.sessionIntervalMinutes))].sort((a, b) => a - b) },
    signIn: { password: true, oidcIssuer: org.oidc?.issuerUrl ?? null },
  };
}
