import { ConnectorError } from '../../../domain/errors.ts';

/**
 * The message source's cursor: the mailbox history id the last pull ended at, and the Salesforce label's name, so a
 * later session finds the label again before `ensureMarkers` names it.
 */
export interface GmailCursor {
  readonly historyId: string;
  readonly salesforceLabelName: string | null;
}

const FORMAT = 'gmail/1';

export function encodeGmailCursor(cursor: GmailCursor): string {
  return JSON.stringify({ format: FORMAT, ...cursor });
}

/** Decode a stored cursor; one this source cannot read counts as expired, so the scope is read again. */
export function decodeGmailCursor(text: string): GmailCursor {
  let value: { format?: unknown; historyId?: unknown; salesforceLabelName?: unknown } | null;
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    throw unreadable('it is not JSON');
  }
  if (value?.format !== FORMAT || typeof value.historyId !== 'string' || !/^\d+$/.test(value.historyId)) {
    throw unreadable(`it is not a ${FORMAT} cursor with a numeric historyId`);
  }
  return { historyId: value.historyId, salesforceLabelName: typeof value.salesforceLabelName === 'string' ? value.salesforceLabelName : null };
}

function unreadable(reason: string): ConnectorError {
  return new ConnectorError({ kind: 'cursorExpired', code: 'CursorUnreadable', message: `the stored Gmail cursor cannot be read (${reason}), so the mail is read again in full` });
}
