import { SfError } from '../sf-error.ts';

/**
 * Builds a query error in Salesforce's format: the query line, a caret under the offending token, its row and
 * column (1-based), then the reason.
 */
export function soqlError(query: string, offset: number, errorCode: string, reason: string): SfError {
  const before = query.slice(0, Math.max(0, offset));
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = query.indexOf('\n', lineStart);
  const line = query.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  const column = offset - lineStart + 1;
  const caret = `${' '.repeat(Math.max(0, column - 1))}^`;
  return new SfError(400, errorCode, `\n${line}\n${caret}\nERROR at Row:${row}:Column:${column}\n${reason}`);
}

/** Finds where a word first appears in the query (case-insensitive, whole word) from `from` on, or the end. */
export function positionOf(query: string, word: string, from = 0): number {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?<![\\w.])${escaped}(?![\\w])`, 'i').exec(query.slice(from));
  return match ? from + match.index : query.length;
}
