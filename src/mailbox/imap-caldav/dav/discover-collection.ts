import { createAccount, fetchAddressBooks, fetchCalendars, type DAVCollection } from 'tsdav';
import { ConnectorError } from '../../../domain/errors.ts';
import type { DavServerOptions } from '../connector-options.ts';
import type { DavHttp } from './dav-http.ts';

export type CollectionPurpose = 'events' | 'tasks' | 'contacts';

const COMPONENT: Record<Exclude<CollectionPurpose, 'contacts'>, string> = { events: 'VEVENT', tasks: 'VTODO' };
/** Setting that names the collection of each purpose directly. */
const COLLECTION_SETTING: Record<CollectionPurpose, string> = { events: 'dav.eventCalendarUrl', tasks: 'dav.taskCalendarUrl', contacts: 'dav.addressBookUrl' };

/**
 * Find the collection a source works on: the configured URL, or discovery through tsdav (well-known URL,
 * current-user-principal, calendar-home-set or addressbook-home-set) and the first collection that contains
 * the purpose's component. Returns the collection URL with a trailing slash.
 */
export async function discoverCollection(http: DavHttp, dav: DavServerOptions, purpose: CollectionPurpose): Promise<string> {
  const configured = { events: dav.eventCalendarUrl, tasks: dav.taskCalendarUrl, contacts: dav.addressBookUrl }[purpose];
  if (configured !== undefined) {
    return withSlash(configured);
  }

  const accountType = purpose === 'contacts' ? 'carddav' : 'caldav';
  const serverUrl = purpose === 'contacts' ? (dav.contactsServerUrl ?? dav.serverUrl) : dav.serverUrl;
  let collections: DAVCollection[];
  try {
    const account = await createAccount({ account: { serverUrl, accountType }, loadCollections: false, fetch: http.fetchForLibrary });
    collections =
      purpose === 'contacts'
        ? await fetchAddressBooks({ account, fetch: http.fetchForLibrary })
        : (await fetchCalendars({ account, fetch: http.fetchForLibrary })).filter((calendar) => (calendar.components ?? []).includes(COMPONENT[purpose]));
  } catch (error) {
    if (error instanceof ConnectorError) {
      throw error;
    }
    throw new ConnectorError(
      {
        kind: 'suspend',
        code: 'DiscoveryFailed',
        message: `${accountType} discovery from ${serverUrl} failed (${(error as Error).message}): set dav.serverUrl (or dav.contactsServerUrl for contacts) to the principal URL, or set the collection URL directly`,
      },
      { cause: error },
    );
  }

  const first = collections[0];
  if (first === undefined) {
    const collectionName = purpose === 'contacts' ? 'address book' : `calendar that holds ${COMPONENT[purpose]}`;
    const setting = COLLECTION_SETTING[purpose];
    throw new ConnectorError({
      kind: 'suspend',
      code: 'CollectionNotFound',
      message: `the ${accountType} account of ${dav.username} has no ${collectionName}: create one with a calendar or contacts client (docs/connect-imap-caldav.md), or set ${setting} to its URL`,
    });
  }
  http.logger.debug({ purpose, url: first.url }, 'DAV collection discovered');
  return withSlash(new URL(first.url, serverUrl).toString());
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
