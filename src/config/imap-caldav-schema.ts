import { z } from 'zod';
import { keywordProblem } from '../mailbox/imap-caldav/imap-keyword.ts';

/**
 * Servers of a mailbox of kind `imap-caldav`: mail over IMAP, events and tasks over CalDAV, contacts over
 * CardDAV (docs/connect-imap-caldav.md lists the settings of Fastmail, iCloud, Nextcloud and Dovecot).
 */

const text = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}, got an empty string` });

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

// Passwords travel to these URLs, so they must use TLS unless they stay on this machine.
const davUrl = z
  .string({ error: 'expected an https:// URL such as https://caldav.fastmail.com/' })
  .refine((value) => /^https?:\/\/[^\s/]+/.test(value), { error: 'expected an https:// URL such as https://caldav.fastmail.com/' })
  .refine((value) => !value.toLowerCase().startsWith('http://') || LOOPBACK_HOSTS.has(new URL(value).hostname.toLowerCase()), {
    error: 'expected an https:// URL: plain http:// would send the password unencrypted and is accepted only for a loopback host; change it to https://',
  });

export const imapCaldavSchema = z.strictObject({
  imap: z.strictObject({
    host: text('the IMAP server name, e.g. imap.fastmail.com'),
    port: z.number().int().min(1, { error: 'expected a port from 1 to 65535' }).max(65_535, { error: 'expected a port from 1 to 65535' }).default(993),
    /** True: TLS from the first byte (port 993); false: STARTTLS on port 143. */
    secure: z.boolean().default(true),
    /** True: with secure false, log in without TLS when a non-loopback server offers no STARTTLS (clear-text password). */
    allowPlainLogin: z.boolean().default(false),
    username: text('the IMAP login name'),
    password: text('the IMAP password or app password'),
  }),
  dav: z.strictObject({
    /** Server root or principal URL where CalDAV/CardDAV discovery starts. */
    serverUrl: davUrl,
    /** Start of CardDAV discovery where contacts live on another host (iCloud, Fastmail); absent: serverUrl. */
    contactsServerUrl: davUrl.optional(),
    username: text('the CalDAV/CardDAV login name'),
    password: text('the CalDAV/CardDAV password or app password'),
    eventCalendarUrl: davUrl.optional(),
    taskCalendarUrl: davUrl.optional(),
    addressBookUrl: davUrl.optional(),
  }),
  /** IMAP keyword that marks an email for saving; default $Salesforce. */
  salesforceKeyword: z
    .string()
    .superRefine((value, context) => {
      const problem = keywordProblem(value);
      if (problem !== null) {
        context.addIssue({ code: 'custom', message: problem });
      }
    })
    .default('$Salesforce'),
  /** `basic` compares ETags and UIDs only, for servers without sync-collection or CONDSTORE. */
  changeDetection: z.enum(['auto', 'basic'], { error: "expected 'auto' or 'basic'" }).default('auto'),
});
