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
 * that, only the folder marks messages for saving, and a warning is logged. INBOX is opened with SELECT, not EXAMINE:
 * a read-only folder takes no flags, so servers such as Dovecot reply to EXAMINE with an empty PERMANENTFLAGS.
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
    const inbox: MailboxObject = await client.mailboxOpen('INBOX', { readOnly: false });
    if (!storesKeyword(inbox, ctx.keyword)) {
      ctx.logger.warn({ keyword: ctx.keyword }, 'the IMAP server does not store new keywords in INBOX (no \\* in PERMANENTFLAGS); only the Salesforce folder marks emails for saving');
    }
  });
}

/**
 * True when the selected folder keeps the keyword: PERMANENTFLAGS lists it or `\*`, or the server sent no
 * PERMANENTFLAGS, which RFC 3501 (section 7.1) defines as every flag being permanent. A read-only folder keeps none.
 */
export function storesKeyword(mailbox: Pick<MailboxObject, 'permanentFlags' | 'readOnly'>, keyword: string): boolean {
  if (mailbox.readOnly === true) {
    return false;
  }
  const permanent = mailbox.permanentFlags;
  if (permanent === undefined) {
    return true;
  }
  return permanent.has('\\*') || [...permanent].some((flag) => flag.toLowerCase() === keyword.toLowerCase());
}

function requireName(value: string, field: 'category' | 'folderName'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`markers.${field} ${JSON.stringify(value)} is empty: name the Salesforce ${field === 'category' ? 'category' : 'folder'}, e.g. "Salesforce"`);
  }
  return value.trim();
}
