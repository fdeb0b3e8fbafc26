import type { UserRecord } from './event-record.ts';
import type { ContactFolderRecord, ContactRecord } from './contact-record.ts';
import { newEventId } from './ids.ts';
import { ItemLog, type ItemLogSnapshot } from './item-log.ts';
import type { MailboxStore, StoreExtension } from './mailbox-store.ts';

interface ContactsSnapshot {
  folders: ContactFolderRecord[];
  contacts: ItemLogSnapshot<ContactRecord>;
}

/** Well-known name of the default Contacts folder, usable in place of its id. */
export const DEFAULT_FOLDER_NAME = 'contacts';

/**
 * The contact folders and contacts of every mailbox. Each mailbox has a default "Contacts" folder, made the first
 * time its folders are read; `/contactFolders` lists the folders inside it, as Graph does.
 */
export class ContactStore implements StoreExtension {
  readonly contacts: ItemLog<ContactRecord>;
  private readonly folders = new Map<string, ContactFolderRecord>();

  constructor(private readonly mailboxes: MailboxStore) {
    this.contacts = new ItemLog(mailboxes);
    mailboxes.registerExtension('contacts', this);
  }

  defaultFolder(user: UserRecord): ContactFolderRecord {
    const existing = [...this.folders.values()].find((folder) => folder.ownerId === user.id && folder.isDefault);
    if (existing) {
      return existing;
    }

    // The parent of the default folder is the mailbox root, which Graph never lists as a contact folder.
    const folder: ContactFolderRecord = { id: newEventId(), ownerId: user.id, parentFolderId: newEventId(), displayName: 'Contacts', isDefault: true };
    this.folders.set(folder.id, folder);
    this.mailboxes.onChange();
    return folder;
  }

  /** Find a folder by id, or the default folder by its well-known name. */
  findFolder(user: UserRecord, idOrName: string): ContactFolderRecord | null {
    if (idOrName.toLowerCase() === DEFAULT_FOLDER_NAME) {
      return this.defaultFolder(user);
    }

    const folder = this.folders.get(idOrName);
    return folder && folder.ownerId === user.id ? folder : null;
  }

  childFolders(user: UserRecord, parent: ContactFolderRecord): ContactFolderRecord[] {
    return [...this.folders.values()].filter((folder) => folder.ownerId === user.id && folder.parentFolderId === parent.id);
  }

  addFolder(user: UserRecord, parent: ContactFolderRecord, displayName: string): ContactFolderRecord {
    const folder: ContactFolderRecord = { id: newEventId(), ownerId: user.id, parentFolderId: parent.id, displayName, isDefault: false };
    this.folders.set(folder.id, folder);
    this.mailboxes.onChange();
    return folder;
  }

  snapshot(): ContactsSnapshot {
    return { folders: [...this.folders.values()], contacts: this.contacts.snapshot() };
  }

  restore(data: unknown): void {
    const snapshot = data as ContactsSnapshot;
    this.folders.clear();
    for (const folder of snapshot.folders) {
      this.folders.set(folder.id, folder);
    }
    this.contacts.restore(snapshot.contacts);
  }

  /** Contacts go; folders stay, like the users, so a cached folder id keeps working after a reset. */
  clear(): void {
    this.contacts.clear();
  }
}
