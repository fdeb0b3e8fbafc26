import { toIanaZone } from '../../domain/time-zones.ts';
import { createEwsCredentials, type EwsCredentials } from './auth/ews-credentials.ts';
import { EwsClient, MailboxGate } from './ews-client.ts';
import type { EwsConnectorOptions } from './ews-options.ts';
import { MAX_SYNC_PAGE_SIZE } from './items/sync-folder-items.ts';
import type { EwsSourceContext } from './source-context.ts';

/** Requests in flight per mailbox: well under Exchange 2016's default EWSMaxConcurrency of 27 per user. */
const DEFAULT_MAX_CONCURRENCY = 3;
const DEFAULT_BATCH_SIZE = 50;
const DEFAULT_TIMEOUT_MS = 100_000;
const DEFAULT_SYNC_PAGES_PER_PULL = 20;

/** State that the sources of one mailbox share: its concurrency limit and server back-off, and one token cache. */
export interface MailboxShared {
  readonly gate: MailboxGate;
  readonly credentials: EwsCredentials;
}

/** Check the options and build a source's client and settings; each source counts its own requests. */
export function createSourceContext(options: EwsConnectorOptions, component: string, shared: MailboxShared = createMailboxShared(options)): EwsSourceContext {
  const ewsUrl = checkedUrl(options.ewsUrl);
  const mailboxTimeZone = toIanaZone(options.mailboxTimeZone);
  if (mailboxTimeZone === null) {
    throw new Error(`mailboxTimeZone "${options.mailboxTimeZone}" is not a known zone: use an IANA name such as Europe/Berlin`);
  }
  if (!/^[^@\s]+@[^@\s]+$/.test(options.mailboxAddress)) {
    throw new Error(`mailboxAddress "${options.mailboxAddress}" is not an SMTP address: give the mailbox's primary address, e.g. dana@contoso.com`);
  }

  const syncPageSize = wholeNumber(options.syncPageSize ?? MAX_SYNC_PAGE_SIZE, 'syncPageSize', 1, MAX_SYNC_PAGE_SIZE);
  const syncPagesPerPull = wholeNumber(options.syncPagesPerPull ?? DEFAULT_SYNC_PAGES_PER_PULL, 'syncPagesPerPull', 1, 1000);
  const batchSize = wholeNumber(options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize', 1, 1000);
  const logger = options.logger.child({ component: `ews-${component}` });
  const fetchFn = options.fetch ?? fetch;
  const sleep = sleepOf(options);

  const client = new EwsClient({
    ewsUrl,
    credentials: shared.credentials,
    impersonate: options.impersonate === false ? null : options.mailboxAddress,
    mailboxAddress: options.mailboxAddress,
    fetch: shared.credentials.transport?.fetch ?? fetchFn,
    logger,
    sleep,
    gate: shared.gate,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const sendMeetingInvitations = options.sendMeetingInvitations ?? 'none';
  if (sendMeetingInvitations !== 'none' && sendMeetingInvitations !== 'sendToAllAndSaveCopy') {
    throw new Error(`sendMeetingInvitations "${String(sendMeetingInvitations)}" is invalid: use 'none' or 'sendToAllAndSaveCopy', or leave it out`);
  }
  return { client, mailboxTimeZone, logger, syncPageSize, syncPagesPerPull, batchSize, sendMeetingInvitations };
}

/**
 * Basic credentials travel in every request, and an NTLM logon over plain HTTP can be taken over by anyone on the
 * path, so only HTTPS or a loopback address (the emulator) may carry them.
 */
function checkedUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`ewsUrl "${value}" is not a URL: give the EWS endpoint, e.g. https://mail.contoso.com/EWS/Exchange.asmx`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`ewsUrl "${value}" must use https: credentials go with every request`);
  }
  return url.toString();
}

function wholeNumber(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} ${value} is invalid: use a whole number from ${min} to ${max}, or leave it out`);
  }
  return value;
}

export function createMailboxShared(options: EwsConnectorOptions): MailboxShared {
  const ewsUrl = checkedUrl(options.ewsUrl);
  const logger = options.logger.child({ component: 'ews-auth' });
  return {
    gate: new MailboxGate(wholeNumber(options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY, 'maxConcurrency', 1, 27)),
    credentials: createEwsCredentials(options.auth, { ewsUrl, fetch: options.fetch ?? fetch, logger, sleep: sleepOf(options), ...(options.passwordVariable === undefined ? {} : { passwordVariable: options.passwordVariable }) }),
  };
}

function sleepOf(options: EwsConnectorOptions): (ms: number) => Promise<void> {
  return options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
}
