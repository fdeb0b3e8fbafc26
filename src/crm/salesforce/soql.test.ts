import { describe, expect, it } from 'vitest';
import { chunkForInList, parseSalesforceDatetime, soqlDatetime, soqlInList, soqlString } from './soql.ts';

describe('soql literals', () => {
  it('escapes quotes and backslashes', () => {
    expect(soqlString("O'Brien")).toBe("'O\\'Brien'");
    expect(soqlString('a\\b')).toBe("'a\\\\b'");
    expect(soqlString("\\'")).toBe("'\\\\\\''");
  });

  it('escapes control characters and double quotes', () => {
    expect(soqlString('a\nb\r\tc"d')).toBe("'a\\nb\\r\\tc\\\"d'");
  });

  it('keeps an injection attempt inside the literal', () => {
    const literal = soqlString("x' OR Id != '");
    expect(literal).toBe("'x\\' OR Id != \\''");
  });

  it('writes datetimes in UTC whole seconds', () => {
    expect(soqlDatetime('2026-05-04T15:00:00.750+02:00')).toBe('2026-05-04T13:00:00Z');
    expect(soqlDatetime('2026-05-04T13:00:00.000+0000')).toBe('2026-05-04T13:00:00Z');
  });

  it('refuses a value that is no instant', () => {
    expect(() => soqlDatetime("2026-05-04' OR ''='")).toThrow(/SOQL datetime/);
  });

  it('parses the Salesforce datetime form', () => {
    expect(parseSalesforceDatetime('2026-05-04T13:00:00.000+0000')).toBe(Date.parse('2026-05-04T13:00:00Z'));
    expect(parseSalesforceDatetime('nope')).toBeUndefined();
  });

  it('builds IN lists', () => {
    expect(soqlInList(['a', "b'"])).toBe("('a', 'b\\'')");
  });

  it('chunks IN lists by count and length', () => {
    const ids = Array.from({ length: 450 }, (_, index) => `00U${String(index).padStart(15, '0')}`);
    const chunks = chunkForInList(ids);
    expect(chunks.map((chunk) => chunk.length)).toEqual([181, 181, 88]);
    expect(chunks.flat()).toEqual(ids);
    const long = chunkForInList(['x'.repeat(3000), 'y'.repeat(3000)]);
    expect(long).toHaveLength(2);
  });
});
