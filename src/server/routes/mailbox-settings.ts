import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MailboxSetting, SynclineConfig } from '../../config/resolved-config.ts';
import { checkMailboxEdit, effectiveSettings, readStoredMailboxEdit, type MailboxSettingsEdit, type OrgSettingsEdit } from '../../config/settings-edits.ts';
import type { AccountStore } from '../../domain/accounts.ts';
import { OBJECT_KINDS } from '../../domain/link.ts';
import type { MappingTable } from '../../mapping/index.ts';
import type { SettingsEditStore } from '../../store/index.ts';
import { ApiError, errorBodySchema } from '../api-errors.ts';
import { requireCaller } from '../authentication.ts';
import { visibleMailbox } from '../mailbox-access.ts';
import { editedBy, editedBySchema, findOrg, invalidSettings, loadOrgEdit, orgTablesOf, sectionsBodySchema, SETTINGS_BODY_LIMIT_BYTES } from './settings-view.ts';

export interface MailboxSettingsOptions {
  readonly config: SynclineConfig;
  readonly store: SettingsEditStore & AccountStore;
  readonly now: () => Date;
}

const direction = z.enum(['both', 'mailboxToCrm', 'crmToMailbox', 'off']);

const mailboxSettingsSchema = z
  .object({
    mailboxId: z.string(),
    address: z.string(),
    sections: z.object({
      mappings: z.object({ value: z.record(z.string(), z.record(z.string(), direction)), source: z.enum(['file', 'console']) }),
      userBlocklist: z.object({ value: z.array(z.string()), source: z.enum(['file', 'console']) }),
    }),
    pairs: z
      .array(z.object({ kind: z.enum(OBJECT_KINDS), key: z.string(), mailboxField: z.string().nullable(), crmFields: z.array(z.string()), allowed: direction, direction }))
      .describe('The pairs the org lets this mailbox change: the widest direction the org allows and the one in use'),
    edited: editedBySchema,
  })
  .meta({ id: 'MailboxSettings' });

const idParams = z.strictObject({ id: z.string().min(1, { error: 'expected a mailbox id' }).max(200, { error: 'expected a mailbox id of at most 200 characters' }) });
const tags = ['mailboxes'];

/** The mailbox's own settings: its pair directions within the org's and its owner's blocklist; for its owner or an admin. */
export function registerMailboxSettingsRoutes(app: FastifyInstance, options: MailboxSettingsOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { config, store } = options;

  routes.get('/api/v1/mailboxes/:id/settings', {
    schema: { tags, summary: "The mailbox's own pair directions and its owner's blocklist, with where each comes from", params: idParams, response: { 200: z.object({ settings: mailboxSettingsSchema }), 401: errorBodySchema, 404: errorBodySchema } },
  }, async (request) => {
    const { org, setting } = await configuredMailbox(request.params.id, requireCaller(request));
    const { edit: orgEdit } = await loadOrgEdit(store, org.id);
    const row = await store.loadSettingsEdit(org.id, setting.id);
    const read = row === null ? null : readStoredMailboxEdit(row.sections);
    const personal = read?.ok === true ? read.edit : {};
    return { settings: describeMailbox(org, setting, orgEdit, personal, editedBy(row)) };
  });

  routes.put('/api/v1/mailboxes/:id/settings', {
    bodyLimit: SETTINGS_BODY_LIMIT_BYTES,
    schema: {
      tags,
      summary: "Save the mailbox's own pair directions (no wider than the org's) and its owner's blocklist; they apply from the next session",
      params: idParams,
      body: sectionsBodySchema,
      response: { 200: z.object({ settings: mailboxSettingsSchema }), 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request) => {
    const caller = requireCaller(request);
    const { org, setting } = await configuredMailbox(request.params.id, caller);
    const { edit: orgEdit } = await loadOrgEdit(store, org.id);
    const checked = checkMailboxEdit(request.body, org, orgEdit);
    if (!checked.ok) {
      throw invalidSettings(checked.problems);
    }

    const row = { orgId: org.id, mailboxId: setting.id, sections: checked.edit, changedBy: caller.email, changedAt: options.now().toISOString() };
    await store.saveSettingsEdit(row);
    request.log.info({ org: org.id, mailboxId: setting.id, sections: Object.keys(checked.edit) }, 'Mailbox settings saved');
    return { settings: describeMailbox(org, setting, orgEdit, checked.edit, editedBy(row)) };
  });

  async function configuredMailbox(mailboxId: string, caller: ReturnType<typeof requireCaller>) {
    const record = await visibleMailbox(store, caller, mailboxId);
    const org = findOrg(config, record.orgId);
    const setting = org.mailboxes.find((candidate) => candidate.id === record.id);
    if (setting === undefined) {
      throw new ApiError(404, 'not_found', `mailbox '${mailboxId}' is no longer in the configuration, so it has no settings; add it to the org's mailboxes again`, 'id');
    }
    return { org, setting };
  }
}

function describeMailbox(
  org: ReturnType<typeof findOrg>,
  setting: MailboxSetting,
  orgEdit: OrgSettingsEdit,
  personal: MailboxSettingsEdit,
  edited: z.infer<typeof editedBySchema>,
): z.infer<typeof mailboxSettingsSchema> {
  const fileBlocklist = org.linking?.userBlocklists[setting.address.trim().toLowerCase()] ?? [];
  const effective = effectiveSettings(org, setting, orgEdit, personal);
  return {
    mailboxId: setting.id,
    address: setting.address,
    sections: {
      mappings: personal.mappings === undefined ? { value: { ...(setting.fileSections?.mappings ?? {}) }, source: 'file' } : { value: { ...personal.mappings }, source: 'console' },
      userBlocklist: personal.userBlocklist === undefined ? { value: [...fileBlocklist], source: 'file' } : { value: [...personal.userBlocklist], source: 'console' },
    },
    pairs: adjustablePairs(orgTablesOf(org, orgEdit), effective.setting.mappings),
    edited,
  };
}

/** The pairs a mailbox may narrow, with the org's direction and the one this mailbox uses now. */
function adjustablePairs(orgTables: Readonly<Record<(typeof OBJECT_KINDS)[number], MappingTable>>, mine: MailboxSetting['mappings']): z.infer<typeof mailboxSettingsSchema>['pairs'] {
  return OBJECT_KINDS.flatMap((kind) =>
    orgTables[kind].pairs
      .filter((pair) => pair.userAdjustable)
      .map((pair) => ({
        kind,
        key: pair.key,
        mailboxField: pair.mailboxField,
        crmFields: [...pair.crmFields],
        allowed: pair.direction,
        direction: mine?.[kind].pairs.find((candidate) => candidate.key === pair.key)?.direction ?? pair.direction,
      })),
  );
}
