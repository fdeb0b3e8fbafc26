import type { GraphExtendedProperty, GraphRecipient } from '../graph-types.ts';

/**
 * The parts of Microsoft Graph's message, mail folder, attachment and category JSON that the message source reads.
 * Every property is optional because delta pages may carry only some of them.
 */
export interface GraphMessage {
  readonly id: string;
  readonly '@removed'?: { readonly reason?: string };
  readonly changeKey?: string | null;
  readonly lastModifiedDateTime?: string | null;
  readonly receivedDateTime?: string | null;
  readonly sentDateTime?: string | null;
  readonly internetMessageId?: string | null;
  readonly conversationId?: string | null;
  readonly subject?: string | null;
  readonly body?: { readonly contentType?: string | null; readonly content?: string | null } | null;
  readonly from?: GraphRecipient | null;
  readonly sender?: GraphRecipient | null;
  readonly toRecipients?: readonly GraphRecipient[] | null;
  readonly ccRecipients?: readonly GraphRecipient[] | null;
  readonly bccRecipients?: readonly GraphRecipient[] | null;
  readonly categories?: readonly string[] | null;
  readonly hasAttachments?: boolean | null;
  readonly isDraft?: boolean | null;
  readonly parentFolderId?: string | null;
  readonly internetMessageHeaders?: readonly { readonly name?: string | null; readonly value?: string | null }[] | null;
  readonly singleValueExtendedProperties?: readonly GraphExtendedProperty[] | null;
}

export interface GraphMailFolder {
  readonly id: string;
  readonly displayName?: string | null;
}

export interface GraphAttachment {
  readonly '@odata.type'?: string;
  readonly id: string;
  readonly name?: string | null;
  readonly contentType?: string | null;
  readonly size?: number | null;
  readonly isInline?: boolean | null;
  readonly contentId?: string | null;
}

export interface GraphCategory {
  readonly id: string;
  readonly displayName?: string | null;
}
