/**
 * The Google emulator's whole state as plain JSON, so it can be saved to a file and loaded again. Each API keeps a
 * change sequence per user: every write stamps the records it touched with the next number, and sync tokens and
 * history ids are positions in that sequence.
 */

/** A Calendar event or instance as the API returns it, plus what the emulator needs to serve changes. */
export interface CalendarEventRecord {
  resource: Record<string, unknown>;
  /** Calendar change sequence number of the last change. */
  seq: number;
  /** An instance edited apart from its series (Google lists it as an exception with `singleEvents=false`). */
  isException: boolean;
  /** A series master whose instances came from a seed, so its rule is never expanded. */
  seeded?: boolean;
}

export interface ChannelRecord {
  id: string;
  resourceId: string;
  address: string;
  token: string | null;
  /** Milliseconds since the epoch. */
  expiration: number;
  messageNumber: number;
}

export interface CalendarState {
  events: Record<string, CalendarEventRecord>;
  seq: number;
  /** Raised by the admin API to expire every sync token issued before. */
  tokenEpoch: number;
  channels: ChannelRecord[];
}

export interface MessageRecord {
  id: string;
  threadId: string;
  labelIds: string[];
  /** The RFC 5322 message, base64url as Gmail's `raw` format returns it. */
  raw: string;
  /** Milliseconds since the epoch, as a decimal string. */
  internalDate: string;
  historyId: number;
  snippet: string;
  sizeEstimate: number;
  /** The Message-ID header with brackets, or null; used for threading and seeding. */
  messageIdHeader: string | null;
  referencedIds: string[];
  /** Key a later seeding matches on: the Message-ID, or a hash of the bytes. */
  seedKey: string;
  deleted: boolean;
}

export interface LabelRecord {
  id: string;
  name: string;
  type: 'system' | 'user';
  messageListVisibility?: string;
  labelListVisibility?: string;
}

export const HISTORY_TYPES = ['messageAdded', 'messageDeleted', 'labelAdded', 'labelRemoved'] as const;
export type HistoryType = (typeof HISTORY_TYPES)[number];

export interface HistoryRecord {
  id: number;
  type: HistoryType;
  messageId: string;
  threadId: string;
  /** The labels added or removed (label changes), or the message's labels (added or deleted messages). */
  labelIds: string[];
}

export interface GmailWatch {
  topicName: string;
  labelIds: string[];
  labelFilterBehavior: 'include' | 'exclude';
  expiration: number;
}

export interface GmailState {
  messages: Record<string, MessageRecord>;
  labels: Record<string, LabelRecord>;
  historyId: number;
  history: HistoryRecord[];
  /** A `startHistoryId` below this is too old and gets 404, as when Gmail no longer keeps the records. */
  historyFloor: number;
  watch: GmailWatch | null;
}

export interface PersonRecord {
  /** The person's fields, `resourceName` and `etag`; `metadata` is derived when the person is read. */
  resource: Record<string, unknown>;
  seq: number;
  updateTime: string;
  deleted: boolean;
  /** vCard UID the contact was seeded from, so a second seeding updates it. */
  seedUid: string | null;
}

export interface ContactGroupRecord {
  resourceName: string;
  name: string;
  groupType: 'USER_CONTACT_GROUP' | 'SYSTEM_CONTACT_GROUP';
  etag: string;
}

export interface PeopleState {
  persons: Record<string, PersonRecord>;
  groups: Record<string, ContactGroupRecord>;
  seq: number;
  tokenEpoch: number;
}

export interface TaskListRecord {
  id: string;
  title: string;
  updated: string;
  etag: string;
}

export interface TaskRecord {
  listId: string;
  resource: Record<string, unknown>;
}

export interface TasksState {
  lists: Record<string, TaskListRecord>;
  tasks: Record<string, TaskRecord>;
  defaultListId: string;
}

export interface UserState {
  email: string;
  displayName: string;
  /** IANA zone of the primary calendar. */
  timeZone: string;
  calendar: CalendarState;
  gmail: GmailState;
  people: PeopleState;
  tasks: TasksState;
}

export interface RefreshGrant {
  clientId: string;
  email: string;
  scopes: string[];
  revoked: boolean;
}

export interface EmulatorState {
  format: 'syncline-google-emulator/1';
  users: Record<string, UserState>;
  refreshTokens: Record<string, RefreshGrant>;
}

export function emptyState(): EmulatorState {
  return { format: 'syncline-google-emulator/1', users: {}, refreshTokens: {} };
}
