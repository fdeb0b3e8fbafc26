import { XMLParser } from 'fast-xml-parser';
import { ConnectorError } from '../../../domain/errors.ts';

/** One `<response>` of a 207 Multi-Status body, with the properties of its 2xx propstat. */
export interface DavEntry {
  /** The href as the server wrote it, resolved to a path (percent-encoding kept). */
  readonly href: string;
  /** The response-level status (sync-collection reports a removed member as 404 here), or null. */
  readonly status: number | null;
  readonly props: Readonly<Record<string, unknown>>;
}

export interface Multistatus {
  readonly entries: readonly DavEntry[];
  /** `<sync-token>` of a sync-collection report. */
  readonly syncToken: string | null;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Values stay strings: an ETag or a sync token that looks like a number must not turn into one.
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'response' || name === 'propstat' || name === 'href' || name === 'comp',
});

/** Parse a Multi-Status body (RFC 4918 section 13); `base` resolves relative hrefs. */
export function parseMultistatus(text: string, base: string): Multistatus {
  let parsed: { multistatus?: { response?: RawResponse[]; 'sync-token'?: unknown } };
  try {
    parsed = parser.parse(text) as typeof parsed;
  } catch (error) {
    throw new ConnectorError({ kind: 'retryLater', code: 'MultistatusUnreadable', message: 'the DAV server sent a Multi-Status body that is not XML, so the request is repeated later' }, { cause: error });
  }

  const multistatus = parsed.multistatus ?? {};
  const entries = (multistatus.response ?? []).flatMap((response) => entryOf(response, base));
  return { entries, syncToken: textOf(multistatus['sync-token']) };
}

interface RawResponse {
  href?: unknown[];
  status?: unknown;
  propstat?: { status?: unknown; prop?: Record<string, unknown> }[];
}

function entryOf(response: RawResponse, base: string): DavEntry[] {
  const href = textOf(response.href?.[0]);
  if (href === null) {
    return [];
  }

  const props: Record<string, unknown> = {};
  for (const propstat of response.propstat ?? []) {
    const status = statusOf(propstat.status);
    if (status === null || (status >= 200 && status < 300)) {
      Object.assign(props, propstat.prop ?? {});
    }
  }
  return [{ href: pathOf(href.trim(), base), status: statusOf(response.status), props }];
}

/** Resolve an href to its path, so absolute and path-only forms of one resource compare equal. */
export function pathOf(href: string, base: string): string {
  return new URL(href, base).pathname;
}

/** `HTTP/1.1 404 Not Found` → 404. */
function statusOf(value: unknown): number | null {
  const match = /^\s*HTTP\/[\d.]+\s+(\d{3})/.exec(textOf(value) ?? '');
  return match ? Number(match[1]) : null;
}

/** Return the text of an element, whether the parser gave a string or an object with `#text`. */
export function textOf(value: unknown): string | null {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'object' && value !== null && '#text' in value) {
    const text = (value as { '#text': unknown })['#text'];
    return typeof text === 'string' ? text : null;
  }
  return null;
}
