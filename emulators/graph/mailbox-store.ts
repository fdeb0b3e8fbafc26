import { randomBytes } from 'node:crypto';
import { ChangeLogs } from './change-log.ts';
import type { EventRecord, UserRecord } from './event-record.ts';
import { changeKeyFor, graphTimestamp, newChangeKeyPrefix, newUserId } from './ids.ts';

/**
 * State of another family of mailbox items (To Do tasks, contacts) that lives beside the events: saved in the same
 * state file under its own key, and emptied by `reset`.
 */
export interface StoreExtension {
  snapshot(): unknown;
  restore(data: unknown): void;
  clear(): void;
}

interface UserSpec {
  id?: string;
  userPrincipalName: string;
  displayName: string;
  mailboxTimeZone?: string;
}

/** Everything the emulator keeps between restarts, as written to the state file. */
export interface StoreSnapshot {
  format: 'syncline-graph-emulator/1';
  seq: number;
  changeKeyCounter: number;
  deltaEpoch: number;
  tokensNotBefore: number;
  tokenSecret: string;
  users: UserRecord[];
  events: EventRecord[];
  /** Extension states by key; absent in files written before extensions existed. */
  extensions?: Record<string, unknown>;
}

/**
 * The mailboxes: users, their events (tombstones included) and one change log per mailbox ordered by change
 * sequence. Delta reads the log from a sequence number on, so a round costs what it returns, not the size of
 * the mailbox. An event's older log entries go stale when it changes again and are skipped, then compacted.
 */
export class MailboxStore {
  private readonly users = new Map<string, UserRecord>();
  private readonly userIdsByName = new Map<string, string>();
  private readonly events = new Map<string, EventRecord>();
  private readonly logs = new ChangeLogs(this.events);
  private readonly extensions = new Map<string, StoreExtension>();
  private seq = 0;
  private changeKeyCounter = 0;
  deltaEpoch = 1;
  tokensNotBefore = 0;
  tokenSecret = randomBytes(32).toString('base64');
  onChange: () => void = () => {};
  /** Called after every create, edit and delete of an event; change notifications start here. */
  onEventChange: (event: EventRecord, changeType: 'created' | 'updated' | 'deleted') => void = () => {};

  get currentSeq(): number {
    return this.seq;
  }

  /** Keep an extension's state in snapshots; register before `restore` so a saved state reaches it. */
  registerExtension(key: string, extension: StoreExtension): void {
    this.extensions.set(key, extension);
  }

  addUser(spec: UserSpec): UserRecord {
    const existing = this.findUser(spec.userPrincipalName) ?? (spec.id ? this.findUser(spec.id) : null);
    if (existing) {
      existing.displayName = spec.displayName;
      existing.mailboxTimeZone = spec.mailboxTimeZone ?? existing.mailboxTimeZone;
      return existing;
    }

    const user: UserRecord = {
      id: spec.id ?? newUserId(),
      userPrincipalName: spec.userPrincipalName,
      displayName: spec.displayName,
      mailboxTimeZone: spec.mailboxTimeZone ?? 'UTC',
      changeKeyPrefix: newChangeKeyPrefix(),
    };
    this.registerUser(user);
    this.onChange();
    return user;
  }

  private registerUser(user: UserRecord): void {
    this.users.set(user.id, user);
    this.userIdsByName.set(user.id.toLowerCase(), user.id);
    this.userIdsByName.set(user.userPrincipalName.toLowerCase(), user.id);
  }

  /** A user by object id or user principal name, both case-insensitive as in Graph. */
  findUser(idOrName: string): UserRecord | null {
    const id = this.userIdsByName.get(idOrName.toLowerCase());
    return id === undefined ? null : (this.users.get(id) ?? null);
  }

  allUsers(): UserRecord[] {
    return [...this.users.values()];
  }

  /** A live event of this mailbox, or null when it never existed, was deleted or belongs to another mailbox. */
  getEvent(userId: string, id: string): EventRecord | null {
    const event = this.events.get(id);
    return event && !event.deleted && event.ownerId === userId ? event : null;
  }

  liveEvents(userId: string): EventRecord[] {
    const result: EventRecord[] = [];
    for (const event of this.events.values()) {
      if (event.ownerId === userId && !event.deleted) {
        result.push(event);
      }
    }
    return result;
  }

  /** Store a new event; fills the server-assigned version fields. */
  insert(event: EventRecord): EventRecord {
    const user = this.requireUser(event.ownerId);
    const now = Date.now();
    this.seq += 1;
    event.seq = this.seq;
    event.createdSeq = this.seq;
    event.createdDateTime = graphTimestamp(now);
    event.lastModifiedDateTime = event.createdDateTime;
    event.changeKey = this.nextChangeKey(user);
    this.events.set(event.id, event);
    this.appendLog(event);
    this.onEventChange(event, 'created');
    return event;
  }

  /** Record an edit made in place on `event`: new change key, new sequence number. */
  touch(event: EventRecord): void {
    const user = this.requireUser(event.ownerId);
    this.seq += 1;
    event.seq = this.seq;
    event.lastModifiedDateTime = graphTimestamp(Date.now());
    event.changeKey = this.nextChangeKey(user);
    this.appendLog(event);
    this.onEventChange(event, event.deleted ? 'deleted' : 'updated');
  }

  remove(event: EventRecord): void {
    event.deleted = true;
    this.touch(event);
  }

  /**
   * Visit this mailbox's events whose latest change lies in `(afterSeq, upToSeq]`, in change order, until
   * `visit` returns false. Tombstones are visited too.
   */
  scanChanges(userId: string, afterSeq: number, upToSeq: number, visit: (event: EventRecord) => boolean): void {
    this.logs.scan(userId, afterSeq, upToSeq, visit);
  }

  /** Empty every mailbox; users stay. Issued delta tokens die with the state they described. */
  reset(): void {
    this.events.clear();
    this.logs.clear();
    for (const extension of this.extensions.values()) {
      extension.clear();
    }
    this.deltaEpoch += 1;
    this.onChange();
  }

  snapshot(): StoreSnapshot {
    return {
      format: 'syncline-graph-emulator/1',
      seq: this.seq,
      changeKeyCounter: this.changeKeyCounter,
      deltaEpoch: this.deltaEpoch,
      tokensNotBefore: this.tokensNotBefore,
      tokenSecret: this.tokenSecret,
      users: this.allUsers(),
      events: [...this.events.values()],
      extensions: Object.fromEntries([...this.extensions].map(([key, extension]) => [key, extension.snapshot()])),
    };
  }

  restore(snapshot: StoreSnapshot): void {
    this.seq = snapshot.seq;
    this.changeKeyCounter = snapshot.changeKeyCounter;
    this.deltaEpoch = snapshot.deltaEpoch;
    this.tokensNotBefore = snapshot.tokensNotBefore;
    this.tokenSecret = snapshot.tokenSecret;
    for (const user of snapshot.users) {
      this.registerUser(user);
    }

    for (const [key, extension] of this.extensions) {
      const data = snapshot.extensions?.[key];
      if (data !== undefined) {
        extension.restore(data);
      }
    }

    const ordered = [...snapshot.events].sort((a, b) => a.seq - b.seq);
    for (const event of ordered) {
      this.events.set(event.id, event);
      if (this.users.has(event.ownerId)) {
        this.logs.append(event.ownerId, event);
      }
    }
  }

  private requireUser(userId: string): UserRecord {
    const user = this.users.get(userId);
    if (!user) {
      throw new Error(`No mailbox for user id ${userId}; add the user before storing events for it.`);
    }
    return user;
  }

  private nextChangeKey(user: UserRecord): string {
    this.changeKeyCounter += 1;
    return changeKeyFor(user.changeKeyPrefix, this.changeKeyCounter);
  }

  private appendLog(event: EventRecord): void {
    this.logs.append(event.ownerId, event);
    this.onChange();
  }
}
