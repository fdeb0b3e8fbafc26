import type { OrgSetting } from '../config/resolved-config.ts';
import { runQueries } from '../crm/salesforce/query-runner.ts';
import type { SalesforceRestClient } from '../crm/salesforce/rest-client.ts';
import { chunkForInList, soqlInList } from '../crm/salesforce/soql.ts';
import type { Logger } from '../observability/logger.ts';

/**
 * Which mailbox belongs to a Salesforce User of one org. A change event names the Event's owner by User id, while a
 * mailbox names its owner by id or by email; emails are resolved in one query the first time an owner is looked up
 * and the answer is kept, so a stream of events costs no further calls. A failed lookup is tried again next time.
 */
export interface OwnerDirectory {
  /** Ids of the mailboxes whose owner is this User; empty when the User has no mailbox here. */
  mailboxesOf(userId: string): Promise<readonly string[]>;
}

export function createOwnerDirectory(org: OrgSetting, client: SalesforceRestClient, logger: Logger): OwnerDirectory {
  let loading: Promise<Map<string, string[]>> | null = null;

  const load = (): Promise<Map<string, string[]>> => {
    if (loading === null) {
      const attempt = resolveOwners(org, client, logger);
      loading = attempt;
      attempt.catch(() => {
        if (loading === attempt) {
          loading = null;
        }
      });
    }
    return loading;
  };

  return {
    async mailboxesOf(userId) {
      const byUser = await load();
      // Change events carry 18-character ids; a configured id may have the 15-character form.
      return byUser.get(userId) ?? byUser.get(userId.slice(0, 15)) ?? [];
    },
  };
}

async function resolveOwners(org: OrgSetting, client: SalesforceRestClient, logger: Logger): Promise<Map<string, string[]>> {
  const byUser = new Map<string, string[]>();
  const add = (userId: string, mailboxId: string) => byUser.set(userId, [...(byUser.get(userId) ?? []), mailboxId]);

  const byEmail = new Map<string, string[]>();
  for (const mailbox of org.mailboxes) {
    if ('id' in mailbox.salesforceUser) {
      add(mailbox.salesforceUser.id, mailbox.id);
      continue;
    }
    const email = mailbox.salesforceUser.email.toLowerCase();
    byEmail.set(email, [...(byEmail.get(email) ?? []), mailbox.id]);
  }
  if (byEmail.size === 0) {
    return byUser;
  }

  const specs = chunkForInList([...byEmail.keys()]).map((emails) => ({ soql: `SELECT Id, Email FROM User WHERE IsActive = true AND Email IN ${soqlInList(emails)}` }));
  const users = (await runQueries(client, specs)).records.flat();
  for (const user of users) {
    const mailboxIds = typeof user.Email === 'string' ? (byEmail.get(user.Email.toLowerCase()) ?? []) : [];
    for (const mailboxId of mailboxIds) {
      add(String(user.Id), mailboxId);
    }
  }

  logger.debug({ org: org.id, users: users.length, mailboxes: org.mailboxes.length }, 'Resolved the Salesforce owners of the mailboxes');
  return byUser;
}
