import { ConnectorError } from '../../../domain/errors.ts';
import type { MailboxOwner } from '../../../email/ports.ts';
import { runQueries } from '../query-runner.ts';
import type { SalesforceRestClient } from '../rest-client.ts';
import { soqlString } from '../soql.ts';

/** Return the owner's User id: the given id, or the id of the one active User with the given email. */
export async function resolveOwnerUserId(rest: SalesforceRestClient, owner: MailboxOwner): Promise<string> {
  if ('id' in owner) {
    return owner.id;
  }
  const soql = `SELECT Id FROM User WHERE Email = ${soqlString(owner.email)} AND IsActive = true`;
  const users = (await runQueries(rest, [{ soql }])).records[0] ?? [];
  if (users.length === 1) {
    return String(users[0]!.Id);
  }
  throw new ConnectorError({
    kind: 'suspend',
    code: users.length === 0 ? 'OWNER_NOT_FOUND' : 'OWNER_AMBIGUOUS',
    message: users.length === 0
      ? `No active Salesforce User has the email ${owner.email}: activate that User, or name the mailbox's User in mailboxes[].salesforceUser (its id, or the email it has in Salesforce)`
      : `${users.length} active Salesforce Users have the email ${owner.email}: name the mailbox's User by id in mailboxes[].salesforceUser`,
  });
}
