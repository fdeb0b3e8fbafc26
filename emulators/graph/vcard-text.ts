/**
 * The text layer of vCard import: line endings, splitting a file into cards, and turning a vCard 2.1 card into
 * vCard 3.0 text, which ical.js parses. ical.js reads vCard 3.0 (RFC 2426) and 4.0 (RFC 6350) only.
 */

/** Exporters write CRLF, LF, and (iOS 5) CR CR LF; all become LF. */
export function normalizeLineEndings(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r+\n/g, '\n').replace(/\r/g, '\n');
}

/** Split a file into its `BEGIN:VCARD` … `END:VCARD` blocks, in order; text outside them is ignored. */
export function splitCards(text: string): string[] {
  const cards: string[] = [];
  let current: string[] | null = null;
  for (const line of text.split('\n')) {
    if (/^BEGIN:VCARD\s*$/i.test(line) && current === null) {
      current = [line];
    } else if (current !== null) {
      current.push(line);
      if (/^END:VCARD\s*$/i.test(line)) {
        cards.push(current.join('\n'));
        current = null;
      }
    }
  }
  return cards;
}

export function cardVersion(card: string): string | null {
  return /^VERSION:\s*([0-9.]+)\s*$/im.exec(card)?.[1] ?? null;
}

/** Properties whose 2.1 values are separated by `;` into components, which stay as they are. */
const STRUCTURED = new Set(['N', 'ADR', 'ORG']);
/** 2.1 parameters that are encodings or charsets, not types. */
const ENCODINGS = new Set(['QUOTED-PRINTABLE', 'BASE64', '8BIT', '7BIT', 'B']);

interface Line21 {
  readonly name: string;
  readonly params: string[];
  readonly value: string;
}

/**
 * Rewrite a vCard 2.1 card (Outlook 2003 and older phones) as vCard 3.0: quoted-printable values decoded in their
 * charset, bare parameters (`TEL;WORK;VOICE`) written as `TYPE=`, commas and line breaks escaped. Binary values
 * (photos, keys) are dropped, because nothing imported from a card uses them.
 */
export function vcard21To30(card: string): string {
  const output = ['BEGIN:VCARD', 'VERSION:3.0'];
  for (const line of logicalLines21(card)) {
    const upper = line.name.toUpperCase();
    if (upper === 'BEGIN' || upper === 'END' || upper === 'VERSION') {
      continue;
    }

    const encoding = encodingOf(line.params);
    if (encoding === 'BASE64' || encoding === 'B') {
      continue;
    }
    const raw = encoding === 'QUOTED-PRINTABLE' ? decodeQuotedPrintable(line.value, charsetOf(line.params)) : line.value;
    const types = line.params.filter((param) => !param.includes('=') && !ENCODINGS.has(param.toUpperCase()));
    const typeParams = line.params.filter((param) => /^TYPE=/i.test(param));
    const params = [...typeParams, ...(types.length > 0 ? [`TYPE=${types.join(',')}`] : [])];
    output.push(`${line.name}${params.map((param) => `;${param}`).join('')}:${escape30(raw, STRUCTURED.has(baseName(upper)))}`);
  }
  output.push('END:VCARD');
  return output.join('\n');
}

/** Join folded lines (a leading space or tab) and quoted-printable soft breaks (a trailing `=`). */
function logicalLines21(card: string): Line21[] {
  const lines: Line21[] = [];
  const physical = card.split('\n');
  for (let index = 0; index < physical.length; index += 1) {
    let text = physical[index] ?? '';
    if (text.trim() === '') {
      continue;
    }

    const isQuotedPrintable = /;(ENCODING=)?QUOTED-PRINTABLE[;:]/i.test(text.slice(0, text.indexOf(':') + 1));
    while (index + 1 < physical.length) {
      const next = physical[index + 1] ?? '';
      if (isQuotedPrintable && text.endsWith('=')) {
        text = text.slice(0, -1) + next;
      } else if (/^[ \t]/.test(next)) {
        text += next.trim();
      } else {
        break;
      }
      index += 1;
    }

    const parsed = parseLine21(text);
    if (parsed) {
      lines.push(parsed);
    }
  }
  return lines;
}

function parseLine21(text: string): Line21 | null {
  const colon = text.indexOf(':');
  if (colon <= 0) {
    return null;
  }

  const [name = '', ...params] = text.slice(0, colon).split(';');
  return { name: name.trim(), params: params.map((param) => param.trim()).filter((param) => param !== ''), value: text.slice(colon + 1) };
}

function encodingOf(params: readonly string[]): string | null {
  for (const param of params) {
    const upper = param.toUpperCase();
    const value = upper.startsWith('ENCODING=') ? upper.slice('ENCODING='.length) : upper;
    if (ENCODINGS.has(value)) {
      return value;
    }
  }
  return null;
}

function charsetOf(params: readonly string[]): string {
  const charset = params.find((param) => /^CHARSET=/i.test(param))?.slice('CHARSET='.length);
  return charset ?? 'utf-8';
}

function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index] ?? '';
    const hex = value.slice(index + 1, index + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(char, 'utf8'));
    }
  }

  try {
    return new TextDecoder(charset).decode(Uint8Array.from(bytes));
  } catch {
    // An unknown charset name: the bytes are read as UTF-8, which keeps ASCII intact.
    return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
  }
}

/** 2.1 escapes only `;` (as `\;`); in 3.0 a backslash, a comma and a line break need escapes too. */
function escape30(value: string, structured: boolean): string {
  if (structured) {
    return value.split(/(?<!\\);/).map(escapeComponent).join(';');
  }
  return escapeComponent(value).replace(/(?<!\\);/g, '\\;');
}

function escapeComponent(part: string): string {
  return part
    .replace(/\\(?!;)/g, '\\\\')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

function baseName(name: string): string {
  return name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
}
