import { describe, expect, it } from 'vitest';

import { cutToLength } from './text-limit.ts';

describe('cutToLength', () => {
  it('keeps text within the limit', () => {
    expect(cutToLength('Board meeting', 255)).toBe('Board meeting');
  });

  it('marks a cut', () => {
    expect(cutToLength('abcdefghij', 5)).toBe('abcd…');
  });

  it('counts an emoji as two units', () => {
    const subject = '👍'.repeat(200);
    const cut = cutToLength(subject, 255);
    expect(cut.length).toBeLessThanOrEqual(255);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.length).toBe(255);
  });

  it('never splits a surrogate pair', () => {
    const cut = cutToLength('ab👍cd', 4);
    expect(cut).toBe('ab…');
  });
});
