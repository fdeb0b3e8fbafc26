import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccountStore, MailboxRecord } from '../../domain/accounts.ts';
import type { MessageSource } from '../../domain/email-message.ts';
import type { EmailSaveStore } from '../../domain/email-saves.ts';
import { isConnectorError, type Failure } from '../../domain/errors.ts';
import type { LinkResolver } from '../../domain/linking.ts';
import { editSavedEmail, saveRequestedEmail, type EmailRecordWriter, type EmailSavingSettings, type MailboxOwner } from '../../email/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { ApiError, errorBodySchema } from '../api-errors.ts';
import { requireCaller } from '../authentication.ts';
import type { ServerRoutes } from '../create-server.ts';
import { visibleMailbox } from '../mailbox-access.ts';
import { API_BODY_LIMIT_BYTES } from './limits.ts';

/** The connectors and org settings that saving needs for one mailbox. */
export interface MailboxEmailSaving {
  readonly source: MessageSource;
  readonly writer: EmailRecordWriter;
  readonly resolver: LinkResolver;
  readonly settings: EmailSavingSettings;
  readonly owner: MailboxOwner;
  readonly userBlocklist?: readonly string[];
}

export interface EmailRouteOptions {
  readonly store: AccountStore & EmailSaveStore;
  /** Builds the connectors for a mailbox; null when its org does not save emails. */
  readonly openMailbox: (mailbox: MailboxRecord) => Promise<MailboxEmailSaving | null>;
  readonly logger: Logger;
  readonly now?: () => Date;
}

const tags = ['emails'];
const salesforceId = (what: string, prefixes: readonly string[]) =>
  z
    .string({ error: `expected the Salesforce id of ${what}` })
    .regex(/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/, { error: `expected a 15- or 18-character Salesforce id of ${what}` })
    .refine((id) => prefixes.includes(id.slice(0, 3)), { error: `expected the id of ${what} (starting with ${prefixes.join(' or ')})` });

const mailboxId = z.string({ error: 'expected a mailbox id' }).trim().min(1, { error: 'expected a mailbox id, got an empty string' }).max(200, { error: 'expected a mailbox id of at most 200 characters' });

const saveBody = z.strictObject({
  mailboxId,
  messageId: z.string({ error: "expected the message's id in the mailbox" }).trim().min(1, { error: "expected the message's id in the mailbox, got an empty string" }).max(1000, { error: 'expected a message id of at most 1000 characters' }),
});

const editBody = z
  .strictObject({
    mailboxId,
    subject: z.string({ error: 'expected the new subject as text' }).max(3000, { error: 'expected a subject of at most 3000 characters' }).optional(),
    whatId: salesforceId('an Account or Opportunity', ['001', '006']).nullable().optional(),
    people: z
      .array(
        z.strictObject({
          address: z.email({ error: 'expected a sender or recipient address of the email' }),
          recordId: salesforceId('a Contact, Lead or User', ['003', '00Q', '005']).nullable(),
        }),
        { error: 'expected a list of {address, recordId}' },
      )
      .min(1, { error: 'expected at least one person' })
      .max(100, { error: 'expected at most 100 people' })
      .optional(),
  })
  .refine((body) => body.subject !== undefined || body.whatId !== undefined || body.people !== undefined, {
    error: 'expected at least one change: subject, whatId or people',
  });

const savedEmailSchema = z.object({
  recordId: z.string(),
  sobject: z.enum(['EmailMessage', 'Task']),
  created: z.boolean().describe('True when this request created the Salesforce record'),
  alreadySaved: z.boolean().describe('True when this mailbox had saved the email before'),
  recordUrl: z.string(),
  relationsAdded: z.number().int(),
  attachmentsSaved: z.number().int(),
  skippedAttachments: z.array(z.object({ name: z.string(), reason: z.string() })),
  partialFailures: z.array(z.object({ code: z.string(), message: z.string() })).describe('Parts the next session of the mailbox writes'),
});

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 422: errorBodySchema, 502: errorBodySchema, 503: errorBodySchema };

/**
 * `POST /api/v1/emails/save` saves one email now, marked as saved by a person (the API mark); `PATCH
 * /api/v1/emails/{id}` applies a person's deliberate edit to a saved email. Both act for a signed-in caller on a
 * mailbox the caller may see.
 */
export function emailRoutes(options: EmailRouteOptions): ServerRoutes {
  return (app: FastifyInstance) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const logger = options.logger.child({ component: 'email-api' });

    routes.post('/api/v1/emails/save', {
      bodyLimit: API_BODY_LIMIT_BYTES,
      schema: {
        tags,
        summary: 'Save an email of one of your mailboxes to Salesforce now; the next session treats it as saved',
        body: saveBody,
        response: { 200: z.object({ email: savedEmailSchema }), 201: z.object({ email: savedEmailSchema }), ...errors },
      },
    }, async (request, reply) => {
      const mailbox = await visibleMailbox(options.store, requireCaller(request), request.body.mailboxId);
      const saving = await openSaving(options, mailbox);
      const result = await withSalesforceErrors(() => saveRequestedEmail({
        orgId: mailbox.orgId,
        mailbox: { id: mailbox.id, address: mailbox.address, timeZone: mailbox.timeZone },
        owner: saving.owner,
        mailboxItemId: request.body.messageId,
        source: saving.source,
        writer: saving.writer,
        resolver: saving.resolver,
        store: options.store,
        settings: saving.settings,
        ...(saving.userBlocklist === undefined ? {} : { userBlocklist: saving.userBlocklist }),
        logger,
        ...(options.now === undefined ? {} : { now: options.now }),
      }));

      switch (result.status) {
        case 'notFound':
          throw new ApiError(404, 'not_found', `no message with id '${request.body.messageId}' in mailbox ${mailbox.id}`, 'messageId');
        case 'rejected':
          throw new ApiError(422, 'not_saved', rejectionMessage(result.reason), 'messageId');
        case 'failed':
          throw failureError(result.failure);
        case 'saved': {
          const { status: _status, ...email } = result;
          const body = {
            email: {
              ...email,
              skippedAttachments: email.skippedAttachments.map((skipped) => ({ name: skipped.name, reason: skipped.reason })),
              partialFailures: email.partialFailures.map((failure) => ({ code: failure.code, message: failure.message })),
            },
          };
          return reply.code(email.created ? 201 : 200).send(body);
        }
      }
    });

    routes.patch('/api/v1/emails/:id', {
      bodyLimit: API_BODY_LIMIT_BYTES,
      schema: {
        tags,
        summary: 'Change a saved email on purpose: who its addresses are (people), and for a Task also subject and related record',
        params: z.strictObject({ id: z.string().min(1, { error: 'expected the Salesforce id of the saved email' }).max(18, { error: 'expected a Salesforce id of at most 18 characters' }) }),
        body: editBody,
        response: { 200: z.object({ email: z.object({ recordId: z.string(), sobject: z.enum(['EmailMessage', 'Task']), changed: z.array(z.string()) }) }), ...errors },
      },
    }, async (request) => {
      const caller = requireCaller(request);
      const mailbox = await visibleMailbox(options.store, caller, request.body.mailboxId);
      const saving = await openSaving(options, mailbox);
      const { mailboxId: _mailbox, ...edit } = request.body;
      const result = await withSalesforceErrors(() => editSavedEmail({
        orgId: mailbox.orgId,
        recordId: request.params.id,
        // A user edits the emails their mailbox saved; an admin any email of the org.
        ...(caller.role === 'admin' ? {} : { savedByMailboxId: mailbox.id }),
        edit,
        store: options.store,
        writer: saving.writer,
      }));

      switch (result.status) {
        case 'notFound':
          throw new ApiError(404, 'not_found', `no saved email with id '${request.params.id}' for mailbox ${mailbox.id}`, 'id');
        case 'rejected':
          throw new ApiError(422, 'not_editable', result.message, result.field);
        case 'failed':
          throw failureError(result.failure);
        case 'updated':
          logger.info({ mailboxId: mailbox.id, recordId: result.recordId, changed: result.changed }, 'Saved email edited');
          return { email: { recordId: result.recordId, sobject: result.sobject, changed: [...result.changed] } };
      }
    });
  };
}

async function openSaving(options: EmailRouteOptions, mailbox: MailboxRecord): Promise<MailboxEmailSaving> {
  const saving = await options.openMailbox(mailbox);
  if (saving === null) {
    throw new ApiError(422, 'email_saving_off', `the org ${mailbox.orgId} does not save emails to Salesforce; an admin turns it on in the org's emailSaving settings`, 'mailboxId');
  }
  return saving;
}

/** Turn a Salesforce failure that stops the whole request into the API's error. */
async function withSalesforceErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isConnectorError(error)) {
      throw failureError(error.failure);
    }
    throw error;
  }
}

function failureError(failure: Failure): ApiError {
  if (failure.kind === 'retryLater') {
    const headers: Record<string, string> = failure.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.ceil(failure.retryAfterMs / 1000)) };
    return new ApiError(503, 'salesforce_unavailable', `Salesforce is busy or unreachable (${failure.code}); try again later`, undefined, headers);
  }
  if (failure.kind === 'itemError' || failure.kind === 'notFound') {
    return new ApiError(422, 'salesforce_rejected', `Salesforce did not accept the email (${failure.code}): ${failure.message}`);
  }
  return new ApiError(502, 'salesforce_failed', `Saving to Salesforce failed (${failure.code}): ${failure.message}`);
}

function rejectionMessage(reason: string): string {
  switch (reason) {
    case 'draft':
      return 'the message is a draft; save it once it is sent (or mark it for saving while writing it)';
    case 'blocklisted':
      return 'a sender or recipient of this message is on your or your org\'s blocklist, so it is never saved';
    case 'deletedInSalesforce':
      return 'this email was saved before and then deleted in Salesforce; Syncline does not save it again';
    default:
      return `the message is not saved (${reason})`;
  }
}
