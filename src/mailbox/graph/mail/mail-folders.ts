import type { FolderRole } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { GraphClient } from '../graph-client.ts';
import { executeBatch } from '../graph-batch.ts';
import type { GraphPage } from '../graph-types.ts';
import { odataString } from '../sync-id-property.ts';
import type { GraphMailFolder } from './graph-mail-types.ts';
import { MAIL_PREFERENCES } from './message-query.ts';

/** The folders Graph addresses by well-known name, by the role a message in them has. */
const WELL_KNOWN: Readonly<Record<'inbox' | 'sent' | 'drafts', string>> = { inbox: 'inbox', sent: 'sentitems', drafts: 'drafts' };
type WellKnownRole = keyof typeof WELL_KNOWN;

/**
 * The ids of the folders the message source cares about, looked up once per source. The Salesforce folder is a
 * top-level folder found by display name, because users create it themselves or Syncline does (`ensureMarkers`).
 */
export class FolderDirectory {
  private readonly ids = new Map<FolderRole, string>();
  private salesforceName: string | null = null;
  private salesforceLookedUp = false;

  constructor(private readonly client: GraphClient) {}

  get salesforceFolderName(): string | null {
    return this.salesforceName;
  }

  /** Name the Salesforce folder; a new name clears the folder id found under the old one. */
  useSalesforceFolderName(name: string): void {
    if (name === this.salesforceName) {
      return;
    }
    this.salesforceName = name;
    this.ids.delete('salesforce');
    this.salesforceLookedUp = false;
  }

  /** Take a folder id from a stored cursor, so the lookup is not repeated every session. */
  remember(role: FolderRole, folderId: string): void {
    this.ids.set(role, folderId);
    if (role === 'salesforce') {
      this.salesforceLookedUp = true;
    }
  }

  /** Clear the Salesforce folder's id after Graph no longer has it (the user deleted the folder). */
  forgetSalesforceFolder(): void {
    this.ids.delete('salesforce');
    this.salesforceLookedUp = false;
  }

  /** Look up the folder id of each role; a role without a folder (no Salesforce folder yet) is absent. */
  async resolve(roles: readonly FolderRole[]): Promise<Map<FolderRole, string>> {
    const missing = roles.filter((role): role is WellKnownRole => role in WELL_KNOWN && !this.ids.has(role));
    if (missing.length > 0) {
      await this.lookUpWellKnown(missing);
    }
    if (roles.includes('salesforce')) {
      await this.salesforceFolderId();
    }

    const resolved = new Map<FolderRole, string>();
    for (const role of roles) {
      const id = this.ids.get(role);
      if (id !== undefined) {
        resolved.set(role, id);
      }
    }
    return resolved;
  }

  /** Find a message's role from its parent folder id; `other` for a folder the source does not watch. */
  roleOf(parentFolderId: string | null | undefined): FolderRole {
    for (const [role, id] of this.ids) {
      if (id === parentFolderId) {
        return role;
      }
    }
    return 'other';
  }

  async salesforceFolderId(): Promise<string | null> {
    if (this.salesforceLookedUp) {
      return this.ids.get('salesforce') ?? null;
    }
    if (this.salesforceName === null) {
      throw new ConnectorError({
        kind: 'bug',
        code: 'SalesforceFolderUnnamed',
        message: 'the Salesforce folder has no name yet: call ensureMarkers before pulling the salesforce folder role',
      });
    }

    const id = await this.findTopLevelFolder(this.salesforceName);
    this.salesforceLookedUp = true;
    if (id !== null) {
      this.ids.set('salesforce', id);
    }
    return id;
  }

  /** Top-level folders whose display name equals `name`, compared case-insensitively as Exchange does. */
  async findTopLevelFolder(name: string): Promise<string | null> {
    const query = new URLSearchParams({ $filter: `displayName eq ${odataString(name)}`, $select: 'id,displayName' });
    const { body } = await this.client.http.sendOrThrow({
      method: 'GET',
      url: `${this.client.baseUrl}${this.client.userPath}/mailFolders?${query.toString()}`,
      idempotent: true,
      label: 'find mail folder',
      preferences: MAIL_PREFERENCES,
    });
    const folders = (body as GraphPage<GraphMailFolder> | null)?.value ?? [];
    return folders.find((folder) => folder.displayName?.toLowerCase() === name.toLowerCase())?.id ?? null;
  }

  private async lookUpWellKnown(roles: readonly WellKnownRole[]): Promise<void> {
    const outcomes = await executeBatch(
      this.client.batch,
      roles.map((role) => ({ id: role, method: 'GET', url: `${this.client.userPath}/mailFolders/${WELL_KNOWN[role]}?$select=id`, idempotent: true })),
    );

    for (const role of roles) {
      const outcome = outcomes.get(role);
      if (!outcome?.ok) {
        throw new ConnectorError(
          outcome?.failure ?? { kind: 'retryLater', code: 'BatchResponseMissing', message: `Graph returned no response for the lookup of the ${role} folder` },
        );
      }
      this.ids.set(role, (outcome.body as GraphMailFolder).id);
    }
  }
}
