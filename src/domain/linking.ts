/**
 * The contract between the writers of activities (event and task mirroring, email saving) and the linking engine:
 * which Contact, Lead, Account and Opportunity an activity belongs to, and which people were created for it.
 */

export const PERSON_ROLES = ['from', 'to', 'cc', 'bcc', 'organizer', 'attendee'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

export interface PersonRef {
  readonly address: string;
  readonly name: string | null;
  readonly role: PersonRole;
}

export interface LinkRequest {
  readonly orgId: string;
  /** Salesforce User id of the mailbox owner: their records win ties, and they own created records. */
  readonly ownerUserId: string;
  /** The Salesforce object the activity is written as. */
  readonly activity: 'Event' | 'Task' | 'EmailMessage';
  readonly people: readonly PersonRef[];
  /** Text that may end in a signature (an email's text body, an invitation's description); null when none. */
  readonly signatureText: string | null;
  /** True for bulk or automated mail (List-Unsubscribe, Auto-Submitted, Precedence): nobody is created for it. */
  readonly isBulk: boolean;
  /** True for a private item: its people are linked to existing records only, and no record is created for it. */
  readonly isPrivate?: boolean;
}

export const LINKED_OBJECTS = ['Contact', 'Lead', 'Account', 'Opportunity', 'User'] as const;
export type LinkedObject = (typeof LINKED_OBJECTS)[number];

/** Why one record is linked to or was created for an activity, for the session log and `syncline explain`. */
export interface LinkExplanation {
  readonly recordId: string;
  readonly object: LinkedObject;
  /** `who`, `what`, `relation` (shared activity) or `created`. */
  readonly use: 'who' | 'what' | 'relation' | 'created';
  /** Name of the rule that chose it, e.g. `contactBeforeLead` or `accountByEmailDomain`. */
  readonly rule: string;
  /** The address or domain that matched, and any tie-break applied, in plain words. */
  readonly detail: string;
}

export interface LinkResult {
  /** Contact or Lead for WhoId; null when nobody matched. */
  readonly whoId: string | null;
  /** Account or Opportunity for WhatId; null when none fits. Never set with a Lead as WhoId (Salesforce rejects it). */
  readonly whatId: string | null;
  /** Every matched Contact and Lead, for shared-activity relations (EventRelation, TaskRelation, EmailMessageRelation). */
  readonly relationIds: readonly string[];
  /**
   * Matched or created record per address, lower-cased. For a meeting, a colleague that no Contact or Lead matched maps
   * to their User. Blocklisted and unresolved addresses are absent.
   */
  readonly byAddress: Readonly<Record<string, string>>;
  readonly explanations: readonly LinkExplanation[];
  readonly created: { readonly Lead: number; readonly Contact: number; readonly Account: number };
}

export interface LinkResolver {
  /** Resolve many activities at once: one query for all their addresses, cached for the session. */
  resolve(requests: readonly LinkRequest[]): Promise<LinkResult[]>;
}
