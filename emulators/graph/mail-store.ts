import { ChangeLogs } from './change-log.ts';
import type { UserRecord } from './event-record.ts';
import type { MailboxStore, StoreExtension } from './mailbox-store.ts';
import { newMailboxMail } from './mail-defaults.ts';
import { messageChangeKey, messageTimestamp } from './mail-ids.ts';
import type { MailboxMail, MailFolderRecord, MessageRecord } from './mail-record.ts';

/** The mail part of the emulator's state file. */
interface MailSnapshot {
  seq: number;
  changeKeyCounter: number;
  mailboxes: MailboxMail[];
  messages: MessageRecord[];
}

export type MessageChangeType = 'created' | 'updated' | 'deleted';

/**
 * Messages (tombstones included), folders and master categories of every mailbox, with one change log per
 * mailbox ordered by the mail change sequence. A folder's delta reads that log from a sequence number on,
 * so a round costs what changed in the mailbox, not its size. Folders and categories are created on first use.
 */
export class MailStore implements StoreExtension {
  private readonly mailboxMail = new Map<string, MailboxMail>();
  private readonly messages = new Map<string, MessageRecord>();
  private readonly logs = new ChangeLogs(this.messages);
  private seq = 0;
  private changeKeyCounter = 0;
  /** Called after every create, edit, move and delete of a message; change notifications can start here. */
  onMessageChange: (message: MessageRecord, changeType: MessageChangeType) => void = () => {};

  constructor(private readonly mailboxes: MailboxStore) {
    mailboxes.registerExtension('mail', this);
  }

  get currentSeq(): number {
    return this.seq;
  }

  /** Return the mailbox's folders and categories, creating them with Exchange's defaults on first use. */
  mailboxOf(userId: string): MailboxMail {
    const existing = this.mailboxMail.get(userId);
    if (existing) {
      return existing;
    }

    const created = newMailboxMail(userId);
    this.mailboxMail.set(userId, created);
    this.mailboxes.onChange();
    return created;
  }

  /** Find a folder by id or well-known name (case-insensitive); null when none matches. */
  findFolder(userId: string, idOrWellKnownName: string): MailFolderRecord | null {
    const lower = idOrWellKnownName.toLowerCase();
    const folders = this.mailboxOf(userId).folders;
    return folders.find((folder) => folder.id === idOrWellKnownName) ?? folders.find((folder) => folder.wellKnownName === lower) ?? null;
  }

  childFolders(userId: string, parentFolderId: string): MailFolderRecord[] {
    return this.mailboxOf(userId).folders.filter((folder) => folder.parentFolderId === parentFolderId);
  }

  addFolder(folder: MailFolderRecord): void {
    this.mailboxOf(folder.ownerId).folders.push(folder);
    this.mailboxes.onChange();
  }

  /** Remove a user folder, its subfolders and their messages (as tombstones, so delta reports them). */
  removeFolder(folder: MailFolderRecord): void {
    const mailbox = this.mailboxOf(folder.ownerId);
    const doomed = new Set([folder.id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const candidate of mailbox.folders) {
        if (candidate.parentFolderId !== null && doomed.has(candidate.parentFolderId) && !doomed.has(candidate.id)) {
          doomed.add(candidate.id);
          grew = true;
        }
      }
    }

    for (const message of this.liveMessages(folder.ownerId)) {
      if (doomed.has(message.parentFolderId)) {
        this.remove(message);
      }
    }
    mailbox.folders = mailbox.folders.filter((candidate) => !doomed.has(candidate.id));
    this.mailboxes.onChange();
  }

  /** Find a live message of this mailbox; null when it never existed, was deleted or belongs to another mailbox. */
  getMessage(userId: string, id: string): MessageRecord | null {
    const message = this.messages.get(id);
    return message && !message.deleted && message.ownerId === userId ? message : null;
  }

  liveMessages(userId: string): MessageRecord[] {
    const result: MessageRecord[] = [];
    for (const message of this.messages.values()) {
      if (message.ownerId === userId && !message.deleted) {
        result.push(message);
      }
    }
    return result;
  }

  /** Store a new message; fills the server-assigned fields (sequence, change key, created and modified times). */
  insert(message: MessageRecord): MessageRecord {
    const user = this.requireUser(message.ownerId);
    this.seq += 1;
    message.seq = this.seq;
    message.createdSeq = this.seq;
    message.folderStays = [{ folderId: message.parentFolderId, fromSeq: this.seq }];
    message.createdDateTime = messageTimestamp(Date.now());
    message.lastModifiedDateTime = message.createdDateTime;
    message.changeKey = this.nextChangeKey(user);
    this.messages.set(message.id, message);
    this.appendLog(message);
    this.onMessageChange(message, 'created');
    return message;
  }

  /** Record an edit made in place on `message`: new change key, new sequence number. */
  touch(message: MessageRecord): void {
    const user = this.requireUser(message.ownerId);
    this.seq += 1;
    message.seq = this.seq;
    message.lastModifiedDateTime = messageTimestamp(Date.now());
    message.changeKey = this.nextChangeKey(user);
    this.appendLog(message);
    this.onMessageChange(message, message.deleted ? 'deleted' : 'updated');
  }

  /** Move to another folder of the same mailbox. Ids are immutable here, so the message keeps its id. */
  move(message: MessageRecord, folderId: string): void {
    if (message.parentFolderId === folderId) {
      return;
    }

    message.parentFolderId = folderId;
    message.folderStays.push({ folderId, fromSeq: this.seq + 1 });
    this.touch(message);
  }

  remove(message: MessageRecord): void {
    message.deleted = true;
    this.touch(message);
  }

  /** Visit the mailbox's messages whose latest change lies in `(afterSeq, upToSeq]`, in change order, until `visit` returns false. */
  scanChanges(userId: string, afterSeq: number, upToSeq: number, visit: (message: MessageRecord) => boolean): void {
    this.logs.scan(userId, afterSeq, upToSeq, visit);
  }

  /** Empty every mailbox, folders and categories included. */
  clear(): void {
    this.mailboxMail.clear();
    this.messages.clear();
    this.logs.clear();
  }

  /** Tell the state file that a folder or category changed in place. */
  changed(): void {
    this.mailboxes.onChange();
  }

  snapshot(): MailSnapshot {
    return { seq: this.seq, changeKeyCounter: this.changeKeyCounter, mailboxes: [...this.mailboxMail.values()], messages: [...this.messages.values()] };
  }

  restore(data: unknown): void {
    const snapshot = data as MailSnapshot;
    this.clear();
    this.seq = snapshot.seq;
    this.changeKeyCounter = snapshot.changeKeyCounter;
    for (const mailbox of snapshot.mailboxes) {
      this.mailboxMail.set(mailbox.userId, mailbox);
    }

    const ordered = [...snapshot.messages].sort((a, b) => a.seq - b.seq);
    for (const message of ordered) {
      this.messages.set(message.id, message);
      this.logs.append(message.ownerId, message);
    }
  }

  private requireUser(userId: string): UserRecord {
    const user = this.mailboxes.findUser(userId);
    if (!user) {
      throw new Error(`No mailbox for user id ${userId}; add the user before storing messages for it.`);
    }
    return user;
  }

  private nextChangeKey(user: UserRecord): string {
    this.changeKeyCounter += 1;
    return messageChangeKey(user.changeKeyPrefix, this.changeKeyCounter);
  }

  private appendLog(message: MessageRecord): void {
    this.logs.append(message.ownerId, message);
    this.mailboxes.onChange();
  }
}

/** Tell whether the message sat in `folderId` right after change `seq`. */
export function wasInFolderAt(message: MessageRecord, folderId: string, seq: number): boolean {
  let current: string | null = null;
  for (const stay of message.folderStays) {
    if (stay.fromSeq > seq) {
      break;
    }
    current = stay.folderId;
  }
  return current === folderId;
}
