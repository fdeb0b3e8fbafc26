import type { FolderRole } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { GoogleClient } from '../google-client.ts';
import type { GmailLabel } from './gmail-types.ts';

/**
 * Gmail's labels by id and name, read once per source. Gmail has no folders: the inbox, sent mail and drafts are the
 * system labels INBOX, SENT and DRAFT, and the Salesforce "folder" is a user label, the same kind of label the
 * Salesforce category is. When the org gives both the same name, one label serves both.
 */
const SYSTEM_LABEL_OF: Readonly<Partial<Record<FolderRole, string>>> = { inbox: 'INBOX', sent: 'SENT', drafts: 'DRAFT' };

/** When a message carries several watched labels, the first role here is its folder. */
export const ROLE_PRIORITY: readonly FolderRole[] = ['salesforce', 'drafts', 'sent', 'inbox'];

export class LabelDirectory {
  private byId = new Map<string, GmailLabel>();
  private loaded = false;
  private folderName: string | null = null;

  constructor(
    private readonly client: GoogleClient,
    private readonly userPath: string,
  ) {}

  get salesforceFolderName(): string | null {
    return this.folderName;
  }

  useSalesforceFolderName(name: string): void {
    this.folderName = name;
  }

  async load(force = false): Promise<void> {
    if (this.loaded && !force) {
      return;
    }
    const { body } = await this.client.http.sendOrThrow({ method: 'GET', url: `${this.client.apiBaseUrl}${this.userPath}/labels`, idempotent: true, label: 'labels.list', gmailMethod: 'labels.list' });
    const labels = (body as { labels?: GmailLabel[] } | null)?.labels ?? [];
    this.byId = new Map(labels.map((label) => [label.id, label]));
    this.loaded = true;
  }

  /** Gmail compares label names without regard to case when it refuses a duplicate. */
  idOf(name: string): string | null {
    const wanted = name.toLowerCase();
    return [...this.byId.values()].find((label) => label.name.toLowerCase() === wanted)?.id ?? null;
  }

  remember(label: GmailLabel): void {
    this.byId.set(label.id, label);
  }

  /** Return the label id of a folder role; null for a Salesforce label that does not exist yet. */
  labelOf(role: FolderRole): string | null {
    if (role === 'salesforce') {
      if (this.folderName === null) {
        throw new ConnectorError({
          kind: 'bug',
          code: 'SalesforceLabelUnnamed',
          message: 'the Salesforce label has no name yet: call ensureMarkers before pulling the salesforce folder role',
        });
      }
      return this.idOf(this.folderName);
    }
    const system = SYSTEM_LABEL_OF[role];
    if (system === undefined) {
      throw new ConnectorError({ kind: 'bug', code: 'FolderRoleNotWatchable', message: `the folder role '${role}' has no Gmail label: list inbox, sent, drafts or salesforce in the scope` });
    }
    return system;
  }

  roleOf(labelIds: readonly string[]): FolderRole {
    for (const role of ROLE_PRIORITY) {
      const label = role === 'salesforce' && this.folderName === null ? null : this.labelOf(role);
      if (label !== null && labelIds.includes(label)) {
        return role;
      }
    }
    return 'other';
  }

  /** Return the names of the user labels among these ids, which are the message's categories. */
  userLabelNames(labelIds: readonly string[]): string[] {
    return labelIds.map((id) => this.byId.get(id)).filter((label): label is GmailLabel => label !== undefined && label.type === 'user').map((label) => label.name);
  }
}
