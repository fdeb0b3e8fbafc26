import { GraphError } from './graph-error.ts';
import type { MessageRecord } from './mail-record.ts';

/**
 * `$filter` on messages. Message delta supports only `receivedDateTime ge {value}` and `receivedDateTime gt
 * {value}` (message: delta, OData query parameters), so that is all a delta request may send. Message lists
 * also take `internetMessageId eq '…'`, `isRead eq true|false` and `categories/any(c: c eq '…')`, joined by `and`.
 */
export type MessagePredicate = (message: MessageRecord) => boolean;

const RECEIVED = /^receivedDateTime\s+(ge|gt)\s+(\S+)$/i;
const MESSAGE_ID = /^internetMessageId\s+eq\s+'((?:[^']|'')*)'$/i;
const IS_READ = /^isRead\s+eq\s+(true|false)$/i;
const CATEGORY = /^categories\/any\(\s*(\w+)\s*:\s*\1\s+eq\s+'((?:[^']|'')*)'\s*\)$/i;

export function parseMessageFilter(filter: string | undefined, where: 'delta' | 'list'): MessagePredicate | null {
  if (filter === undefined || filter.trim() === '') {
    return null;
  }

  const clauses = filter.trim().split(/\s+and\s+/i);
  if (where === 'delta' && clauses.length > 1) {
    throw deltaFilterError(filter);
  }

  const predicates = clauses.map((clause) => parseClause(clause.trim(), where));
  return (message) => predicates.every((predicate) => predicate(message));
}

function parseClause(clause: string, where: 'delta' | 'list'): MessagePredicate {
  const received = RECEIVED.exec(clause);
  if (received) {
    const limitMs = Date.parse(received[2] ?? '');
    if (Number.isNaN(limitMs)) {
      throw new GraphError(400, 'BadRequest', `Cannot read the date '${received[2]}' in $filter; write ISO 8601 such as 2026-11-01T00:00:00Z.`);
    }
    const inclusive = received[1]?.toLowerCase() === 'ge';
    return (message) => {
      const receivedMs = Date.parse(message.receivedDateTime);
      return inclusive ? receivedMs >= limitMs : receivedMs > limitMs;
    };
  }

  if (where === 'delta') {
    throw deltaFilterError(clause);
  }

  const messageId = MESSAGE_ID.exec(clause);
  if (messageId) {
    const wanted = (messageId[1] ?? '').replace(/''/g, "'");
    return (message) => message.internetMessageId === wanted;
  }

  const isRead = IS_READ.exec(clause);
  if (isRead) {
    const wanted = isRead[1]?.toLowerCase() === 'true';
    return (message) => message.isRead === wanted;
  }

  const category = CATEGORY.exec(clause);
  if (category) {
    const wanted = (category[2] ?? '').replace(/''/g, "'").toLowerCase();
    return (message) => message.categories.some((name) => name.toLowerCase() === wanted);
  }

  throw new GraphError(400, 'BadRequest', `Invalid filter clause: ${clause}`);
}

function deltaFilterError(filter: string): GraphError {
  return new GraphError(
    400,
    'ErrorInvalidUrlQueryFilter',
    `The filter '${filter}' is not supported with message delta; the only supported forms are 'receivedDateTime ge {value}' and 'receivedDateTime gt {value}'.`,
  );
}
