import { createHash } from 'node:crypto';

import type { MappedValue, MappedValues } from '../domain/link.ts';

/** JSON with object keys sorted, so equal values always give equal text. */
export function stableStringify(value: MappedValue | MappedValues): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value);
  }

  if (Array.isArray(value)) {
    return `[${value.map((entry: MappedValue) => stableStringify(entry)).join(',')}]`;
  }

  const entries = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, MappedValue>)[key] ?? null)}`);
  return `{${entries.join(',')}}`;
}

export function valuesEqual(left: MappedValue | undefined, right: MappedValue | undefined): boolean {
  return stableStringify(left ?? null) === stableStringify(right ?? null);
}

/** The content hash of an item's mapped values. */
export function contentHash(values: MappedValues): string {
  return createHash('sha256').update(stableStringify(values)).digest('base64url');
}
