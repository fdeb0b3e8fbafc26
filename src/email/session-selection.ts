import type { EmailSaveStore } from '../domain/email-saves.ts';
import { dateOrder, type SaveCandidate } from './identify.ts';
import type { PulledMessage } from './mailbox-pull.ts';
import { listMessageIds, messageIdHash } from './message-identity.ts';
import { carriesComposeMark, isOutbound, selectMessage, type SelectionRules, type SkipReason } from './selection.ts';

export interface SessionSelection {
  readonly candidates: SaveCandidate[];
  /** One entry per message not selected. */
  readonly skipped: SkipReason[];
  /** Message-ID hashes of drafts marked for saving while written. */
  readonly composeMarks: string[];
}

interface SelectionScope {
  readonly orgId: string;
  readonly mailbox: { readonly id: string };
  readonly store: EmailSaveStore;
}

/**
 * Select a session's messages for saving, oldest first. A message selected here counts as saved for the thread rule
 * of later messages in the same session, so a reply that arrives with its saved original is saved too.
 */
export async function selectCandidates(messages: readonly PulledMessage[], rules: SelectionRules, scope: SelectionScope, ownerAddress: string): Promise<SessionSelection> {
  const composeMarks = rules.settings.composeSave ? draftMarks(messages, rules) : [];
  const context = await loadSelectionContext(messages, rules, scope, ownerAddress);
  composeMarks.forEach((hash) => context.composeMarked.add(hash));

  const candidates: SaveCandidate[] = [];
  const skipped: SkipReason[] = [];
  for (const entry of [...messages].sort((a, b) => dateOrder(a.item) - dateOrder(b.item))) {
    const selection = selectMessage(entry.item, rules, {
      ownerAddress,
      requested: false,
      composeMarked: entry.messageIdHash !== null && context.composeMarked.has(entry.messageIdHash),
      savedMessageIdHashes: context.savedIds,
      savedConversations: context.savedConversations,
    });
    if (!selection.save) {
      skipped.push(selection.reason);
      continue;
    }

    candidates.push({ mailboxItemId: entry.id, message: entry.item, path: selection.path });
    if (entry.messageIdHash !== null) {
      context.savedIds.add(entry.messageIdHash);
    }
    if (entry.item.conversationId !== null && !context.savedConversations.has(entry.item.conversationId)) {
      context.savedConversations.set(entry.item.conversationId, entry.item.sentAt ?? entry.item.receivedAt);
    }
  }
  return { candidates, skipped, composeMarks };
}

function draftMarks(messages: readonly PulledMessage[], rules: SelectionRules): string[] {
  return messages
    .filter((entry) => (entry.item.isDraft || entry.item.folder === 'drafts') && entry.messageIdHash !== null && carriesComposeMark(entry.item, rules.settings))
    .map((entry) => entry.messageIdHash!);
}

/** Read from the registry the saved threads the messages may continue and the compose marks of sent messages. */
async function loadSelectionContext(messages: readonly PulledMessage[], rules: SelectionRules, scope: SelectionScope, ownerAddress: string) {
  const referenced = new Set<string>();
  const conversations = new Set<string>();
  const sentHashes: string[] = [];
  for (const entry of messages) {
    const message = entry.item;
    listMessageIds([...(message.inReplyTo === null ? [] : [message.inReplyTo]), ...message.references]).forEach((id) => referenced.add(messageIdHash(id)));
    if (message.conversationId !== null) {
      conversations.add(message.conversationId);
    }
    if (entry.messageIdHash !== null && isOutbound(message, ownerAddress)) {
      sentHashes.push(entry.messageIdHash);
    }
  }

  const threads = await scope.store.findSavedThreads(scope.orgId, { messageIdHashes: [...referenced], conversationIds: [...conversations] });
  const composeMarked = rules.settings.composeSave && sentHashes.length > 0 ? await scope.store.findComposeMarks(scope.mailbox.id, sentHashes) : new Set<string>();
  return {
    savedIds: new Set(threads.messageIdHashes),
    savedConversations: new Map(threads.conversations),
    composeMarked,
  };
}
