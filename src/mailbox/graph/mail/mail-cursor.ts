import type { FolderRole } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';

/** A folder the message source watches: its id and the deltaLink its last round ended with. */
export interface FolderCursor {
  readonly folderId: string;
  readonly deltaLink: string;
}

/**
 * The message source's cursor: one deltaLink per watched folder, because Graph runs message delta per folder, and
 * the Salesforce folder's name, so a later session finds the folder again before `ensureMarkers` names it.
 */
export interface MailCursor {
  readonly folders: Partial<Record<FolderRole, FolderCursor>>;
  readonly salesforceFolderName: string | null;
}

const FORMAT = 'graph-mail/1';

export function encodeMailCursor(cursor: MailCursor): string {
  return JSON.stringify({ format: FORMAT, ...cursor });
}

/** Decode a stored cursor. One this source cannot read (another format, or damaged) counts as expired, so the scope is read again. */
export function decodeMailCursor(text: string): MailCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unreadable('it is not JSON');
  }

  const value = parsed as { format?: unknown; folders?: unknown; salesforceFolderName?: unknown } | null;
  if (value?.format !== FORMAT) {
    throw unreadable(`its format is ${JSON.stringify(value?.format)}, not ${FORMAT}`);
  }

  const folders: Partial<Record<FolderRole, FolderCursor>> = {};
  for (const [role, entry] of Object.entries((value.folders ?? {}) as Record<string, { folderId?: unknown; deltaLink?: unknown }>)) {
    if (typeof entry?.folderId !== 'string' || typeof entry.deltaLink !== 'string') {
      throw unreadable(`its entry for ${role} lacks folderId or deltaLink`);
    }
    folders[role as FolderRole] = { folderId: entry.folderId, deltaLink: entry.deltaLink };
  }

  const name = typeof value.salesforceFolderName === 'string' ? value.salesforceFolderName : null;
  return { folders, salesforceFolderName: name };
}

function unreadable(reason: string): ConnectorError {
  return new ConnectorError({
    kind: 'cursorExpired',
    code: 'CursorUnreadable',
    message: `the stored Graph mail cursor cannot be read (${reason}), so the mail folders are read again in full`,
  });
}
