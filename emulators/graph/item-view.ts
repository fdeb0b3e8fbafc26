import { GraphError } from './graph-error.ts';
import { htmlToText, textToHtml } from './html-text.ts';
import type { Preferences } from './prefer-header.ts';
import { parseSelect } from './query-options.ts';
import { wallTimeOf } from './zones.ts';

/** Rendering steps shared by To Do tasks and contacts. */

/** Keep the `$select`ed properties. `@odata.etag` and `id` always come back, as Graph returns them. */
export function pickSelected(full: Record<string, unknown>, select: string | null | undefined): Record<string, unknown> {
  const selected = parseSelect(select ?? undefined);
  if (selected === null) {
    return full;
  }

  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(full)) {
    if (key === '@odata.etag' || key === 'id' || selected.has(key.toLowerCase())) {
      picked[key] = value;
    }
  }
  return picked;
}

/**
 * Navigation properties named in `$expand`, lower-cased. A nested query such as `singleValueExtendedProperties(…)`
 * counts under its name; a name the resource does not expand is rejected with 400.
 */
export function expandedNames(expand: string | null | undefined, allowed: readonly string[]): Set<string> {
  const names = new Set<string>();
  if (expand === null || expand === undefined || expand.trim() === '') {
    return names;
  }

  for (const part of splitTopLevel(expand)) {
    const name = part.replace(/\(.*$/s, '').trim();
    const match = allowed.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (match === undefined) {
      throw new GraphError(400, 'BadRequest', `Cannot expand '${name}'; this resource expands ${allowed.join(', ')}.`);
    }
    names.add(match.toLowerCase());
  }
  return names;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '(') {
      depth += 1;
    } else if (char === ')') {
      depth -= 1;
    } else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((part) => part.trim() !== '');
}

/** Render a stored instant as a `dateTimeTimeZone` in the preferred zone (UTC without a preference). */
export function dateTimeView(ms: number, preferences: Preferences): { dateTime: string; timeZone: string } {
  return { dateTime: wallTimeOf(ms, preferences.timeZone?.iana ?? 'UTC'), timeZone: preferences.timeZone?.label ?? 'UTC' };
}

/** Convert a body to the type `Prefer: outlook.body-content-type` requests, the way Exchange converts it. */
export function bodyView(body: { contentType: 'text' | 'html'; content: string }, preferences: Preferences): { contentType: string; content: string } {
  if (preferences.bodyContentType === 'text' && body.contentType === 'html') {
    return { contentType: 'text', content: htmlToText(body.content) };
  }
  if (preferences.bodyContentType === 'html' && body.contentType === 'text') {
    return { contentType: 'html', content: textToHtml(body.content) };
  }
  return { ...body };
}
