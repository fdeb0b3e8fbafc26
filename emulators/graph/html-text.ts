/**
 * Body conversions behind `Prefer: outlook.body-content-type`. Exchange renders HTML to text by dropping
 * markup, turning block ends and line breaks into new lines and decoding entities. Text becomes HTML by
 * escaping it inside a minimal document.
 */
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

export function htmlToText(html: string): string {
  const withoutInvisible = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');

  const withBreaks = withoutInvisible
    .replace(/<br\s*\/?>/gi, '\r\n')
    .replace(/<\/(p|div|li|tr|h[1-6])\s*>/gi, '\r\n')
    .replace(/<[^>]+>/g, '');

  return decodeEntities(withBreaks)
    .replace(/[ \t]+\r\n/g, '\r\n')
    .replace(/(\r\n){3,}/g, '\r\n\r\n')
    .trim();
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) {
      return String.fromCodePoint(parseInt(entity.slice(2), 16));
    }

    if (entity.startsWith('#')) {
      return String.fromCodePoint(parseInt(entity.slice(1), 10));
    }

    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

export function textToHtml(text: string): string {
  const escaped = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, '<br>\r\n');
  return `<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head><body>${escaped}</body></html>`;
}

/** Graph's `bodyPreview`: the first 255 characters of the body as text. */
export function previewOf(contentType: 'text' | 'html', content: string): string {
  const text = contentType === 'html' ? htmlToText(content) : content;
  return text.trim().slice(0, 255);
}
