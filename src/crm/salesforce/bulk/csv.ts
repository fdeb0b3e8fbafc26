/**
 * The CSV dialect of Bulk API 2.0 jobs as this connector sends them: comma-separated, LF line endings, every
 * field in double quotes with inner quotes doubled, so commas, quotes and line breaks in text survive.
 */

export function formatCsv(rows: readonly (readonly string[])[]): string {
  let text = '';
  for (const row of rows) {
    text += `${row.map((field) => `"${field.replaceAll('"', '""')}"`).join(',')}\n`;
  }
  return text;
}

/** Parse CSV with quoted or bare fields and LF or CRLF line endings; a trailing line break ends the last row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let position = 0;

  while (position < text.length) {
    const char = text[position]!;
    if (quoted) {
      if (char === '"' && text[position + 1] === '"') {
        field += '"';
        position += 2;
        continue;
      }
      if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
      position += 1;
      continue;
    }

    if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      position += char === '\r' && text[position + 1] === '\n' ? 1 : 0;
    } else {
      field += char;
    }
    position += 1;
  }

  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
