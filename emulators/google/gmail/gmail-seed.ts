import { importEml } from '../../graph/eml-import.ts';
import type { PushDelivery } from '../push-delivery.ts';
import type { UserState } from '../state.ts';
import { addMessage, replaceMessage } from './gmail-store.ts';

export interface EmlSeedResult {
  readonly id: string;
  readonly threadId: string;
  readonly outcome: 'added' | 'updated' | 'unchanged';
  readonly warnings: readonly string[];
}

const SNIPPET_LENGTH = 100;

/**
 * Deliver an .eml file into the mailbox as Gmail stores a received message: the bytes as they are, the given labels,
 * and `internalDate` the time of receipt (now unless given). A file seeded before, matched by Message-ID or else by
 * its bytes, is left unchanged, or replaced when its bytes changed.
 */
export async function seedEml(user: UserState, bytes: Buffer, options: { labelIds: readonly string[]; receivedAt: string | null }, push: PushDelivery): Promise<EmlSeedResult> {
  const eml = await importEml(bytes);
  const message = {
    raw: bytes,
    labelIds: options.labelIds,
    internalDate: options.receivedAt === null ? Date.now() : Date.parse(options.receivedAt),
    messageIdHeader: eml.internetMessageId,
    referencedIds: eml.referencedIds,
    snippet: snippetOf(eml.body.contentType === 'html' ? eml.body.content.replace(/<[^>]*>/g, ' ') : eml.body.content),
    seedKey: eml.seedKey,
  };
  if (Number.isNaN(message.internalDate)) {
    throw new Error(`receivedAt "${options.receivedAt}" is not an ISO instant; use e.g. 2026-10-05T09:30:00Z`);
  }

  const existing = Object.values(user.gmail.messages).find((candidate) => !candidate.deleted && candidate.seedKey === eml.seedKey);
  if (existing && existing.raw === bytes.toString('base64url')) {
    return { id: existing.id, threadId: existing.threadId, outcome: 'unchanged', warnings: eml.warnings };
  }
  const stored = existing ? replaceMessage(user, existing, message, push) : addMessage(user, message, push);
  return { id: stored.id, threadId: stored.threadId, outcome: existing ? 'updated' : 'added', warnings: eml.warnings };
}

function snippetOf(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, SNIPPET_LENGTH);
}
