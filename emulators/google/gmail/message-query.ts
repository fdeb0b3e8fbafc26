import type { MessageRecord } from '../state.ts';

/**
 * The part of Gmail's search syntax the emulator understands: `after:` and `before:` (epoch seconds, or a date
 * `YYYY/MM/DD` at midnight UTC), `in:` (inbox, sent, drafts, spam, trash, anywhere), `label:`, `rfc822msgid:`,
 * `is:unread`, `from:`, `to:`, `subject:` and plain words, each negated by a leading `-`. Terms are ANDed; Gmail's
 * `OR`, braces and parentheses are not supported.
 */
export function matchesQuery(message: MessageRecord, q: string, labelIdOf: (name: string) => string | null): boolean {
  const terms = q.match(/-?\S+:"[^"]*"|-?"[^"]*"|\S+/g) ?? [];
  return terms.every((term) => {
    const negated = term.startsWith('-') && term.length > 1;
    const result = matchesTerm(message, negated ? term.slice(1) : term, labelIdOf);
    return negated ? !result : result;
  });
}

const IN_LABELS: Readonly<Record<string, string>> = { inbox: 'INBOX', sent: 'SENT', drafts: 'DRAFT', draft: 'DRAFT', spam: 'SPAM', trash: 'TRASH' };

function matchesTerm(message: MessageRecord, term: string, labelIdOf: (name: string) => string | null): boolean {
  const separator = term.indexOf(':');
  const operator = separator > 0 ? term.slice(0, separator).toLowerCase() : '';
  const value = (separator > 0 ? term.slice(separator + 1) : term).replace(/^"|"$/g, '');

  switch (operator) {
    case 'after':
      return Number(message.internalDate) > instantOf(value);
    case 'before':
      return Number(message.internalDate) < instantOf(value);
    case 'in':
      return value.toLowerCase() === 'anywhere' || message.labelIds.includes(IN_LABELS[value.toLowerCase()] ?? '');
    case 'label': {
      const id = labelIdOf(value.replace(/-/g, ' ')) ?? labelIdOf(value);
      return id !== null && message.labelIds.includes(id);
    }
    case 'rfc822msgid':
      return (message.messageIdHeader ?? '').replace(/^<|>$/g, '') === value.replace(/^<|>$/g, '');
    case 'is':
      return value.toLowerCase() === 'unread' ? message.labelIds.includes('UNREAD') : message.labelIds.includes(value.toUpperCase());
    case 'from':
    case 'to':
    case 'subject':
      return headerValue(message, operator).toLowerCase().includes(value.toLowerCase());
    default:
      return `${headerValue(message, 'subject')} ${message.snippet}`.toLowerCase().includes(term.replace(/^"|"$/g, '').toLowerCase());
  }
}

function instantOf(value: string): number {
  if (/^\d+$/.test(value)) {
    return Number(value) * 1000;
  }
  const date = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(value);
  return date ? Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3])) : Number.NaN;
}

function headerValue(message: MessageRecord, name: string): string {
  const text = Buffer.from(message.raw, 'base64url').toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((candidate) => candidate.toLowerCase().startsWith(`${name}:`));
  return line === undefined ? '' : line.slice(name.length + 1).trim();
}
