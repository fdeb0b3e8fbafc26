import type { ImapFlow, ListResponse } from 'imapflow';
import type { FolderRole } from '../../../domain/email-message.ts';
import type { ImapContext } from './imap-connection.ts';

/** SPECIAL-USE attributes (RFC 6154) of the folders the message source watches by role. */
const SPECIAL_USE: Partial<Record<FolderRole, string>> = { sent: '\\Sent', drafts: '\\Drafts' };

/**
 * Find the folder path of each role: INBOX, the folders marked `\Sent` and `\Drafts` (imapflow falls back to
 * well-known names on servers without SPECIAL-USE), and the Salesforce folder by name, compared without case.
 * A role without a folder is absent from the map.
 */
export async function resolveFolders(ctx: ImapContext, client: ImapFlow, roles: readonly FolderRole[]): Promise<Map<FolderRole, string>> {
  ctx.calls += 1;
  const listed = await client.list();
  const found = new Map<FolderRole, string>();
  for (const role of roles) {
    const path = folderFor(ctx, listed, role);
    if (path !== null) {
      found.set(role, path);
    }
  }
  return found;
}

function folderFor(ctx: ImapContext, listed: readonly ListResponse[], role: FolderRole): string | null {
  if (role === 'inbox') {
    return 'INBOX';
  }
  if (role === 'salesforce') {
    const name = ctx.salesforceFolderName?.toLowerCase();
    return name === undefined ? null : (listed.find((folder) => folder.name.toLowerCase() === name || folder.path.toLowerCase() === name)?.path ?? null);
  }

  const specialUse = SPECIAL_USE[role];
  return specialUse === undefined ? null : (listed.find((folder) => folder.specialUse === specialUse)?.path ?? null);
}

/** The role of a folder path among the resolved ones; `other` for any folder not watched. */
export function roleOfPath(folders: ReadonlyMap<FolderRole, string>, path: string): FolderRole {
  for (const [role, folderPath] of folders) {
    if (folderPath === path) {
      return role;
    }
  }
  return 'other';
}
