import { ChangeLogs } from './change-log.ts';
import { changeKeyFor, graphTimestamp } from './ids.ts';
import type { MailboxStore } from './mailbox-store.ts';

/** The fields every To Do task and contact record carries for versions, tombstones and delta. */
export interface LoggedItem {
  id: string;
  ownerId: string;
  /** The To Do list or contact folder holding the item; delta runs per container, and items never move. */
  containerId: string;
  /** Position in this log's change sequence; moves on every create, edit and delete. */
  seq: number;
  /** Sequence number of the create, so delta can tell items a client never saw. */
  createdSeq: number;
  deleted: boolean;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
}

export interface ItemLogSnapshot<T> {
  seq: number;
  changeKeyCounter: number;
  items: T[];
}

/**
 * Items of one family (To Do tasks or contacts) with one change log per container, ordered by change sequence.
 * It works like the event store. A delta round reads the log from a sequence number on, and an item's older entries
 * go stale when it changes again. A deleted item stays as a tombstone, so delta can report its removal.
 */
export class ItemLog<T extends LoggedItem> {
  private readonly items = new Map<string, T>();
  private readonly logs = new ChangeLogs(this.items);
  private seq = 0;
  private changeKeyCounter = 0;

  constructor(private readonly mailboxes: MailboxStore) {}

  get currentSeq(): number {
    return this.seq;
  }

  /** Find a live item of this mailbox; null when it never existed, was deleted or belongs to another mailbox. */
  get(ownerId: string, id: string): T | null {
    const item = this.items.get(id);
    return item && !item.deleted && item.ownerId === ownerId ? item : null;
  }

  /** List the live items of a mailbox in creation order, optionally of one container only. */
  live(ownerId: string, containerId?: string): T[] {
    return [...this.items.values()]
      .filter((item) => item.ownerId === ownerId && !item.deleted && (containerId === undefined || item.containerId === containerId))
      .sort((a, b) => a.createdSeq - b.createdSeq);
  }

  /** Store a new item; fills the server-assigned version fields. */
  insert(item: T): T {
    this.seq += 1;
    item.seq = this.seq;
    item.createdSeq = this.seq;
    item.createdDateTime = graphTimestamp(Date.now());
    item.lastModifiedDateTime = item.createdDateTime;
    item.changeKey = this.nextChangeKey(item.ownerId);
    this.items.set(item.id, item);
    this.append(item);
    return item;
  }

  /** Record an edit made in place on `item`: new change key, new sequence number. */
  touch(item: T): void {
    this.seq += 1;
    item.seq = this.seq;
    item.lastModifiedDateTime = graphTimestamp(Date.now());
    item.changeKey = this.nextChangeKey(item.ownerId);
    this.append(item);
  }

  remove(item: T): void {
    item.deleted = true;
    this.touch(item);
  }

  /**
   * Visit the container's items whose latest change lies in `(afterSeq, upToSeq]`, in change order, until
   * `visit` returns false. Tombstones are visited too.
   */
  scanChanges(containerId: string, afterSeq: number, upToSeq: number, visit: (item: T) => boolean): void {
    this.logs.scan(containerId, afterSeq, upToSeq, visit);
  }

  clear(): void {
    this.items.clear();
    this.logs.clear();
  }

  snapshot(): ItemLogSnapshot<T> {
    return { seq: this.seq, changeKeyCounter: this.changeKeyCounter, items: [...this.items.values()] };
  }

  restore(snapshot: ItemLogSnapshot<T>): void {
    this.clear();
    this.seq = snapshot.seq;
    this.changeKeyCounter = snapshot.changeKeyCounter;
    for (const item of [...snapshot.items].sort((a, b) => a.seq - b.seq)) {
      this.items.set(item.id, item);
      this.logs.append(item.containerId, item);
    }
  }

  private append(item: T): void {
    this.logs.append(item.containerId, item);
    this.mailboxes.onChange();
  }

  private nextChangeKey(ownerId: string): string {
    const user = this.mailboxes.findUser(ownerId);
    if (!user) {
      throw new Error(`No mailbox for user id ${ownerId}; add the user before storing items for it.`);
    }

    this.changeKeyCounter += 1;
    return changeKeyFor(user.changeKeyPrefix, this.changeKeyCounter);
  }
}
