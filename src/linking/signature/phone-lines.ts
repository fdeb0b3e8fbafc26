import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export type PhoneKind = 'phone' | 'mobile' | 'fax';

export interface PhoneNumber {
  readonly kind: PhoneKind;
  /** E.164, e.g. `+4991185676`. */
  readonly e164: string;
}

// Single-letter labels need a colon (`M:`), so that a word such as "Manager" is not read as one.
const LABELS: readonly { readonly kind: PhoneKind; readonly pattern: RegExp }[] = [
  { kind: 'mobile', pattern: /^(?:mobile|mobil|mob|cell(?:ular)?|handy|portable|cel|móvil|movil|cellulare)\b\.?\s*(?:phone|nr\.?|no\.?)?\s*[:.]?\s*|^m\s*:\s*/iu },
  { kind: 'fax', pattern: /^(?:telefax|fax)\b\.?\s*(?:nr\.?|no\.?)?\s*[:.]?\s*|^f\s*:\s*/iu },
  { kind: 'phone', pattern: /^(?:phone|telephone|telefon|tel|fon|ph|office|direct|direkt|work|t[ée]l[ée]phone|tél)(?![\p{L}])\.?\s*(?:nr\.?|no\.?)?\s*[:.]?\s*|^[tpod]\s*:\s*/iu },
];

/** A run that can be a phone number: an optional `+` or `(`, then digits with spaces, dots, slashes or dashes. */
const NUMBER = /(?:\+|\(\+?)?\d[\d\s()./-]{5,}\d/;

/**
 * Read the phone numbers of one signature line. A line may hold several, separated by `|`, `//`, `·` or wide
 * gaps (`T: +1 555 0100 | M: +1 555 0101`). A number without a label counts as `phone` when the whole part is
 * the number. Numbers are kept when libphonenumber finds them possible for their country; `defaultCountry`
 * reads numbers written without a country code.
 */
export function phonesOfLine(line: string, defaultCountry: CountryCode | undefined): PhoneNumber[] {
  const found: PhoneNumber[] = [];
  for (const part of line.split(/\s*(?:\||\/\/|·|•)\s*|\s{3,}/)) {
    const text = part.trim();
    const label = LABELS.find(({ pattern }) => pattern.test(text));
    const rest = label === undefined ? text : text.replace(label.pattern, '');
    const match = NUMBER.exec(rest);
    if (match === null) {
      continue;
    }
    if (label === undefined && rest.replace(match[0], '').trim() !== '') {
      continue;
    }
    const e164 = toE164(match[0], defaultCountry);
    if (e164 !== null) {
      found.push({ kind: label?.kind ?? 'phone', e164 });
    }
  }
  return found;
}

/** True when the line starts with a phone, mobile or fax label, whether or not a readable number follows. */
export function hasPhoneLabel(line: string): boolean {
  return LABELS.some(({ pattern }) => pattern.test(line.trim()));
}

function toE164(raw: string, defaultCountry: CountryCode | undefined): string | null {
  // `+49 (0) 30 …`: the bracketed trunk prefix is not dialled from abroad.
  const text = raw.replace(/\(\s*0\s*\)/g, ' ');
  const parsed = parsePhoneNumberFromString(text, defaultCountry);
  if (parsed === undefined || !parsed.isPossible()) {
    return null;
  }
  return parsed.number;
}
