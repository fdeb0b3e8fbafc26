import { randomBytes } from 'node:crypto';
import type { XmlNode } from './xml.ts';

export type ItemElement = 'CalendarItem' | 'Task' | 'Contact' | 'Message';
export type CalendarType = 'Single' | 'Occurrence' | 'Exception' | 'RecurringMaster';
export type ChangeType = 'CreatedEvent' | 'ModifiedEvent' | 'DeletedEvent' | 'NewMailEvent';

/** Well-known folders every mailbox has, with the item class of their content. */
export const DISTINGUISHED_FOLDERS: Readonly<Record<string, { displayName: string; folderClass: string; element: string }>> = {
  msgfolderroot: { displayName: 'Top of Information Store', folderClass: 'IPF.Note', element: 'Folder' },
  inbox: { displayName: 'Inbox', folderClass: 'IPF.Note', element: 'Folder' },
  sentitems: { displayName: 'Sent Items', folderClass: 'IPF.Note', element: 'Folder' },
  drafts: { displayName: 'Drafts', folderClass: 'IPF.Note', element: 'Folder' },
  deleteditems: { displayName: 'Deleted Items', folderClass: 'IPF.Note', element: 'Folder' },
  calendar: { displayName: 'Calendar', folderClass: 'IPF.Appointment', element: 'CalendarFolder' },
  tasks: { displayName: 'Tasks', folderClass: 'IPF.Task', element: 'TasksFolder' },
  contacts: { displayName: 'Contacts', folderClass: 'IPF.Contact', element: 'ContactsFolder' },
};

export interface UserRecord {
  readonly id: string;
  readonly smtp: string;
  readonly displayName: string;
  /** IANA zone of the mailbox owner. */
  readonly timeZone: string;
}

export interface FolderRecord {
  readonly id: string;
  readonly userId: string;
  readonly distinguished: string | null;
  /** The folder above; the well-known folders other than the root sit below the root. */
  readonly parentId: string | null;
  displayName: string;
  readonly folderClass: string;
  readonly element: string;
}

export interface AttachmentRecord {
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly content: Buffer;
  readonly isInline: boolean;
  readonly contentId: string | null;
}

/**
 * One item as the emulator keeps it: its properties as the EWS elements a client wrote or a seed made, by element
 * name, so reads return them in the wire shape. Occurrences and exceptions are items of their own that belong to
 * their master. They never appear in folder synchronisation, only in calendar views and reads by id.
 */
export interface ItemRecord {
  readonly id: string;
  readonly userId: string;
  folderId: string;
  readonly element: ItemElement;
  changeKey: string;
  readonly created: string;
  modified: string;
  readonly props: Map<string, XmlNode>;
  extended: XmlNode[];
  calendarType: CalendarType;
  /** Position of the item's creation in its folder's change log; SyncFolderItems reports Create after a state older than it. */
  createdSeq: number;
  readonly masterId: string | null;
  instanceIds: string[];
  attachments: AttachmentRecord[];
  deleted: boolean;
}

interface LogEntry {
  readonly seq: number;
  readonly itemId: string;
  readonly kind: 'upsert' | 'delete';
}

export type ItemListener = (item: ItemRecord, folderId: string, change: ChangeType) => void;

/** The whole store as JSON-ready data, for the state file; attachment content is base64. */
export interface EwsStoreSnapshot {
  readonly format: 'syncline-ews-emulator/1';
  readonly users: UserRecord[];
  readonly folders: FolderRecord[];
  readonly items: (Omit<ItemRecord, 'props' | 'attachments'> & { props: [string, XmlNode][]; attachments: (Omit<AttachmentRecord, 'content'> & { content: string })[] })[];
  readonly userConfigurations: [string, string][];
  readonly logs: [string, LogEntry[]][];
  readonly seq: number;
  readonly epoch: number;
}

/** Users, folders, items and each folder's change log, which SyncFolderItems states point into. */
export class EwsStore {
  readonly users = new Map<string, UserRecord>();
  readonly folders = new Map<string, FolderRecord>();
  readonly items = new Map<string, ItemRecord>();
  private readonly itemsByUser = new Map<string, ItemRecord[]>();
  readonly userConfigurations = new Map<string, string>();
  private readonly logs = new Map<string, LogEntry[]>();
  private seq = 0;
  /** Moves when sync states are expired: every state issued before is then invalid. */
  epoch = 1;
  listener: ItemListener | null = null;

  addUser(smtp: string, displayName: string, timeZone: string): UserRecord {
    const existing = this.userBySmtp(smtp);
    if (existing) return existing;
    const user: UserRecord = { id: newId('U'), smtp, displayName, timeZone };
    this.users.set(user.id, user);
    const root = this.addFolder(user.id, 'msgfolderroot', 'Top of Information Store', 'IPF.Note', 'Folder', null);
    for (const [name, folder] of Object.entries(DISTINGUISHED_FOLDERS)) {
      if (name !== 'msgfolderroot') this.addFolder(user.id, name, folder.displayName, folder.folderClass, folder.element, root.id);
    }
    return user;
  }

  userBySmtp(smtp: string): UserRecord | undefined {
    const wanted = smtp.toLowerCase();
    return [...this.users.values()].find((user) => user.smtp.toLowerCase() === wanted);
  }

  addFolder(userId: string, distinguished: string | null, displayName: string, folderClass: string, element: string, parentId: string | null): FolderRecord {
    const folder: FolderRecord = { id: newId('F'), userId, distinguished, parentId, displayName, folderClass, element };
    this.folders.set(folder.id, folder);
    this.logs.set(folder.id, []);
    return folder;
  }

  distinguishedFolder(userId: string, name: string): FolderRecord | undefined {
    return [...this.folders.values()].find((folder) => folder.userId === userId && folder.distinguished === name);
  }

  folderItems(folderId: string): ItemRecord[] {
    const folder = this.folders.get(folderId);
    return this.userItems(folder?.userId ?? '').filter((item) => item.folderId === folderId && !item.deleted && item.masterId === null);
  }

  /** Every item of one mailbox, deleted ones included. */
  userItems(userId: string): readonly ItemRecord[] {
    return this.itemsByUser.get(userId) ?? [];
  }

  /** Store a new item and log it in its folder; instances (with `masterId`) are not logged. */
  addItem(input: { userId: string; folderId: string; element: ItemElement; props: Map<string, XmlNode>; extended?: XmlNode[]; calendarType?: CalendarType; masterId?: string | null; id?: string }): ItemRecord {
    const now = new Date().toISOString();
    const item: ItemRecord = {
      id: input.id ?? newId('I'),
      userId: input.userId,
      folderId: input.folderId,
      element: input.element,
      changeKey: newChangeKey(),
      created: now,
      modified: now,
      props: input.props,
      extended: input.extended ?? [],
      calendarType: input.calendarType ?? 'Single',
      createdSeq: 0,
      masterId: input.masterId ?? null,
      instanceIds: [],
      attachments: [],
      deleted: false,
    };
    this.items.set(item.id, item);
    this.itemsByUser.set(item.userId, [...this.userItems(item.userId), item]);
    if (item.masterId === null) {
      item.createdSeq = this.log(item.folderId, item.id, 'upsert');
      this.listener?.(item, item.folderId, item.element === 'Message' && this.isInbox(item.folderId) ? 'NewMailEvent' : 'CreatedEvent');
    }
    return item;
  }

  /** Record an edit: a new ChangeKey, and for an instance its master moves too, as Exchange keeps exceptions inside the master. */
  touch(item: ItemRecord): void {
    item.changeKey = newChangeKey();
    item.modified = new Date().toISOString();
    const owner = item.masterId === null ? item : this.items.get(item.masterId);
    if (owner === undefined) return;
    if (owner !== item) {
      owner.changeKey = newChangeKey();
      owner.modified = item.modified;
    }
    this.log(owner.folderId, owner.id, 'upsert');
    this.listener?.(owner, owner.folderId, 'ModifiedEvent');
  }

  /** Delete an item (a master with its instances); Deleted Items gets no copy, which no client of this emulator reads. */
  deleteItem(item: ItemRecord): void {
    item.deleted = true;
    for (const id of item.instanceIds) {
      const instance = this.items.get(id);
      if (instance) instance.deleted = true;
    }
    if (item.masterId === null) {
      this.log(item.folderId, item.id, 'delete');
      this.listener?.(item, item.folderId, 'DeletedEvent');
      return;
    }
    // A deleted occurrence leaves its master changed.
    const master = this.items.get(item.masterId);
    if (master) {
      master.instanceIds = master.instanceIds.filter((id) => id !== item.id);
      this.touch(master);
    }
  }

  /** Log entries of a folder after `seq`, and the newest seq. */
  changesSince(folderId: string, seq: number): { entries: LogEntry[]; last: number } {
    const entries = (this.logs.get(folderId) ?? []).filter((entry) => entry.seq > seq);
    return { entries, last: this.seq };
  }

  private log(folderId: string, itemId: string, kind: LogEntry['kind']): number {
    this.seq += 1;
    this.logs.get(folderId)?.push({ seq: this.seq, itemId, kind });
    return this.seq;
  }

  snapshot(): EwsStoreSnapshot {
    return {
      format: 'syncline-ews-emulator/1',
      users: [...this.users.values()],
      folders: [...this.folders.values()],
      items: [...this.items.values()].map((item) => ({
        ...item,
        props: [...item.props.entries()],
        attachments: item.attachments.map((attachment) => ({ ...attachment, content: attachment.content.toString('base64') })),
      })),
      userConfigurations: [...this.userConfigurations.entries()],
      logs: [...this.logs.entries()],
      seq: this.seq,
      epoch: this.epoch,
    };
  }

  /** Replace the whole content by a snapshot, as saved by `snapshot`. */
  restore(snapshot: EwsStoreSnapshot): void {
    this.users.clear();
    this.folders.clear();
    this.items.clear();
    this.itemsByUser.clear();
    this.userConfigurations.clear();
    this.logs.clear();
    for (const user of snapshot.users) this.users.set(user.id, user);
    for (const folder of snapshot.folders) this.folders.set(folder.id, folder);
    for (const saved of snapshot.items) {
      const item: ItemRecord = {
        ...saved,
        props: new Map(saved.props),
        attachments: saved.attachments.map((attachment) => ({ ...attachment, content: Buffer.from(attachment.content, 'base64') })),
      };
      this.items.set(item.id, item);
      const owned = this.itemsByUser.get(item.userId);
      if (owned === undefined) this.itemsByUser.set(item.userId, [item]);
      else owned.push(item);
    }
    for (const [key, value] of snapshot.userConfigurations) this.userConfigurations.set(key, value);
    for (const [folderId, entries] of snapshot.logs) this.logs.set(folderId, entries);
    this.seq = snapshot.seq;
    this.epoch = snapshot.epoch;
  }

  private isInbox(folderId: string): boolean {
    return this.folders.get(folderId)?.distinguished === 'inbox';
  }
}

export function newId(kind: string): string {
  return `AAMk${kind}${randomBytes(24).toString('base64url')}`;
}

export function newChangeKey(): string {
  return `DwAAABYA${randomBytes(12).toString('base64')}`;
}

/** Start and end of a calendar item as instants, from its Start and End elements. */
export function spanOf(item: ItemRecord): { start: number; end: number } {
  const start = Date.parse(item.props.get('Start')?.text.trim() ?? '');
  const end = Date.parse(item.props.get('End')?.text.trim() ?? '');
  return { start, end: Number.isNaN(end) ? start : end };
}

export function propText(item: ItemRecord, name: string): string | null {
  const node = item.props.get(name);
  return node === undefined ? null : node.text.trim();
}
