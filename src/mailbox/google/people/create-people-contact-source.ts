import type { MailboxContactSource } from '../../../domain/connector.ts';
import { createGoogleClient } from '../google-client.ts';
import type { GoogleClientOptions } from '../google-options.ts';
import { applyContactWrites } from './apply-contact-writes.ts';
import { ContactGroups } from './contact-groups.ts';
import type { PeopleContext } from './people-context.ts';
import { findContactsBySyncIds, pullContacts, readContacts } from './people-reads.ts';

/** Create the contact source for one mailbox's Google contacts (People API connections). */
export function createPeopleContactSource(options: GoogleClientOptions): MailboxContactSource {
  const client = createGoogleClient(options, 'people');
  const ctx: PeopleContext = { client, groups: new ContactGroups(client) };
  return {
    get calls() {
      return client.http.calls;
    },
    pullChanges: (cursor) => pullContacts(ctx, cursor),
    readItems: (ids) => readContacts(ctx, ids),
    findBySyncIds: (syncIds) => findContactsBySyncIds(ctx, syncIds),
    applyWrites: (writes) => applyContactWrites(ctx, writes),
  };
}
