import type { MailMessage } from '../domain/email-message.ts';
import type { EmailSaveStore, SavedEmailEntry } from '../domain/email-saves.ts';
import { contentFingerprint, headerFingerprint, keyFromFingerprint, keyFromMessageId, messageIdHash, normalizeMessageId } from './message-identity.ts';
import { messageDate } from './record-shape.ts';
import type { SavePath } from './selection.ts';

/** A message selected for saving. */
export interface SaveCandidate {
  /** The mailbox side's id of the message. */
  readonly mailboxItemId: string;
  readonly message: MailMessage;
  readonly path: SavePath;
}

export interface IdentifiedCandidate extends SaveCandidate {
  readonly key: string;
  readonly messageIdHash: string | null;
  /** The header fingerprint, registered to tell a reused Message-ID apart. */
  readonly fingerprint: string;
}

/**
 * Give each candidate its message key. The key comes from the Message-ID, unless the message has none or the id is
 * registered for an email with another sender, date or subject (broken senders reuse ids). Then it comes from the
 * content fingerprint. Within one batch the earliest message keeps an id that later ones reuse.
 */
export async function identifyCandidates(
  candidates: readonly SaveCandidate[],
  orgId: string,
  store: EmailSaveStore,
): Promise<IdentifiedCandidate[]> {
  const prepared = candidates.map((candidate) => {
    const normalized = normalizeMessageId(candidate.message.internetMessageId);
    return {
      ...candidate,
      normalized,
      fingerprint: headerFingerprint(candidate.message),
      content: contentFingerprint(candidate.message),
      messageIdHash: normalized === null ? null : messageIdHash(normalized),
    };
  });

  const idKeys = prepared.flatMap((entry) => (entry.normalized === null ? [] : [keyFromMessageId(entry.normalized)]));
  const registered = idKeys.length === 0 ? new Map<string, SavedEmailEntry>() : await store.findSavedEmails(orgId, [...new Set(idKeys)]);

  const firstFingerprint = new Map<string, string>();
  const byDate = [...prepared].sort((a, b) => dateOrder(a.message) - dateOrder(b.message));
  const keys = new Map<(typeof prepared)[number], string>();
  for (const entry of byDate) {
    if (entry.normalized === null) {
      keys.set(entry, keyFromFingerprint(entry.content));
      continue;
    }
    const idKey = keyFromMessageId(entry.normalized);
    const owner = registered.get(idKey)?.save.fingerprint ?? firstFingerprint.get(idKey) ?? entry.fingerprint;
    firstFingerprint.set(idKey, owner);
    keys.set(entry, owner === entry.fingerprint ? idKey : keyFromFingerprint(entry.content));
  }

  return prepared.map((entry) => ({
    mailboxItemId: entry.mailboxItemId,
    message: entry.message,
    path: entry.path,
    key: keys.get(entry)!,
    messageIdHash: entry.messageIdHash,
    fingerprint: entry.fingerprint,
  }));
}

/** Sort position by message date; messages without a date come last. */
export function dateOrder(message: MailMessage): number {
  const date = messageDate(message);
  return date === null ? Number.MAX_SAFE_INTEGER : Date.parse(date);
}
