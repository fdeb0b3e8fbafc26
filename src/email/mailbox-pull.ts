import type { PullResult } from '../domain/connector.ts';
import type { FolderRole, MailMessage, MessageScope, MessageSource } from '../domain/email-message.ts';
import type { EmailRetry } from '../domain/email-saves.ts';
import { isConnectorError } from '../domain/errors.ts';
import { messageIdHash, normalizeMessageId } from './message-identity.ts';
import type { EmailSavingSettings } from './settings.ts';

/** A message read for this session, with its id in the mailbox and the hash of its Message-ID. */
export interface PulledMessage {
  readonly id: string;
  readonly item: MailMessage;
  readonly messageIdHash: string | null;
}

const MS_PER_DAY = 24 * 60 * 60 * 1000;

/**
 * Pull the messages changed since the cursor, and read again by id the messages waiting for a retry that the pull
 * did not bring. An expired cursor lists the scope again, which the registry makes harmless.
 */
export async function readSessionMessages(
  source: MessageSource,
  cursor: string | null,
  retries: readonly EmailRetry[],
  settings: EmailSavingSettings,
  now: Date,
): Promise<{ readonly pull: PullResult<MailMessage>; readonly messages: PulledMessage[] }> {
  const pull = await pullMessages(source, cursor, settings, now);
  const pulled = new Map<string, MailMessage>();
  for (const change of pull.changes) {
    if (change.kind === 'upsert') {
      pulled.set(change.id, change.item);
    }
  }

  const missing = retries.map((retry) => retry.mailboxItemId).filter((id) => !pulled.has(id));
  if (missing.length > 0) {
    for (const [id, read] of await source.readMessages(missing)) {
      pulled.set(id, read.item);
    }
  }

  const messages = [...pulled].map(([id, item]) => {
    const normalized = normalizeMessageId(item.internetMessageId);
    return { id, item, messageIdHash: normalized === null ? null : messageIdHash(normalized) };
  });
  return { pull, messages };
}

async function pullMessages(source: MessageSource, cursor: string | null, settings: EmailSavingSettings, now: Date): Promise<PullResult<MailMessage>> {
  const folders: FolderRole[] = ['inbox', 'sent', 'salesforce', ...(settings.composeSave ? (['drafts'] as const) : [])];
  // With every automatic rule off, only a marked message (category, keyword or Salesforce folder) can be saved.
  const automatic = settings.autoSave.inbound || settings.autoSave.outbound || settings.autoSave.threads || settings.composeSave;
  const scope: MessageScope = { folders, since: new Date(now.getTime() - settings.firstReadDays * MS_PER_DAY).toISOString(), readBodies: automatic ? 'all' : 'marked' };
  try {
    return await source.pullMessages(cursor, scope);
  } catch (error) {
    if (cursor !== null && isConnectorError(error, 'cursorExpired')) {
      return source.pullMessages(null, scope);
    }
    throw error;
  }
}
