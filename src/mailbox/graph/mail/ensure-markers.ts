import { ConnectorError } from '../../../domain/errors.ts';
import type { GraphPage } from '../graph-types.ts';
import type { GraphCategory } from './graph-mail-types.ts';
import type { MailContext } from './mail-context.ts';
import { MAIL_PREFERENCES } from './message-query.ts';

export interface Markers {
  readonly category: string;
  readonly folderName: string;
}

/** Outlook's blue (`preset7`) for a category Syncline creates, the colour closest to Salesforce's. */
const CATEGORY_COLOR = 'preset7';
const HTTP_CONFLICT = 409;

/**
 * Create the category in the master category list and the folder below the mailbox root when they are missing.
 * Names compare case-insensitively, as Outlook does. A 409 means another client created the same one at the same
 * time, which is success too.
 */
export async function ensureMarkers(ctx: MailContext, markers: Markers): Promise<void> {
  const category = requireName(markers.category, 'category');
  const folderName = requireName(markers.folderName, 'folderName');
  ctx.folders.useSalesforceFolderName(folderName);

  await ensureCategory(ctx, category);
  await ensureFolder(ctx, folderName);
}

function requireName(value: string, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`markers.${field} ${JSON.stringify(value)} is empty: name the Salesforce ${field === 'category' ? 'category' : 'folder'}, e.g. "Salesforce"`);
  }
  return value;
}

async function ensureCategory(ctx: MailContext, name: string): Promise<void> {
  const url = `${ctx.client.baseUrl}${ctx.client.userPath}/outlook/masterCategories`;
  const { body } = await ctx.client.http.sendOrThrow({ method: 'GET', url, idempotent: true, label: 'list master categories', preferences: MAIL_PREFERENCES });
  const categories = (body as GraphPage<GraphCategory> | null)?.value ?? [];
  if (categories.some((category) => category.displayName?.toLowerCase() === name.toLowerCase())) {
    return;
  }

  const created = await ctx.client.http.send({
    method: 'POST',
    url,
    body: { displayName: name, color: CATEGORY_COLOR },
    idempotent: false,
    label: 'create master category',
    preferences: MAIL_PREFERENCES,
  });
  if (created.ok || created.status === HTTP_CONFLICT) {
    ctx.client.logger.info({ created: created.ok }, 'Salesforce category ensured in the master category list');
    return;
  }
  throw new ConnectorError(created.failure);
}

async function ensureFolder(ctx: MailContext, name: string): Promise<void> {
  if ((await ctx.folders.salesforceFolderId()) !== null) {
    return;
  }

  const created = await ctx.client.http.send({
    method: 'POST',
    url: `${ctx.client.baseUrl}${ctx.client.userPath}/mailFolders`,
    body: { displayName: name },
    idempotent: false,
    label: 'create mail folder',
    preferences: MAIL_PREFERENCES,
  });
  if (!created.ok && created.status !== HTTP_CONFLICT) {
    throw new ConnectorError(created.failure);
  }

  const id = created.ok ? (created.body as { id?: unknown } | null)?.id : await ctx.folders.findTopLevelFolder(name);
  if (typeof id !== 'string') {
    throw new ConnectorError({
      kind: 'conflict',
      code: 'FolderNotFoundAfterCreate',
      message: `Graph reported the folder "${name}" as existing but does not list it below the mailbox root; the next session looks again`,
    });
  }
  ctx.folders.remember('salesforce', id);
  ctx.client.logger.info({ created: created.ok }, 'Salesforce folder ensured below the mailbox root');
}
