import { ConnectorError } from '../../domain/errors.ts';

/**
 * A source's cursor: the SyncState of each folder it reads, by folder name (`calendar`, `tasks`, `inbox`…). The event
 * source also keeps, per recurring series, the ids of the instances it reported inside the window, so it can report
 * those that a change to the series removed.
 */
export interface EwsCursor {
  readonly folders: Readonly<Record<string, string>>;
  readonly series?: Readonly<Record<string, readonly string[]>>;
  /** Folder ids by role where the role has no well-known name (the Salesforce folder). */
  readonly folderIds?: Readonly<Record<string, string>>;
}

const FORMAT = 'ews/1';

export function encodeEwsCursor(cursor: EwsCursor): string {
  return JSON.stringify({ format: FORMAT, ...cursor });
}

/** Decode a stored cursor. One this source cannot read (another format, or damaged) counts as expired, so the folders are read again. */
export function decodeEwsCursor(text: string): EwsCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unreadable('it is not JSON');
  }

  const value = parsed as { format?: unknown; folders?: unknown; series?: unknown; folderIds?: unknown } | null;
  if (value?.format !== FORMAT) {
    throw unreadable(`its format is ${JSON.stringify(value?.format)}, not ${FORMAT}`);
  }
  if (!isStringRecord(value.folders)) {
    throw unreadable('its folders entry is not a map of folder to SyncState');
  }

  const series = isSeriesRecord(value.series) ? value.series : undefined;
  const folderIds = isStringRecord(value.folderIds) ? value.folderIds : undefined;
  return { folders: value.folders, series, folderIds };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((entry) => typeof entry === 'string');
}

function isSeriesRecord(value: unknown): value is Record<string, string[]> {
  return typeof value === 'object' && value !== null && Object.values(value).every((entry) => Array.isArray(entry) && entry.every((id) => typeof id === 'string'));
}

function unreadable(reason: string): ConnectorError {
  return new ConnectorError({
    kind: 'cursorExpired',
    code: 'CursorUnreadable',
    message: `the stored EWS cursor cannot be read (${reason}), so the folders are read again in full`,
  });
}
