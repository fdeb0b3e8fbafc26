import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { parseSignature, type SignatureFields, type SignatureHints } from '../src/linking/signature/parse-signature.ts';
import { htmlToText } from '../src/mailbox/graph/html-to-text.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusRoot = path.resolve(repoRoot, '..', 'shared', 'corpus');
const fixtureRoot = path.join(repoRoot, 'tests', 'fixtures', 'signatures');

const FIELDS = ['firstName', 'lastName', 'title', 'company', 'phone', 'mobilePhone', 'fax', 'website'] as const satisfies readonly (keyof SignatureFields)[];

/**
 * Wrong values in a CRM cost more than missing ones, so precision must be high on every field; recall may be lower
 * because a field the parser leaves empty is only not filled in.
 */
const MIN_PRECISION = 0.9;
const MIN_RECALL = 0.75;

interface Expectation {
  readonly file: string;
  readonly source: string;
  readonly hints?: SignatureHints;
  readonly expected: SignatureFields;
}

const expectations: Expectation[] = readdirSync(fixtureRoot)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({ file: name, ...(JSON.parse(readFileSync(path.join(fixtureRoot, name), 'utf8')) as Omit<Expectation, 'file'>) }));

async function inputOf(expectation: Expectation): Promise<{ text: string; hints: SignatureHints }> {
  if (expectation.source.startsWith('fixture:')) {
    return { text: readFileSync(path.join(fixtureRoot, expectation.source.slice('fixture:'.length)), 'utf8'), hints: expectation.hints! };
  }
  const bytes = readFileSync(path.join(corpusRoot, expectation.source));
  if (!expectation.source.endsWith('.eml')) {
    return { text: bytes.toString('utf8'), hints: expectation.hints! };
  }
  const email = await PostalMime.parse(bytes);
  const text = email.text ?? htmlToText(email.html ?? '');
  return { text, hints: { address: email.from?.address ?? null, displayName: email.from?.name || null } };
}

describe('signature parsing on the corpus', () => {
  it('finds every corpus email an expectation', () => {
    const emails = readdirSync(path.join(corpusRoot, 'eml')).filter((name) => name.endsWith('.eml'));
    const covered = new Set(expectations.map((expectation) => path.basename(expectation.source)));

    expect(emails.filter((name) => !covered.has(name))).toEqual([]);
  });

  it('meets precision and recall per field', async () => {
    const counts = Object.fromEntries(FIELDS.map((field) => [field, { predicted: 0, expected: 0, correct: 0 }]));
    const misses: string[] = [];

    for (const expectation of expectations) {
      const { text, hints } = await inputOf(expectation);
      const actual = parseSignature(text, hints);
      for (const field of FIELDS) {
        const want = expectation.expected[field];
        const got = actual[field];
        const count = counts[field]!;
        count.predicted += got === null ? 0 : 1;
        count.expected += want === null ? 0 : 1;
        count.correct += got !== null && got === want ? 1 : 0;
        if (got !== want) {
          misses.push(`${expectation.file} ${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
        }
      }
    }

    const report = FIELDS.map((field) => {
      const { predicted, expected, correct } = counts[field]!;
      return { field, precision: predicted === 0 ? 1 : correct / predicted, recall: expected === 0 ? 1 : correct / expected, predicted, expected };
    });
    console.info(`signature fields over ${expectations.length} messages:\n${report.map((row) => `  ${row.field}: precision ${row.precision.toFixed(2)} (${row.predicted} filled), recall ${row.recall.toFixed(2)} (${row.expected} expected)`).join('\n')}${misses.length === 0 ? '' : `\nmisses:\n  ${misses.join('\n  ')}`}`);

    for (const row of report) {
      expect.soft(row.precision, `precision of ${row.field}`).toBeGreaterThanOrEqual(MIN_PRECISION);
      expect.soft(row.recall, `recall of ${row.field}`).toBeGreaterThanOrEqual(MIN_RECALL);
    }
  });
});
