import { describe, expect, it } from 'vitest';
import { isSalesforceId } from './record-id.ts';

describe('isSalesforceId', () => {
  it('accepts 18-character ids with a matching suffix', () => {
    expect(isSalesforceId('001xx000003DGb2AAG')).toBe(true);
    expect(isSalesforceId('003xx000004TmiQAAS')).toBe(true);
  });

  it('accepts 15-character ids', () => {
    expect(isSalesforceId('001xx000003DGb2')).toBe(true);
  });

  it('rejects a wrong suffix, length or character', () => {
    expect(isSalesforceId('001xx000003DGb2AAA')).toBe(false);
    expect(isSalesforceId('001xx000003DGb')).toBe(false);
    expect(isSalesforceId("001xx000003DGb2'")).toBe(false);
  });
});
