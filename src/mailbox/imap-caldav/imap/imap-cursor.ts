import type { FolderRole } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';

/**
 * Where one watched folder's last pull ended. With CONDSTORE, `modseq` is the folder's HIGHESTMODSEQ then; without
 * it, `marked` lists the UIDs that carried the Salesforce keyword, so a keyword added later is still noticed.
 */
export interface FolderPosition {
  readonly path: string;
  /** UIDVALIDITY as a decimal string; a different value means every UID of the folder changed. */
  readonly uidValidity: string;
  readonly uidNext: number;
  readonly modseq: string | null;
  readonly marked: readonly number[] | null;
}

export interface ImapCursor {
  readonly folders: Partial<Record<FolderRole, FolderPosition>>;
  readonly salesforceFolderName: string | null;
}

const FORMAT = 'imap/1';

export function encodeImapCursor(cursor: ImapCursor): string {
  return JSON.stringify({ format: FORMAT, ...cursor });
}

/** Decode a stored cursor; one this source cannot read counts as expired, so the scope is read again. */
export function decodeImapCursor(text: string): ImapCursor {
  let parsed: { format?: unknown; folders?: unknown; salesforceFolderName?: unknown } | null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw unreadable('it is not JSON');
  }
  if (parsed?.format !== FORMAT || typeof parsed.folders !== 'object' || parsed.folders === null) {
    throw unreadable(`its format is ${JSON.stringify(parsed?.format)}, not ${FORMAT}`);
  }

  const folders: Partial<Record<FolderRole, FolderPosition>> = {};
  for (const [role, entry] of Object.entries(parsed.folders as Record<string, Partial<FolderPosition>>)) {
    if (typeof entry?.path !== 'string' || typeof entry.uidValidity !== 'string' || typeof entry.uidNext !== 'number') {
      throw unreadable(`its entry for ${role} lacks path, uidValidity or uidNext`);
    }
    folders[role as FolderRole] = {
      path: entry.path,
      uidValidity: entry.uidValidity,
      uidNext: entry.uidNext,
      modseq: typeof entry.modseq === 'string' ? entry.modseq : null,
      marked: Array.isArray(entry.marked) ? entry.marked.filter((uid): uid is number => Number.isInteger(uid)) : null,
    };
  }
  const name = typeof parsed.salesforceFolderName === 'string' ? parsed.salesforceFolderName : null;
  return { folders, salesforceFolderName: name };
}

export function cursorExpired(code: string, reason: string): ConnectorError {
  return new ConnectorError({ kind: 'cursorExpired', code, message: `${reason}, so the IMAP folders are read again in full` });
}

function unreadable(reason: string): ConnectorError {
  return cursorExpired('CursorUnreadable', `the stored IMAP cursor cannot be read (${reason})`);
}

/**
 * A message id names the folder, its UIDVALIDITY and the UID: `<uidValidity>:<uid>:<folder path>`. The path comes
 * last because it may contain colons.
 */
export interface MessageAddress {
  readonly path: string;
  readonly uidValidity: string;
  readonly uid: number;
}

export function messageIdOf(address: MessageAddress): string {
  return `${address.uidValidity}:${address.uid}:${address.path}`;
}

export function parseMessageId(id: string): MessageAddress | null {
  const match = /^(\d+):(\d+):(.+)$/s.exec(id);
  if (match === null) {
    return null;
  }
  return { uidValidity: match[1] as string, uid: Number(match[2]), path: match[3] as string };
}
