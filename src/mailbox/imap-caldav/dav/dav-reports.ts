import { ConnectorError } from '../../../domain/errors.ts';
import type { DavHttp } from './dav-http.ts';
import { parseMultistatus, pathOf, textOf } from './multistatus.ts';

export type CollectionType = 'calendar' | 'addressbook';

/** A resource of a collection with its body. */
export interface DavResource {
  readonly href: string;
  readonly etag: string;
  readonly data: string;
}

export interface SyncDelta {
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly token: string;
}

const XML_HEADERS = { 'content-type': 'application/xml; charset=utf-8' };
const NAMESPACES = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"';

/** Members per multiget report. */
const MULTIGET_CHUNK = 100;

/** Most sync-collection rounds one pull follows when the server truncates its answer (507 on the collection). */
const MAX_SYNC_ROUNDS = 1_000;

/**
 * Run a sync-collection report (RFC 6578) from `token`, or from the start with null, following truncated answers
 * until the server has listed every change.
 */
export async function syncCollection(http: DavHttp, url: string, token: string | null): Promise<SyncDelta> {
  const changed = new Set<string>();
  const removed = new Set<string>();
  const collectionPath = pathOf(url, url);
  let current = token;

  for (let round = 0; round < MAX_SYNC_ROUNDS; round += 1) {
    const body = `<?xml version="1.0" encoding="utf-8"?><d:sync-collection ${NAMESPACES}><d:sync-token>${escapeXml(current ?? '')}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
    const response = await http.send({ method: 'REPORT', url, headers: { ...XML_HEADERS, depth: '0' }, body, label: 'sync-collection report' });
    const multistatus = parseMultistatus(response.text, url);

    let truncated = false;
    for (const entry of multistatus.entries) {
      if (entry.href === collectionPath || entry.href === `${collectionPath}/`) {
        truncated ||= entry.status === 507;
        continue;
      }
      if (entry.status === 404) {
        changed.delete(entry.href);
        removed.add(entry.href);
      } else {
        removed.delete(entry.href);
        changed.add(entry.href);
      }
    }

    if (multistatus.syncToken === null) {
      throw new ConnectorError({ kind: 'bug', code: 'SyncTokenMissing', message: `the sync-collection report of ${url} returned no sync-token; set changeDetection to basic for this server` });
    }
    current = multistatus.syncToken;
    if (!truncated) {
      return { changed: [...changed], removed: [...removed], token: current };
    }
  }
  throw new ConnectorError({ kind: 'retryLater', code: 'SyncTooLong', message: `the sync-collection report of ${url} did not finish within ${MAX_SYNC_ROUNDS} rounds, so it is repeated later` });
}

/** List every member's ETag with PROPFIND, for servers without sync-collection. */
export async function listEtags(http: DavHttp, url: string): Promise<Map<string, string>> {
  const body = `<?xml version="1.0" encoding="utf-8"?><d:propfind ${NAMESPACES}><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>`;
  const response = await http.send({ method: 'PROPFIND', url, headers: { ...XML_HEADERS, depth: '1' }, body, label: 'member listing' });
  const collectionPath = pathOf(url, url);
  const etags = new Map<string, string>();
  for (const entry of parseMultistatus(response.text, url).entries) {
    const etag = textOf(entry.props.getetag);
    if (entry.href !== collectionPath && etag !== null) {
      etags.set(entry.href, etag.trim());
    }
  }
  return etags;
}

/** Read resources by href with calendar-multiget or addressbook-multiget; an href the server no longer has is absent. */
export async function multiget(http: DavHttp, url: string, type: CollectionType, hrefs: readonly string[]): Promise<DavResource[]> {
  const resources: DavResource[] = [];
  const unique = [...new Set(hrefs)];
  for (let start = 0; start < unique.length; start += MULTIGET_CHUNK) {
    const chunk = unique.slice(start, start + MULTIGET_CHUNK);
    const report = type === 'calendar' ? 'c:calendar-multiget' : 'card:addressbook-multiget';
    const dataProp = type === 'calendar' ? '<c:calendar-data/>' : '<card:address-data/>';
    const hrefXml = chunk.map((href) => `<d:href>${escapeXml(href)}</d:href>`).join('');
    const body = `<?xml version="1.0" encoding="utf-8"?><${report} ${NAMESPACES}><d:prop><d:getetag/>${dataProp}</d:prop>${hrefXml}</${report}>`;
    const response = await http.send({ method: 'REPORT', url, headers: { ...XML_HEADERS, depth: '1' }, body, label: `${type} multiget report` });

    for (const entry of parseMultistatus(response.text, url).entries) {
      const data = textOf(type === 'calendar' ? entry.props['calendar-data'] : entry.props['address-data']);
      const etag = textOf(entry.props.getetag);
      if (entry.status !== 404 && data !== null && etag !== null) {
        resources.push({ href: entry.href, etag: etag.trim(), data });
      }
    }
  }
  return resources;
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
