import type { MailAddress, MailMessage } from '../domain/email-message.ts';
import { matchesAnyPattern, type AddressPattern } from './address-rules.ts';
import { bulkReason } from './bulk-detection.ts';
import { listMessageIds, messageIdHash } from './message-identity.ts';
import { COMPOSE_SAVE_HEADER, type EmailSavingSettings } from './settings.ts';

/**
 * Why an email is saved. A person chose it through `category`, `folder`, `compose` (marked while written) or `api`
 * (the HTTP API); `thread`, `inbound` and `outbound` are the org's automatic rules.
 */
export const SAVE_PATHS = ['api', 'category', 'folder', 'compose', 'thread', 'inbound', 'outbound'] as const;
export type SavePath = (typeof SAVE_PATHS)[number];

const AUTOMATIC_PATHS: ReadonlySet<SavePath> = new Set(['thread', 'inbound', 'outbound']);

export type SkipReason = 'draft' | 'notSelected' | 'blocklisted' | 'bulk' | 'internalOnly';

export type Selection = { readonly save: true; readonly path: SavePath } | { readonly save: false; readonly reason: SkipReason };

/** The settings with their patterns parsed, as selection reads them. */
export interface SelectionRules {
  readonly settings: EmailSavingSettings;
  readonly ownDomains: readonly AddressPattern[];
  /** The org's and the mailbox owner's blocklists together. */
  readonly blocklist: readonly AddressPattern[];
}

/** What selection needs to know beyond the message itself. */
export interface SelectionContext {
  /** Lower-case address of the mailbox owner. */
  readonly ownerAddress: string;
  /** True for a save a person asked for through the HTTP API. */
  readonly requested: boolean;
  /** True when a draft of this email was marked for saving. */
  readonly composeMarked: boolean;
  /** Message-ID hashes of saved emails, for replies to them. */
  readonly savedMessageIdHashes: ReadonlySet<string>;
  /** Conversation ids with a saved email, and the earliest saved message date in each. */
  readonly savedConversations: ReadonlyMap<string, string | null>;
}

/** Decide whether a message is saved, and why (or why not). A pure function of its inputs. */
export function selectMessage(message: MailMessage, rules: SelectionRules, context: SelectionContext): Selection {
  if (message.isDraft || message.folder === 'drafts') {
    return { save: false, reason: 'draft' };
  }

  const path = choosePath(message, rules.settings, context);
  if (path === null) {
    return { save: false, reason: 'notSelected' };
  }

  // Blocklists apply to every path: a blocked address is never stored in Salesforce.
  const others = participants(message).filter((address) => address !== context.ownerAddress);
  if (rules.blocklist.length > 0 && others.some((address) => matchesAnyPattern(address, rules.blocklist))) {
    return { save: false, reason: 'blocklisted' };
  }

  // A person's explicit choice wins over the bulk and internal-only rules, which only hold back automatic saves.
  if (!AUTOMATIC_PATHS.has(path)) {
    return { save: true, path };
  }
  if (!rules.settings.saveBulk && bulkReason(message.headers) !== null) {
    return { save: false, reason: 'bulk' };
  }
  if (!rules.settings.saveInternal && isInternalOnly(message, rules.ownDomains)) {
    return { save: false, reason: 'internalOnly' };
  }
  return { save: true, path };
}

export function isOutbound(message: MailMessage, ownerAddress: string): boolean {
  return message.folder === 'sent' || (message.from !== null && message.from.address.trim().toLowerCase() === ownerAddress);
}

/** True for a draft (or a sent email) that carries the compose mark: the category or the `x-syncline-save` header. */
export function carriesComposeMark(message: MailMessage, settings: EmailSavingSettings): boolean {
  const header = (message.headers[COMPOSE_SAVE_HEADER] ?? '').trim().toLowerCase();
  return hasCategory(message, settings.category) || (header !== '' && header !== 'no' && header !== 'false' && header !== '0');
}

function choosePath(message: MailMessage, settings: EmailSavingSettings, context: SelectionContext): SavePath | null {
  const outbound = isOutbound(message, context.ownerAddress);
  if (context.requested) {
    return 'api';
  }
  if (hasCategory(message, settings.category)) {
    return 'category';
  }
  if (message.folder === 'salesforce') {
    return 'folder';
  }
  if (settings.composeSave && outbound && (context.composeMarked || carriesComposeMark(message, settings))) {
    return 'compose';
  }
  if (settings.autoSave.threads && continuesSavedThread(message, context)) {
    return 'thread';
  }
  if (outbound) {
    return settings.autoSave.outbound ? 'outbound' : null;
  }
  return settings.autoSave.inbound && message.folder === 'inbox' ? 'inbound' : null;
}

function hasCategory(message: MailMessage, category: string): boolean {
  const wanted = category.trim().toLowerCase();
  return message.categories.some((name) => name.trim().toLowerCase() === wanted);
}

/**
 * A reply to a saved email (by In-Reply-To or References), or a newer email of a conversation with a saved email.
 * The date check keeps older emails of that conversation, which were there before the save, out.
 */
function continuesSavedThread(message: MailMessage, context: SelectionContext): boolean {
  const referenced = listMessageIds([...(message.inReplyTo === null ? [] : [message.inReplyTo]), ...message.references]);
  if (referenced.some((id) => context.savedMessageIdHashes.has(messageIdHash(id)))) {
    return true;
  }
  if (message.conversationId === null || !context.savedConversations.has(message.conversationId)) {
    return false;
  }
  const savedSince = context.savedConversations.get(message.conversationId) ?? null;
  const date = message.sentAt ?? message.receivedAt;
  return savedSince === null || date === null || Date.parse(date) > Date.parse(savedSince);
}

function participants(message: MailMessage): string[] {
  const people: MailAddress[] = [...(message.from === null ? [] : [message.from]), ...message.to, ...message.cc, ...message.bcc];
  return people.map((person) => person.address.trim().toLowerCase()).filter((address) => address !== '');
}

function isInternalOnly(message: MailMessage, ownDomains: readonly AddressPattern[]): boolean {
  const addresses = participants(message);
  return ownDomains.length > 0 && addresses.length > 0 && addresses.every((address) => matchesAnyPattern(address, ownDomains));
}
