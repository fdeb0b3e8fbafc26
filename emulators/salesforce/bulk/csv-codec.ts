/**
 * CSV as Bulk API 2.0 reads and writes it: RFC 4180 quoting (a field holding the delimiter, a quote or a line
 * break is enclosed in double quotes, and a quote inside is doubled), one of six column delimiters, LF or CRLF.
 */

export const COLUMN_DELIMITERS = {
  BACKQUOTE: '`', CARET: '^', COMMA: ',', PIPE: '|', SEMICOLON: ';', TAB: '\t',
} as const;
export type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS;

export const LINE_ENDINGS = { LF: '\n', CRLF: '\r\n' } as const;
export type LineEnding = keyof typeof LINE_ENDINGS;

/** Thrown for text that is not CSV (an unclosed quote, a stray character after a closing quote). */
export class CsvSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** Splits CSV text into rows of fields. A blank last line is no row. */
export function parseCsv(text: string, delimiter: ColumnDelimiter = 'COMMA'): string[][] {
  const separator = COLUMN_DELIMITERS[delimiter];
  const rows: string[][] = [];
  let row: string[] = [];
  let position = 0;

  while (position < text.length) {
    const { value, next } = readField(text, position, separator);
    row.push(value);
    position = next;
    const char = text[position];
    if (char === separator) {
      position += 1;
      if (position === text.length) row.push('');
      continue;
    }
    rows.push(row);
    row = [];
    position += char === '\r' && text[position + 1] === '\n' ? 2 : 1;
  }
  return rows;
}

function readField(text: string, start: number, separator: string): { value: string; next: number } {
  if (text[start] !== '"') {
    let end = start;
    while (end < text.length && text[end] !== separator && text[end] !== '\n' && text[end] !== '\r') end += 1;
    return { value: text.slice(start, end), next: end };
  }

  let value = '';
  let position = start + 1;
  for (;;) {
    const close = text.indexOf('"', position);
    if (close === -1) throw new CsvSyntaxError(`unclosed quote in the field that starts at character ${start}`);
    value += text.slice(position, close);
    if (text[close + 1] === '"') {
      value += '"';
      position = close + 2;
      continue;
    }
    const after = text[close + 1];
    if (after !== undefined && after !== separator && after !== '\n' && after !== '\r') {
      throw new CsvSyntaxError(`unexpected character after the closing quote at character ${close}`);
    }
    return { value, next: close + 1 };
  }
}

/** Writes rows as CSV, quoting every field, as Salesforce's result files do. */
export function formatCsv(rows: readonly (readonly string[])[], delimiter: ColumnDelimiter = 'COMMA',
  lineEnding: LineEnding = 'LF'): string {
  const separator = COLUMN_DELIMITERS[delimiter];
  const newline = LINE_ENDINGS[lineEnding];
  return rows.map((row) => row.map((field) => `"${field.replaceAll('"', '""')}"`).join(separator) + newline).join('');
}
