import { resolveZone } from './zones.ts';

/**
 * The `Prefer` preferences Graph honours on calendar calls. Several may come in one header separated by
 * commas, or in several headers, and values may be quoted. Each honoured one is echoed in `Preference-Applied`.
 */
export interface Preferences {
  /** Zone for returned `start`/`end`: the name as the client wrote it and its IANA equivalent. */
  readonly timeZone: { readonly label: string; readonly iana: string } | null;
  readonly bodyContentType: 'text' | 'html' | null;
  readonly maxPageSize: number | null;
  readonly immutableId: boolean;
}

const PAIR = /([A-Za-z][\w.-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^,;\s]+)/g;

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const values = new Map<string, string>();
  for (const match of text.matchAll(PAIR)) {
    const key = (match[1] ?? '').toLowerCase();
    const raw = match[2] ?? '';
    values.set(key, raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }

  return {
    timeZone: zonePreference(values.get('outlook.timezone')),
    bodyContentType: bodyPreference(values.get('outlook.body-content-type')),
    maxPageSize: pageSizePreference(values.get('odata.maxpagesize')),
    immutableId: values.get('idtype')?.toLowerCase() === 'immutableid',
  };
}

function zonePreference(value: string | undefined): Preferences['timeZone'] {
  if (value === undefined) {
    return null;
  }

  const iana = resolveZone(value);
  return iana === null ? null : { label: value, iana };
}

function bodyPreference(value: string | undefined): Preferences['bodyContentType'] {
  const lower = value?.toLowerCase();
  return lower === 'text' || lower === 'html' ? lower : null;
}

function pageSizePreference(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value)) {
    return null;
  }

  const size = Number(value);
  return size > 0 ? size : null;
}

/** The `Preference-Applied` value for the preferences a handler honoured, or null when none. */
export function preferenceApplied(preferences: Preferences, options: { pageSize?: boolean }): string | null {
  const applied: string[] = [];
  if (preferences.timeZone) {
    applied.push(`outlook.timezone="${preferences.timeZone.label}"`);
  }

  if (preferences.bodyContentType) {
    applied.push(`outlook.body-content-type="${preferences.bodyContentType}"`);
  }

  if (options.pageSize && preferences.maxPageSize !== null) {
    applied.push(`odata.maxpagesize=${preferences.maxPageSize}`);
  }

  if (preferences.immutableId) {
    applied.push('IdType="ImmutableId"');
  }

  return applied.length === 0 ? null : applied.join(', ');
}
