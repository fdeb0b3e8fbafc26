import { ConnectorError } from '../../../domain/errors.ts';
import type { GoogleClient } from '../google-client.ts';

interface ContactGroup {
  readonly resourceName: string;
  readonly name: string;
  readonly groupType?: string;
}

/**
 * The user's contact groups ("labels" in Google Contacts), which play the part of a contact's categories. System
 * groups (myContacts, starred) are memberships Google manages and are never read as categories.
 */
export class ContactGroups {
  private byName = new Map<string, ContactGroup>();
  private byResource = new Map<string, ContactGroup>();
  private loaded = false;

  constructor(private readonly client: GoogleClient) {}

  async load(): Promise<void> {
    if (this.loaded) {
      return;
    }
    const { body } = await this.client.http.sendOrThrow({ method: 'GET', url: `${this.client.peopleBaseUrl}/v1/contactGroups?pageSize=1000`, idempotent: true, label: 'contactGroups.list' });
    for (const group of (body as { contactGroups?: ContactGroup[] } | null)?.contactGroups ?? []) {
      this.remember(group);
    }
    this.loaded = true;
  }

  /** Return the names of the user groups among these memberships. */
  namesOf(resourceNames: readonly string[]): string[] {
    return resourceNames.map((name) => this.byResource.get(name)).filter((group): group is ContactGroup => group?.groupType === 'USER_CONTACT_GROUP').map((group) => group.name);
  }

  isUserGroup(resourceName: string): boolean {
    return this.byResource.get(resourceName)?.groupType === 'USER_CONTACT_GROUP';
  }

  /** Return the group of each name, and create the groups that are missing. */
  async resourceNamesFor(names: readonly string[]): Promise<string[]> {
    await this.load();
    const result: string[] = [];
    for (const name of names) {
      const existing = this.byName.get(name.toLowerCase());
      result.push(existing ? existing.resourceName : await this.create(name));
    }
    return result;
  }

  private async create(name: string): Promise<string> {
    const response = await this.client.http.send({ method: 'POST', url: `${this.client.peopleBaseUrl}/v1/contactGroups`, body: { contactGroup: { name } }, idempotent: false, label: 'contactGroups.create' });
    if (response.ok) {
      const group = response.body as ContactGroup;
      this.remember({ ...group, groupType: group.groupType ?? 'USER_CONTACT_GROUP' });
      return group.resourceName;
    }
    if (response.status !== 409) {
      throw new ConnectorError(response.failure);
    }
    // Created by another client meanwhile: read the groups again and use that one.
    this.loaded = false;
    await this.load();
    const existing = this.byName.get(name.toLowerCase());
    if (!existing) {
      throw new ConnectorError({ kind: 'conflict', code: 'ContactGroupNotFoundAfterCreate', message: `Google reported the contact group "${name}" as existing but does not list it; the next session looks again` });
    }
    return existing.resourceName;
  }

  private remember(group: ContactGroup): void {
    this.byName.set(group.name.toLowerCase(), group);
    this.byResource.set(group.resourceName, group);
  }
}
