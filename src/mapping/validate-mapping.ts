import { DIRECTIONS, EVENT_TRANSFORMS, type EventMapping } from './field-pair.ts';

const TEXT_FIELDS = new Set(['subject', 'location', 'body']);

/** Thrown at load time for a mapping table that cannot work; the message names the table, the pair and the fix. */
export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/** Check a mapping table before any session uses it. */
export function validateEventMapping(mapping: EventMapping): EventMapping {
  const keys = new Set<string>();

  for (const [index, pair] of mapping.pairs.entries()) {
    const where = `mapping "${mapping.name}", pair ${index} ("${pair.key}")`;

    if (keys.has(pair.key)) {
      throw new MappingError(`${where}: key "${pair.key}" is used twice; give each pair its own key`);
    }
    keys.add(pair.key);

    if (!DIRECTIONS.includes(pair.direction)) {
      throw new MappingError(`${where}: direction "${pair.direction}" is invalid; use one of ${DIRECTIONS.join(', ')}`);
    }
    if (!EVENT_TRANSFORMS.includes(pair.transform)) {
      throw new MappingError(`${where}: transform "${pair.transform}" is unknown; use one of ${EVENT_TRANSFORMS.join(', ')}`);
    }
    if (pair.crmFields.length === 0) {
      throw new MappingError(`${where}: crmFields is empty; name the Salesforce field this pair writes`);
    }
    if (pair.transform === 'text' && !TEXT_FIELDS.has(pair.mailboxField)) {
      throw new MappingError(`${where}: the text transform applies to subject, location or body, not "${pair.mailboxField}"`);
    }
    if (pair.maxLength !== undefined && (!Number.isInteger(pair.maxLength) || pair.maxLength < 1)) {
      throw new MappingError(`${where}: maxLength ${pair.maxLength} is invalid; use the Salesforce field length, a positive integer`);
    }
  }

  if (!keys.has('span')) {
    throw new MappingError(`mapping "${mapping.name}": the span pair is missing; an event cannot be mirrored without its start and end`);
  }

  return mapping;
}
