import { ConnectorError } from '../../../domain/errors.ts';
import { gmailUrl, type GmailContext } from './gmail-context.ts';
import type { GmailLabel } from './gmail-types.ts';

/**
 * Create the Salesforce label (the category) and the Salesforce "folder" label when missing. On Gmail both are
 * labels, and one label serves both when they share a name. A 409 means another client created the label at the
 * same time, which is success too.
 */
export async function ensureLabels(ctx: GmailContext, markers: { readonly category: string; readonly folderName: string }): Promise<void> {
  const category = requireName(markers.category, 'category');
  const folderName = requireName(markers.folderName, 'folderName');
  ctx.labels.useSalesforceFolderName(folderName);
  await ctx.labels.load();

  for (const name of new Set([category, folderName])) {
    if (ctx.labels.idOf(name) === null) {
      await createLabel(ctx, name);
    }
  }
}

function requireName(value: string, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`markers.${field} ${JSON.stringify(value)} is empty: name the Salesforce label, e.g. "Salesforce"`);
  }
  return value.trim();
}

async function createLabel(ctx: GmailContext, name: string): Promise<void> {
  const created = await ctx.client.http.send({
    method: 'POST',
    url: gmailUrl(ctx, '/labels'),
    body: { name, labelListVisibility: 'labelShow', messageListVisibility: 'show' },
    idempotent: false,
    label: 'labels.create',
    gmailMethod: 'labels.create',
  });
  if (created.ok) {
    ctx.labels.remember(created.body as GmailLabel);
    ctx.client.logger.info({ created: true }, 'Salesforce label created in Gmail');
    return;
  }
  if (created.status !== 409) {
    throw new ConnectorError(created.failure);
  }
  await ctx.labels.load(true);
}
