/**
 * Plain text from an event description. Google Calendar's editor stores descriptions as HTML (`<br>`, `<b>`,
 * `<a href>`, lists), but the API and other clients may write plain text, so only text that contains tags is
 * converted.
 */
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const TAG = /<\/?(br|p|div|span|b|i|u|a|ul|ol|li|strong|em|html|body)\b[^>]*>/i;

export function descriptionText(description: string): string {
  if (!TAG.test(description)) {
    return description.replace(/\r\n/g, '\n');
  }

  const withBreaks = description.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|h[1-6])\s*>/gi, '\n').replace(/<li\b[^>]*>/gi, '- ');
  return decodeEntities(withBreaks.replace(/<[^>]*>/g, ''))
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}
