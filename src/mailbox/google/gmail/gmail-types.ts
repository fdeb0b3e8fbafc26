/** The parts of Gmail API v1's resources that the message source reads. */
export interface GmailMessage {
  readonly id: string;
  readonly threadId?: string;
  readonly labelIds?: readonly string[];
  readonly historyId?: string;
  /** Milliseconds since the epoch, as a decimal string: when Gmail received the message. */
  readonly internalDate?: string;
  /** The whole RFC 5322 message, base64url, with `format=raw`. */
  readonly raw?: string;
}

export interface GmailMessageList {
  readonly messages?: readonly { readonly id: string; readonly threadId?: string }[];
  readonly nextPageToken?: string;
}

export interface GmailHistoryList {
  readonly history?: readonly GmailHistory[];
  readonly nextPageToken?: string;
  readonly historyId?: string;
}

export interface GmailHistory {
  readonly id: string;
  readonly messagesAdded?: readonly { readonly message: GmailMessage }[];
  readonly labelsAdded?: readonly { readonly message: GmailMessage; readonly labelIds?: readonly string[] }[];
}

export interface GmailLabel {
  readonly id: string;
  readonly name: string;
  readonly type?: string;
}
