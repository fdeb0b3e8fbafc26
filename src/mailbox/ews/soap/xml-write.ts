/** Escape text for element content and attribute values alike. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * An element with the given prefixed name. Content strings are inserted as they are (already built XML); use
 * `textElement` for text, which is escaped.
 */
export function element(name: string, attributes: Readonly<Record<string, string | undefined>> = {}, ...content: string[]): string {
  const attributeText = Object.entries(attributes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  const inner = content.join('');
  return inner === '' ? `<${name}${attributeText}/>` : `<${name}${attributeText}>${inner}</${name}>`;
}

export function textElement(name: string, value: string, attributes: Readonly<Record<string, string | undefined>> = {}): string {
  return element(name, attributes, escapeXml(value));
}
