import type { MailMessage } from '../domain/email-message.ts';

/** Named entities common in mail HTML; other named entities stay as written. */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', hellip: '…', ndash: '–',
  mdash: '—', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', euro: '€', bull: '•',
};

const BLOCK_END = /<\/(p|div|li|tr|table|h[1-6]|blockquote|pre)\s*>/gi;

/** The text body of a message: its own text part, else text made from its HTML part; null when it has neither. */
export function messageText(message: MailMessage): string | null {
  if (message.bodyText !== null && message.bodyText !== '') {
    return message.bodyText;
  }
  return message.bodyHtml === null ? message.bodyText : htmlToText(message.bodyHtml);
}

/** Plain text from mail HTML: hidden parts and comments dropped, line breaks kept, tags removed, entities decoded. */
export function htmlToText(html: string): string {
  const visible = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
  const broken = visible.replace(/<br\s*\/?>/gi, '\n').replace(BLOCK_END, '\n');
  const text = decodeEntities(broken.replace(/<[^>]*>/g, ''));
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+$/u, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#')) {
      const code = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number.parseInt(lower.slice(1), 10);
      // A code point outside Unicode, or a lone surrogate, cannot be shown: keep the entity as written.
      return code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? whole : String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[lower] ?? whole;
  });
}
