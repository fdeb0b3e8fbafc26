import type { MailboxSetting, OrgSetting } from '../../config/resolved-config.ts';
import type { Logger } from '../../observability/logger.ts';
import type { GoogleConnectorOptions } from './google-options.ts';

/** Build the connector options of one configured mailbox of kind `google`: the org's service account, or the user's own consent. */
export function googleConnectorOptions(org: OrgSetting, setting: MailboxSetting, logger: Logger): GoogleConnectorOptions {
  const google = org.google;
  if (google === undefined) {
    // The configuration check refuses this; a hand-built configuration could still reach it.
    throw new Error(`The google setting of org '${org.id}' is missing, but mailbox ${setting.address} has kind 'google'. Add the org's "google" block (docs/connect-google.md), or set the mailbox's kind to 'graph'`);
  }

  const common = { userEmail: setting.address, mailboxTimeZone: setting.timeZone, tokenUrl: google.tokenUrl, apiBaseUrl: google.apiBaseUrl, peopleBaseUrl: google.peopleBaseUrl, sendUpdates: google.sendUpdates, logger };
  if (google.auth.kind === 'serviceAccount') {
    const { clientEmail, privateKey, privateKeyId } = google.auth;
    return { ...common, credentials: { kind: 'serviceAccount', clientEmail, privateKey, ...(privateKeyId === undefined ? {} : { privateKeyId }) } };
  }
  if (setting.googleRefreshToken === undefined) {
    throw new Error(`Mailbox ${setting.address} has no googleRefreshToken, but org '${org.id}' uses user OAuth for Google; the mailbox owner must connect Google first`);
  }
  return { ...common, credentials: { kind: 'userOAuth', clientId: google.auth.clientId, clientSecret: google.auth.clientSecret, refreshToken: setting.googleRefreshToken } };
}
