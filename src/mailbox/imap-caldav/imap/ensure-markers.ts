import type { MailboxObject } from 'imapflow';
import { withImap, type ImapContext } from './imap-connection.ts';
import { resolveFolders } from './imap-folders.ts';

export interface Markers {
  readonly category: string;
  readonly folderName: string;
}

/**
 * Create the Salesforce folder when missing and check that INBOX takes the Salesforce keyword. IMAP keywords need
 * no creation, but a server stores one only when PERMANENTFLAGS lists it or `\*` (RFC 3501, section 7.1); without
 * that, only the folder marks messages for saving, and a warning says so.
 */
export async function ensureMarkers(ctx: ImapContext, markers: Markers): Promise<void> {
  const category = requireName(markers.category, 'category');
  const folderName = requireName(markers.folderName, 'folderName');
  ctx.salesforceCategory = category;
  ctx.salesforceFolderName = folderName;

  await withImap(ctx, async (client) => {
    const existing = (await resolveFolders(ctx, client, ['salesforce'])).get('salesforce');
    if (existing === undefined) {
      ctx.calls += 2;
      const created = await client.mailboxCreate(folderName);
      await client.mailboxSubscribe(created.path);
      ctx.logger.info({ created: created.created }, 'Salesforce folder ensured on the IMAP server');
    }

    ctx.calls += 1;
    const inbox: MailboxObject = await client.mailboxOpen('INBOX', { readOnly: true });
    const permanent = inbox.permanentFlags ?? new Set<string>();
    if (!permanent.has('\\*') && ![...permanent].some((flag) => flag.toLowerCase() === ctx.keyword.toLowerCase())) {
      ctx.logger.warn({ keyword: ctx.keyword }, 'the IMAP server does not store new keywords (no \\* in PERMANENTFLAGS); only the Salesforce folder marks emails for saving');
    }
  });
}

function requireName(value: string, field: 'category' | 'folderName'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`markers.${field} ${JSON.stringify(value)} is empty: name the Salesforce ${field === 'category' ? 'category' : 'folder'}, e.g. "Salesforce"`);
  }
  return value.trim();
}
