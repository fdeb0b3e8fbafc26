import { ConnectorError } from '../../../domain/errors.ts';
import type {
  AccountRecord, DomainContactCount, InsertOutcome, OpportunityRecord, PeopleDirectory, PersonDraft, PersonRecord, UserRecord,
} from '../../../linking/ports.ts';
import type { Logger } from '../../../observability/logger.ts';
import { runQueries, type SalesforceRecord } from '../query-runner.ts';
import { chunkForInList, soqlInList } from '../soql.ts';
import type { SalesforceRecordClient } from '../record-client.ts';
import type { SalesforceRestClient } from '../rest-client.ts';
import type { SObjectInfo } from '../sobject-describe.ts';
import { checkRecordValues } from '../value-checks.ts';
import { insertWithDuplicateCheck } from './duplicate-insert.ts';
import { accountWebsiteQueries, contactDomainQueries, peopleQueries } from './people-queries.ts';

export interface PeopleDirectoryOptions {
  readonly rest: SalesforceRestClient;
  readonly records: SalesforceRecordClient;
  readonly logger: Logger;
  /** Email fields searched per object; `Email` first. */
  readonly emailFields: { readonly Contact: readonly string[]; readonly Lead: readonly string[] };
  /** Record type of person accounts, sent as RecordTypeId when creating one; null sends none. */
  readonly personAccountRecordTypeId?: string | null;
}

/** The linking engine's view of Salesforce: Contacts, Leads, Accounts and Opportunities, read in batched SOQL. */
export class SalesforcePeopleDirectory implements PeopleDirectory {
  constructor(private readonly options: PeopleDirectoryOptions) {}

  async findPeople(query: { readonly exact: readonly string[]; readonly patterns: readonly string[] }): Promise<PersonRecord[]> {
    if (query.exact.length === 0 && query.patterns.length === 0) {
      return [];
    }
    const specs: { sobject: 'Contact' | 'Lead'; soql: string }[] = [];
    for (const sobject of ['Contact', 'Lead'] as const) {
      const info = await this.options.records.describe(sobject);
      const emailFields = this.checkedEmailFields(sobject, info);
      const select = ['Id', 'OwnerId', 'LastModifiedDate', ...optional(info, ['LastActivityDate']), ...(sobject === 'Contact' ? ['AccountId'] : []), ...emailFields];
      const where = sobject === 'Lead' && info.fields.has('isconverted') ? 'IsConverted = false' : undefined;
      for (const soql of peopleQueries({ sobject, select: unique(select), emailFields, exact: query.exact, patterns: query.patterns, ...(where === undefined ? {} : { where }) })) {
        specs.push({ sobject, soql });
      }
    }
    const outcome = await runQueries(this.options.rest, specs.map(({ soql }) => ({ soql })));
    const seen = new Set<string>();
    const people: PersonRecord[] = [];
    outcome.records.forEach((records, index) => {
      const sobject = specs[index]!.sobject;
      for (const record of records) {
        const id = String(record.Id);
        if (!seen.has(id)) {
          seen.add(id);
          people.push(toPerson(sobject, record, this.options.emailFields[sobject]));
        }
      }
    });
    return people;
  }

  async findUsers(addresses: readonly string[]): Promise<UserRecord[]> {
    const chunks = chunkForInList([...new Set(addresses.map((address) => address.toLowerCase()))], 3_000, 100);
    if (chunks.length === 0) {
      return [];
    }
    const outcome = await runQueries(this.options.rest, chunks.map((chunk) => ({ soql: `SELECT Id, Email FROM User WHERE IsActive = true AND Email IN ${soqlInList(chunk)}` })));
    return outcome.records.flat().flatMap((record) => (typeof record.Email === 'string' ? [{ id: String(record.Id), email: record.Email.toLowerCase() }] : []));
  }

  async findAccountsByIds(ids: readonly string[]): Promise<AccountRecord[]> {
    const info = await this.options.records.describe('Account');
    const records = await this.options.records.selectWhereIn('Account', accountFields(info), 'Id', ids);
    return records.map(toAccount);
  }

  async findAccountsByDomains(domains: readonly string[]): Promise<{ byWebsite: AccountRecord[]; byContacts: DomainContactCount[] }> {
    if (domains.length === 0) {
      return { byWebsite: [], byContacts: [] };
    }
    const info = await this.options.records.describe('Account');
    const websiteQueries = accountWebsiteQueries(['Id', ...accountFields(info)], domains);
    const contactQueries = contactDomainQueries(domains);
    const outcome = await runQueries(this.options.rest, [...websiteQueries, ...contactQueries].map((soql) => ({ soql })));
    const byWebsite = outcome.records.slice(0, websiteQueries.length).flat().map(toAccount);

    const counts = new Map<string, DomainContactCount>();
    for (const record of outcome.records.slice(websiteQueries.length).flat()) {
      const email = typeof record.Email === 'string' ? record.Email.toLowerCase() : '';
      const domain = email.slice(email.lastIndexOf('@') + 1);
      const accountId = String(record.AccountId);
      const key = `${accountId} ${domain}`;
      counts.set(key, { accountId, domain, contacts: (counts.get(key)?.contacts ?? 0) + 1 });
    }
    return { byWebsite, byContacts: [...counts.values()] };
  }

  async openOpportunities(accountIds: readonly string[]): Promise<OpportunityRecord[]> {
    const records = await this.options.records.selectWhereIn('Opportunity', ['AccountId', 'Name', 'LastModifiedDate'], 'AccountId', accountIds, 'IsClosed = false');
    return records.map((record) => ({
      id: String(record.Id),
      accountId: String(record.AccountId),
      name: String(record.Name ?? ''),
      lastModifiedDate: String(record.LastModifiedDate ?? record.SystemModstamp),
    }));
  }

  async insertPerson(draft: PersonDraft, ownerId: string): Promise<InsertOutcome> {
    const sobject = draft.object === 'PersonAccount' ? 'Account' : draft.object;
    const recordType = draft.object === 'PersonAccount' ? this.options.personAccountRecordTypeId ?? null : null;
    const values = await this.fitted(sobject, { ...draft.values, ...(recordType === null ? {} : { RecordTypeId: recordType }), OwnerId: ownerId });
    const outcome = await insertWithDuplicateCheck(this.options.rest, sobject, values);
    if (outcome.kind === 'duplicate') {
      return { ...outcome, ids: await this.personIds(outcome.ids) };
    }
    if (outcome.kind !== 'created' || draft.object !== 'PersonAccount') {
      return outcome;
    }
    // The engine links activities to the person account's own Contact, which Salesforce created with it.
    const [account] = await this.options.records.selectByIds('Account', ['PersonContactId'], [outcome.id]);
    const contactId = typeof account?.PersonContactId === 'string' ? account.PersonContactId : null;
    return contactId === null ? outcome : { kind: 'created', id: contactId, accountId: outcome.id };
  }

  async insertAccount(values: Readonly<Record<string, string | null>>, ownerId: string): Promise<InsertOutcome> {
    return insertWithDuplicateCheck(this.options.rest, 'Account', await this.fitted('Account', { ...values, OwnerId: ownerId }));
  }

  /** Keep the values the org's object has and the integration user may set, fitted to their lengths. */
  private async fitted(sobject: string, values: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const info = await this.options.records.describe(sobject);
    const known = Object.fromEntries(Object.entries(values).filter(([name, value]) => value !== null && info.fields.get(name.toLowerCase())?.createable === true));
    const dropped = Object.keys(values).filter((name) => !(name in known) && values[name] !== null);
    if (dropped.length > 0) {
      this.options.logger.debug({ sobject, fields: dropped }, 'Left out fields the org does not have or does not let the integration user set');
    }
    return checkRecordValues(known, info.fields, this.options.logger, info.name);
  }

  /** Map duplicate matches to Contact and Lead ids: a matched person account stands for its own Contact. */
  private async personIds(ids: readonly string[]): Promise<string[]> {
    const accounts = ids.filter((id) => id.startsWith('001'));
    if (accounts.length === 0) {
      return [...ids];
    }
    const records = await this.options.records.selectByIds('Account', ['PersonContactId'], accounts);
    const contacts = new Map(records.map((record) => [String(record.Id), typeof record.PersonContactId === 'string' ? record.PersonContactId : null]));
    return ids.flatMap((id) => (id.startsWith('001') ? contacts.get(id) ?? [] : [id]));
  }

  private checkedEmailFields(sobject: 'Contact' | 'Lead', info: SObjectInfo): string[] {
    const fields = this.options.emailFields[sobject];
    const missing = fields.find((name) => !info.fields.has(name.toLowerCase()));
    if (missing !== undefined) {
      throw new ConnectorError({
        kind: 'suspend',
        code: 'FIELD_NOT_IN_ORG',
        message: `The Salesforce ${sobject} object has no field ${missing}, which linking.emailFields.${sobject} names: create the field (readable by the integration user) or remove it from the setting`,
        fields: [missing],
      });
    }
    return [...fields];
  }
}

function toPerson(sobject: 'Contact' | 'Lead', record: SalesforceRecord, emailFields: readonly string[]): PersonRecord {
  return {
    id: String(record.Id),
    object: sobject,
    emails: emailFields.flatMap((field) => (typeof record[field] === 'string' && record[field] !== '' ? [record[field] as string] : [])),
    accountId: typeof record.AccountId === 'string' ? record.AccountId : null,
    ownerId: String(record.OwnerId ?? ''),
    lastActivityDate: typeof record.LastActivityDate === 'string' ? record.LastActivityDate : null,
    lastModifiedDate: String(record.LastModifiedDate ?? record.SystemModstamp),
  };
}

function toAccount(record: SalesforceRecord): AccountRecord {
  return {
    id: String(record.Id),
    name: String(record.Name ?? ''),
    website: typeof record.Website === 'string' ? record.Website : null,
    ownerId: String(record.OwnerId ?? ''),
    lastActivityDate: typeof record.LastActivityDate === 'string' ? record.LastActivityDate : null,
    lastModifiedDate: String(record.LastModifiedDate ?? record.SystemModstamp),
  };
}

function accountFields(info: SObjectInfo): string[] {
  return ['Name', 'Website', 'OwnerId', 'LastModifiedDate', ...optional(info, ['LastActivityDate'])];
}

function optional(info: SObjectInfo, names: readonly string[]): string[] {
  return names.filter((name) => info.fields.has(name.toLowerCase()));
}

function unique(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}
