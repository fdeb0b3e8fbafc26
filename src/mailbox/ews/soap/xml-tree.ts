import { XMLParser } from 'fast-xml-parser';

/**
 * An XML element with its namespace prefix removed: EWS names are unique across the `t:` and `m:` namespaces, so
 * the local name is enough to read a response, whichever prefixes the server chose.
 */
export interface XmlNode {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
  /** The element's own text, entities decoded, white space kept. */
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

/** Parse a document and return its root element, or null when the text holds no element at all. */
export function parseXml(text: string): XmlNode | null {
  const entries = parser.parse(text) as OrderedEntry[];
  const root = entries.map(toNode).find((node): node is XmlNode => node !== null && !node.name.startsWith('?'));
  return root ?? null;
}

function toNode(entry: OrderedEntry): XmlNode | null {
  const name = Object.keys(entry).find((key) => key !== ':@');
  if (name === undefined || name === '#text') {
    return null;
  }

  const content = (entry[name] ?? []) as OrderedEntry[];
  const children: XmlNode[] = [];
  let text = '';
  for (const part of content) {
    if ('#text' in part) {
      text += String(part['#text']);
      continue;
    }
    const node = toNode(part);
    if (node !== null) {
      children.push(node);
    }
  }
  return { name, attributes: entry[':@'] ?? {}, children, text };
}

export function child(node: XmlNode | null | undefined, name: string): XmlNode | null {
  return node?.children.find((candidate) => candidate.name === name) ?? null;
}

export function children(node: XmlNode | null | undefined, name: string): XmlNode[] {
  return node?.children.filter((candidate) => candidate.name === name) ?? [];
}

/** The text of a child element, or null when the child is absent. */
export function childText(node: XmlNode | null | undefined, name: string): string | null {
  const found = child(node, name);
  return found === null ? null : found.text;
}

/** Follow a path of child names, e.g. `descend(envelope, 'Body', 'GetItemResponse')`. */
export function descend(node: XmlNode | null | undefined, ...names: string[]): XmlNode | null {
  let current: XmlNode | null = node ?? null;
  for (const name of names) {
    current = child(current, name);
  }
  return current;
}
