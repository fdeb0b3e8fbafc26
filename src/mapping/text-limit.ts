/** Marker appended where text was cut to fit a Salesforce field, so a reader sees that something is missing. */
export const CUT_MARKER = '…';

/**
 * Cut `text` to at most `maxLength` UTF-16 code units, ending with the cut marker when it was cut. Salesforce
 * measures field lengths in UTF-16 code units (an emoji counts two), so this is the length it will accept.
 * A surrogate pair is never split.
 */
export function cutToLength(text: string, maxLength: number | undefined): string {
  if (maxLength === undefined || text.length <= maxLength) {
    return text;
  }

  let end = Math.max(0, maxLength - CUT_MARKER.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    end -= 1;
  }
  return text.slice(0, end) + CUT_MARKER;
}
