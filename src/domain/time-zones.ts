import { findIana } from 'windows-iana';

/**
 * Return the IANA name for a zone as Graph, Outlook or an .ics file writes it: an IANA name passes through,
 * a Windows name (`W. Europe Standard Time`) maps through the CLDR table, anything else returns null.
 */
export function toIanaZone(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') {
    return null;
  }

  if (isIanaZone(trimmed)) {
    return canonicalUtc(trimmed);
  }

  const fromWindows = findIana(trimmed);
  const first = fromWindows?.[0];
  return first ?? null;
}

export function isIanaZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function canonicalUtc(name: string): string {
  return name === 'Etc/UTC' || name === 'Etc/GMT' || name === 'GMT' ? 'UTC' : name;
}
