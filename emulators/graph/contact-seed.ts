import type { ContactRecord } from './contact-record.ts';
import { createContactRecord } from './contact-input.ts';
import type { ContactStore } from './contact-store.ts';
import type { UserRecord } from './event-record.ts';
import { newEventId } from './ids.ts';
import type { SeedOutcome } from './seed-events.ts';

/** One contact to seed: a contact body as Graph takes it on POST, and the vCard UID it came from, if any. */
export interface ContactSeed {
  readonly uid?: string | null;
  readonly contact: Record<string, unknown>;
}

export interface ContactSeedReport {
  /** Contact id per seed, in seed order. */
  readonly ids: string[];
  readonly outcomes: SeedOutcome[];
}

/** The parts a seed describes in full; extended properties are merged instead, so a client's sync id stays. */
const SEEDED_PARTS = ['text', 'lists', 'addresses', 'emailAddresses', 'birthday', 'derived'] as const;

/**
 * Store seeds in the default Contacts folder. A seed replaces the contact seeded before with the same UID or,
 * without one, the contact whose first email address is the same (case-insensitive). That contact keeps its id, and
 * its change key moves only when a seeded property changed, so delta reports real changes only.
 */
export function seedContacts(store: ContactStore, user: UserRecord, seeds: readonly ContactSeed[]): ContactSeedReport {
  const folder = store.defaultFolder(user);
  const ids: string[] = [];
  const outcomes: SeedOutcome[] = [];

  for (const seed of seeds) {
    const draft = createContactRecord(folder, seed.contact);
    draft.seedUid = seed.uid ?? null;
    const existing = findSeeded(store.contacts.live(user.id, folder.id), draft);
    if (!existing) {
      draft.id = newEventId();
      store.contacts.insert(draft);
      ids.push(draft.id);
      outcomes.push('added');
      continue;
    }

    ids.push(existing.id);
    outcomes.push(replaceSeeded(store, existing, draft));
  }
  return { ids, outcomes };
}

function findSeeded(contacts: readonly ContactRecord[], draft: ContactRecord): ContactRecord | undefined {
  if (draft.seedUid !== null) {
    const byUid = contacts.find((contact) => contact.seedUid === draft.seedUid);
    if (byUid) {
      return byUid;
    }
  }

  const email = draft.emailAddresses[0]?.address.toLowerCase();
  return email === undefined ? undefined : contacts.find((contact) => contact.emailAddresses[0]?.address.toLowerCase() === email);
}

function replaceSeeded(store: ContactStore, existing: ContactRecord, draft: ContactRecord): SeedOutcome {
  const before = JSON.stringify(SEEDED_PARTS.map((part) => existing[part]));
  const after = JSON.stringify(SEEDED_PARTS.map((part) => draft[part]));
  existing.seedUid = draft.seedUid ?? existing.seedUid;
  if (before === after) {
    return 'unchanged';
  }

  for (const part of SEEDED_PARTS) {
    Object.assign(existing, { [part]: draft[part] });
  }
  store.contacts.touch(existing);
  return 'updated';
}
