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

// Building an Intl.DateTimeFormat costs about a millisecond; a long series checks the same zone for every instance.
const ianaZones = new Map<string, boolean>();

export function isIanaZone(name: string): boolean {
  const cached = ianaZones.get(name);
  if (cached !== undefined) {
    return cached;
  }
  let valid = true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    valid = false;
  }
  ianaZones.set(name, valid);
  return valid;
}

function canonicalUtc(name: string): string {
  return name === 'Etc/UTC' || name === 'Etc/GMT' || name === 'GMT' ? 'UTC' : name;
}
