import type { Condition as LibCondition, WhereClause } from '@jetstreamapp/soql-parser-js';

/** One token of a WHERE clause: a comparison from the parser library, a logical operator or a parenthesis. */
export type WhereToken = { kind: 'cmp'; condition: LibCondition } | { kind: 'AND' | 'OR' | 'NOT' | '(' | ')' };

/**
 * Lays a WHERE clause out as tokens again. The parser library returns it as a right-leaning chain with
 * parenthesis counts on each comparison, so a small precedence parser over the tokens rebuilds the real tree.
 */
export function whereTokens(clause: WhereClause | undefined): WhereToken[] {
  const tokens: WhereToken[] = [];
  let node: WhereClause | undefined = clause;
  while (node) {
    const left = node.left as (LibCondition & { openParen?: number; closeParen?: number; field?: string }) | null;
    const operator = 'operator' in node ? node.operator : undefined;
    if (operator === 'NOT') {
      for (let i = 0; i < (left?.openParen ?? 0); i += 1) tokens.push({ kind: '(' });
      tokens.push({ kind: 'NOT' });
      node = 'right' in node ? node.right : undefined;
      continue;
    }
    if (left) {
      for (let i = 0; i < (left.openParen ?? 0); i += 1) tokens.push({ kind: '(' });
      tokens.push({ kind: 'cmp', condition: left });
      for (let i = 0; i < (left.closeParen ?? 0); i += 1) tokens.push({ kind: ')' });
    }
    if (operator === 'AND' || operator === 'OR') tokens.push({ kind: operator });
    node = 'right' in node ? node.right : undefined;
  }
  return tokens;
}
