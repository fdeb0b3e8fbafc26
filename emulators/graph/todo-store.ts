import { randomBytes } from 'node:crypto';
import type { UserRecord } from './event-record.ts';
import { newEventId } from './ids.ts';
import { ItemLog, type ItemLogSnapshot } from './item-log.ts';
import type { MailboxStore, StoreExtension } from './mailbox-store.ts';
import type { TodoListRecord, TodoTaskRecord } from './todo-record.ts';

interface TodoSnapshot {
  lists: TodoListRecord[];
  tasks: ItemLogSnapshot<TodoTaskRecord>;
}

/**
 * The To Do lists and tasks of every mailbox. Each mailbox gets the two lists Exchange creates on its own, "Flagged
 * Emails" (`flaggedEmails`) and "Tasks" (`defaultList`), the first time its lists are read, so clients have to pick
 * the default list by `wellknownListName` rather than by position.
 */
export class TodoStore implements StoreExtension {
  readonly tasks: ItemLog<TodoTaskRecord>;
  private readonly lists = new Map<string, TodoListRecord>();

  constructor(private readonly mailboxes: MailboxStore) {
    this.tasks = new ItemLog(mailboxes);
    mailboxes.registerExtension('todo', this);
  }

  listsOf(user: UserRecord): TodoListRecord[] {
    this.ensureStandardLists(user);
    return [...this.lists.values()].filter((list) => list.ownerId === user.id);
  }

  findList(user: UserRecord, id: string): TodoListRecord | null {
    this.ensureStandardLists(user);
    const list = this.lists.get(id);
    return list && list.ownerId === user.id ? list : null;
  }

  defaultList(user: UserRecord): TodoListRecord {
    const list = this.listsOf(user).find((candidate) => candidate.wellknownListName === 'defaultList');
    if (!list) {
      throw new Error(`The mailbox of ${user.userPrincipalName} has no default To Do list.`);
    }
    return list;
  }

  addList(user: UserRecord, displayName: string, wellknownListName: TodoListRecord['wellknownListName'] = 'none'): TodoListRecord {
    const list: TodoListRecord = { id: newEventId(), ownerId: user.id, displayName, wellknownListName, changeKey: randomBytes(16).toString('base64') };
    this.lists.set(list.id, list);
    this.mailboxes.onChange();
    return list;
  }

  /** Store a new task under a fresh id; its body counts as written when the task was created. */
  insertTask(draft: TodoTaskRecord): TodoTaskRecord {
    draft.id = newEventId();
    const task = this.tasks.insert(draft);
    task.bodyLastModifiedDateTime = task.createdDateTime;
    return task;
  }

  snapshot(): TodoSnapshot {
    return { lists: [...this.lists.values()], tasks: this.tasks.snapshot() };
  }

  restore(data: unknown): void {
    const snapshot = data as TodoSnapshot;
    this.lists.clear();
    for (const list of snapshot.lists) {
      this.lists.set(list.id, list);
    }
    this.tasks.restore(snapshot.tasks);
  }

  /** Tasks go; the lists stay, like the users, so a client's cached list id keeps working after a reset. */
  clear(): void {
    this.tasks.clear();
  }

  private ensureStandardLists(user: UserRecord): void {
    const owned = [...this.lists.values()].some((list) => list.ownerId === user.id);
    if (!owned) {
      this.addList(user, 'Flagged Emails', 'flaggedEmails');
      this.addList(user, 'Tasks', 'defaultList');
    }
  }
}
