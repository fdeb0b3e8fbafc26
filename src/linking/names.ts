/** Person names from display names, signature lines and address local parts. */

export interface PersonName {
  /** One of Salesforce's default Salutation values, or null. */
  readonly salutation: string | null;
  readonly firstName: string | null;
  readonly lastName: string;
}

export interface DisplayName {
  readonly name: PersonName | null;
  /** The company a display name carries after a bar or in parentheses (`Ann Lee | Acme GmbH`), else null. */
  readonly company: string | null;
}

const SALUTATIONS: Readonly<Record<string, string>> = {
  'mr': 'Mr.', 'mr.': 'Mr.', 'herr': 'Mr.', 'ms': 'Ms.', 'ms.': 'Ms.', 'frau': 'Ms.', 'mrs': 'Mrs.', 'mrs.': 'Mrs.',
  'dr': 'Dr.', 'dr.': 'Dr.', 'prof': 'Prof.', 'prof.': 'Prof.',
};

/** A token of a name: letters with inner apostrophes, hyphens or dots (O'Neil, Jean-Luc, J.). */
const NAME_TOKEN = /^\p{L}[\p{L}\p{M}'’.-]*$/u;

/** Lower-case, drop diacritics and spell umlauts out, so `Günther` and the local part `guenther` compare equal. */
export function foldName(value: string): string[] {
  const lower = value.toLowerCase();
  const spelled = lower.replaceAll('ä', 'ae').replaceAll('ö', 'oe').replaceAll('ü', 'ue').replaceAll('ß', 'ss');
  const stripped = lower.normalize('NFD').replace(/\p{M}/gu, '');
  return [...new Set([spelled.normalize('NFD').replace(/\p{M}/gu, ''), stripped])];
}

/** Parts of a local part that can be name parts: `mary.oneil` gives mary and oneil, `jsmith` gives jsmith. */
export function localPartTokens(localPart: string): string[] {
  return localPart.toLowerCase().replace(/\+.*$/, '').split(/[._-]+/).filter((token) => token !== '');
}

/** Return true when `token` is a name token: letters only, no digits, not an address. */
export function isNameToken(token: string): boolean {
  return NAME_TOKEN.test(token);
}

/**
 * Split a person's name into salutation, first and last name. `Last, First` is read as such; otherwise the local
 * part decides when one token is clearly the surname in it (`k.guenther` makes `Günther` the last name of
 * `Günther John`), else the last token is the last name. Returns null unless every token is a name token.
 */
export function splitPersonName(text: string, localPart: string | null = null): PersonName | null {
  const cleaned = text.replace(/["“”]/g, '').replace(/\s+/g, ' ').trim();
  if (cleaned === '' || cleaned.includes('@')) {
    return null;
  }

  const comma = cleaned.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (comma.length === 2) {
    const last = tokens(comma[0]!);
    const first = tokens(comma[1]!);
    if (last !== null && first !== null) {
      const salutation = takeSalutation(first);
      return { salutation, firstName: first.length > 0 ? first.join(' ') : null, lastName: last.join(' ') };
    }
    return null;
  }
  if (comma.length > 2) {
    return null;
  }

  const parts = tokens(cleaned);
  if (parts === null) {
    return null;
  }
  const salutation = takeSalutation(parts);
  if (parts.length === 0) {
    return null;
  }
  if (parts.length === 1) {
    return { salutation, firstName: null, lastName: parts[0]! };
  }
  const surnameIndex = surnameFromLocalPart(parts, localPart);
  if (surnameIndex !== null && surnameIndex !== parts.length - 1) {
    const lastName = parts[surnameIndex]!;
    const rest = parts.filter((_, index) => index !== surnameIndex);
    return { salutation, firstName: rest.join(' '), lastName };
  }
  return { salutation, firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1)! };
}

/**
 * Read a display name: the person's name, and a company after ` | `, ` - ` or in trailing parentheses. A display
 * name that is the address itself, or not made of name tokens, gives no name.
 */
export function parseDisplayName(displayName: string | null, localPart: string | null): DisplayName {
  if (displayName === null || displayName.trim() === '') {
    return { name: null, company: null };
  }
  let text = displayName.trim().replace(/^['"]|['"]$/g, '');
  let company: string | null = null;

  const bar = text.split(/\s+[|–—]\s+|\s+-\s+/);
  if (bar.length === 2) {
    text = bar[0]!;
    company = bar[1]!.trim() || null;
  }
  const paren = /^(.*?)\s*\(([^)]+)\)\s*$/.exec(text);
  if (paren !== null) {
    text = paren[1]!;
    company ??= paren[2]!.trim();
  }
  return { name: splitPersonName(text, localPart), company };
}

/** A name guessed from the local part (`mary.oneil` gives Mary Oneil); null for digits or role-like single words. */
export function nameFromLocalPart(localPart: string): PersonName | null {
  const parts = localPartTokens(localPart);
  if (parts.length === 0 || parts.length > 3 || !parts.every((part) => /^\p{L}{2,}$/u.test(part))) {
    return null;
  }
  const capitalized = parts.map((part) => part.charAt(0).toUpperCase() + part.slice(1));
  if (capitalized.length === 1) {
    return { salutation: null, firstName: null, lastName: capitalized[0]! };
  }
  return { salutation: null, firstName: capitalized.slice(0, -1).join(' '), lastName: capitalized.at(-1)! };
}

function tokens(text: string): string[] | null {
  const parts = text.split(' ').filter((part) => part !== '');
  return parts.length > 0 && parts.length <= 5 && parts.every(isNameToken) ? parts : null;
}

function takeSalutation(parts: string[]): string | null {
  const first = parts[0]?.toLowerCase();
  const salutation = first === undefined ? undefined : SALUTATIONS[first];
  if (salutation === undefined || parts.length < 2) {
    return null;
  }
  parts.shift();
  return salutation;
}

/** The index of the token the local part names as surname, when exactly one token matches a local-part token. */
function surnameFromLocalPart(parts: readonly string[], localPart: string | null): number | null {
  if (localPart === null) {
    return null;
  }
  const local = localPartTokens(localPart);
  if (local.length < 2) {
    return null;
  }
  // In `first.last` and `f.last` the last local token is the surname.
  const surname = local.at(-1)!;
  const matches = parts.flatMap((part, index) => (foldName(part).includes(surname) ? [index] : []));
  return matches.length === 1 ? matches[0]! : null;
}
