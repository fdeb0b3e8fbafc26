/**
 * Helpers that cut long bodies to a Salesforce field length, with the cut marked so that a reader of the saved email sees
 * that the rest is missing. Lengths are UTF-16 code units, the unit Salesforce measures text fields in.
 */

export function textCutNote(limit: number): string {
  return `\n\n[Cut by Syncline: the rest of this email is longer than the ${limit.toLocaleString('en-US')}-character Salesforce field]`;
}

export function htmlCutNote(limit: number): string {
  return `<p>[Cut by Syncline: the rest of this email is longer than the ${limit.toLocaleString('en-US')}-character Salesforce field]</p>`;
}

/** Return the text unchanged when it fits, else its start and the cut note, `limit` units at most. */
export function cutTextBody(text: string, limit: number): string {
  if (text.length <= limit) {
    return text;
  }
  const note = textCutNote(limit);
  return keepWholeCharacters(text, limit - note.length) + note;
}

/**
 * Return the HTML unchanged when it fits, else its start and the cut note. The cut moves back before a tag or entity it
 * would split, so the kept part stays well-formed enough for Salesforce to show.
 */
export function cutHtmlBody(html: string, limit: number): string {
  if (html.length <= limit) {
    return html;
  }
  const note = htmlCutNote(limit);
  let kept = keepWholeCharacters(html, limit - note.length);
  const openTag = kept.lastIndexOf('<');
  if (openTag > kept.lastIndexOf('>')) {
    kept = kept.slice(0, openTag);
  }
  const entity = /&[#a-zA-Z0-9]{0,10}$/.exec(kept);
  if (entity !== null) {
    kept = kept.slice(0, entity.index);
  }
  return kept + note;
}

/** Cut to at most `limit` units with a one-character marker, for short fields such as a subject. */
export function cutShort(text: string, limit: number): string {
  return text.length <= limit ? text : `${keepWholeCharacters(text, limit - 1)}…`;
}

/**
 * Join addresses with `; ` as Salesforce's address fields hold them. When the list is longer than `limit`, it keeps
 * the whole addresses that fit and ends with `; …`.
 */
export function joinAddresses(addresses: readonly string[], limit: number): string | null {
  if (addresses.length === 0) {
    return null;
  }
  const joined = addresses.join('; ');
  if (joined.length <= limit) {
    return joined;
  }
  const kept: string[] = [];
  for (const address of addresses) {
    if ([...kept, address, '…'].join('; ').length > limit) {
      break;
    }
    kept.push(address);
  }
  return [...kept, '…'].join('; ');
}

function keepWholeCharacters(text: string, end: number): string {
  let cut = Math.max(0, end);
  const last = text.charCodeAt(cut - 1);
  // Never keep the first half of a surrogate pair without its second half.
  if (last >= 0xd800 && last <= 0xdbff) {
    cut -= 1;
  }
  return text.slice(0, cut);
}
