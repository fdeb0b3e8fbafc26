import { z } from 'zod';
import { USER_ROLES } from '../domain/users.ts';
import { MAILBOX_STATES } from '../domain/mailbox-state.ts';
import { SESSION_STATUSES } from '../domain/session-report.ts';

/** Response shapes shared by the API's routes; each has an OpenAPI id so the document names it once. */

const sideCounts = z.object({ mailbox: z.number().int(), crm: z.number().int() });
const writeCounts = z.object({ created: z.number().int(), updated: z.number().int(), deleted: z.number().int() });

export const userSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    email: z.string(),
    role: z.enum(USER_ROLES),
  })
  .meta({ id: 'User' });

export const mailboxStatusSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    address: z.string(),
    kind: z.string(),
    timeZone: z.string(),
    state: z.enum(MAILBOX_STATES),
    reason: z.string().nullable().describe('Why the mailbox is suspended or disconnected, in plain words'),
    lastSessionAt: z.string().nullable(),
    lastStatus: z.string().nullable(),
    nextSessionAt: z.string().nullable().describe('When the next session runs: the schedule, or for an error suspension its automatic resume'),
    failureCount: z.number().int(),
  })
  .meta({ id: 'MailboxStatus' });

export const mailboxConnectSchema = z
  .object({
    url: z.string().describe('The sign-in page that sends the owner to Microsoft or Google and back: under server.publicUrl, else a path on this server'),
    provider: z.enum(['graph', 'google']),
    signedIn: z.boolean().describe("Whether Syncline holds the owner's refresh token; the dashboard then offers the page only to a mailbox that needs a new sign-in"),
  })
  .meta({ id: 'MailboxConnect' });

export const itemErrorSchema = z
  .object({
    objectKind: z.string().optional(),
    side: z.enum(['mailbox', 'crm']),
    itemId: z.string().nullable(),
    syncId: z.string().nullable(),
    code: z.string(),
    message: z.string(),
    recordUrl: z.string().nullable().describe('Opens the Salesforce record so a person can fix the value; null when there is no record yet'),
  })
  .meta({ id: 'ItemError' });

export const sessionSchema = z
  .object({
    sessionId: z.string(),
    status: z.enum(SESSION_STATUSES),
    startedAt: z.string(),
    endedAt: z.string(),
    reads: sideCounts,
    writes: z.object({ mailbox: writeCounts, crm: writeCounts }),
    apiCalls: sideCounts,
    conflicts: z.number().int(),
    itemErrors: z.array(itemErrorSchema),
    notes: z.array(z.string()),
    emailsSaved: z.number().int().optional().describe('Emails of this mailbox saved to Salesforce; absent when the org saves no emails'),
    emailSaving: z
      .object({
        recordsCreated: z.number().int(),
        relationsAdded: z.number().int(),
        attachmentsSaved: z.number().int(),
        skipped: z.record(z.string(), z.number().int()),
      })
      .optional()
      .describe('Details of saving emails: records created, relations and files added, messages left out by reason'),
    linked: z.number().int().optional().describe('Contacts, Leads, Accounts and Opportunities that saved emails and written meetings were linked to'),
    autoCreated: z.object({ Lead: z.number().int(), Contact: z.number().int(), Account: z.number().int() }).optional().describe('Records created for unknown people'),
  })
  .meta({ id: 'Session' });

export type MailboxStatus = z.infer<typeof mailboxStatusSchema>;
export type MailboxConnect = z.infer<typeof mailboxConnectSchema>;
export type SessionEntry = z.infer<typeof sessionSchema>;
