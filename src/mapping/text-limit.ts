/** Marker appended where text was cut to fit a Salesforce field, so a reader sees that something is missing. */
export const CUT_MARKER = '…';

/** Cut `text` to at most `maxLength` characters (code points), ending with the cut marker when it was cut. */
export function cutToLength(text: string, maxLength: number | undefined): string {
  if (maxLength === undefined) {
    return text;
  }

  const codePoints = Array.from(text);
  if (codePoints.length <= maxLength) {
    return text;
  }

  return codePoints.slice(0, Math.max(0, maxLength - 1)).join('') + CUT_MARKER;
}
