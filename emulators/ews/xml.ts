import { XMLParser } from 'fast-xml-parser';

/** An XML element with its namespace prefix removed; EWS element names are unique across its namespaces. */
export interface XmlNode {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlNode[];
  readonly text: string;
}

type OrderedEntry = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

/** Parse a document and return its root element; throws on text that is not XML. */
export function parseXml(text: string): XmlNode | null {
  const entries = parser.parse(text) as OrderedEntry[];
  return entries.map(toNode).find((node): node is XmlNode => node !== null && !node.name.startsWith('?')) ?? null;
}

function toNode(entry: OrderedEntry): XmlNode | null {
  const name = Object.keys(entry).find((key) => key !== ':@');
  if (name === undefined || name === '#text') {
    return null;
  }
  const children: XmlNode[] = [];
  let text = '';
  for (const part of (entry[name] ?? []) as OrderedEntry[]) {
    if ('#text' in part) {
      text += String(part['#text']);
      continue;
    }
    const node = toNode(part);
    if (node !== null) children.push(node);
  }
  return { name, attributes: { ...(entry[':@'] ?? {}) }, children, text };
}

export function child(node: XmlNode | null | undefined, name: string): XmlNode | null {
  return node?.children.find((candidate) => candidate.name === name) ?? null;
}

export function children(node: XmlNode | null | undefined, name: string): XmlNode[] {
  return node?.children.filter((candidate) => candidate.name === name) ?? [];
}

export function textOf(node: XmlNode | null | undefined, name: string): string | null {
  const found = child(node, name);
  return found === null ? null : found.text.trim();
}

export function leaf(name: string, text: string, attributes: Record<string, string> = {}): XmlNode {
  return { name, attributes, children: [], text };
}

export function branch(name: string, nodes: XmlNode[], attributes: Record<string, string> = {}): XmlNode {
  return { name, attributes, children: nodes, text: '' };
}

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[character] ?? character);
}

/** Serialise a node under the given namespace prefix (`t` for types, `m` for messages). */
export function render(node: XmlNode, prefix = 't'): string {
  const attributes = Object.entries(node.attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  const inner = escapeXml(node.text) + node.children.map((entry) => render(entry, prefix)).join('');
  return inner === '' ? `<${prefix}:${node.name}${attributes}/>` : `<${prefix}:${node.name}${attributes}>${inner}</${prefix}:${node.name}>`;
}

/** An element with already rendered content. */
export function tag(name: string, attributes: Record<string, string | undefined>, ...content: string[]): string {
  const text = Object.entries(attributes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  const inner = content.join('');
  return inner === '' ? `<${name}${text}/>` : `<${name}${text}>${inner}</${name}>`;
}

export function textTag(name: string, value: string): string {
  return tag(name, {}, escapeXml(value));
}
