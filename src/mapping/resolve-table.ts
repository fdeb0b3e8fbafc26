import type { ObjectKind } from '../domain/link.ts';
import { DIRECTIONS, type Direction, type FieldPair, type MappingTable, type TransformSpec, type TransformType } from './field-pair.ts';
import { defaultMappingOf } from './kind-catalogs.ts';
import { effectiveDirection, narrowDirection } from './project.ts';
import { mappingProblems } from './validate-mapping.ts';

/** One entry of an org's `pairs`: changes to the default pair with the same key, or a new pair. */
export interface PairOverride {
  readonly key: string;
  /** The mailbox field; null (or absent on a new pair) only for a constant. */
  readonly mailboxField?: string | null;
  readonly crmField?: string;
  readonly crmFields?: readonly string[];
  readonly direction?: Direction;
  /** A transform name for transforms without settings, or the full transform. */
  readonly transform?: TransformType | TransformSpec;
  readonly userAdjustable?: boolean;
}

/** An org's changes to one kind's table, as written in the configuration file. */
export interface TableOverride {
  readonly direction?: Direction;
  readonly crmObject?: string;
  readonly pairs?: readonly PairOverride[];
  /** Keys of default pairs to leave out. */
  readonly remove?: readonly string[];
}

/** A mailbox's own choices: pair key to a narrower direction. */
export type UserAdjustments = Readonly<Record<string, Direction>>;

export interface Resolved {
  readonly table: MappingTable;
  readonly problems: readonly string[];
}

/**
 * Build an org's table for a kind: the default table with the org's pairs merged over it by key and the removed keys
 * left out. An org that mirrors the kind with another Salesforce object (`crmObject`) starts from an empty table,
 * because the default pairs name the standard object's fields. `where` names the table in every problem, e.g.
 * `orgs[0].mappings.task`.
 */
export function resolveTable(kind: ObjectKind, override: TableOverride | undefined, where: string): Resolved {
  const defaults = defaultMappingOf(kind);
  const ownObject = override?.crmObject === undefined || override.crmObject.toLowerCase() === defaults.crmObject.toLowerCase();
  const problems: string[] = [];
  const pairs = new Map<string, FieldPair>(ownObject ? defaults.pairs.map((pair) => [pair.key, pair]) : []);

  for (const key of override?.remove ?? []) {
    if (!pairs.delete(key)) {
      problems.push(`${where}.remove: no pair has the key "${key}"; use one of ${[...pairs.keys()].join(', ') || '(none: the table has no default pairs)'}`);
    }
  }

  const seen = new Set<string>();
  for (const [index, entry] of (override?.pairs ?? []).entries()) {
    const at = `${where}.pairs[${index}] ("${entry.key}")`;
    if (seen.has(entry.key)) {
      problems.push(`${at}: key "${entry.key}" appears twice in pairs; merge the two entries`);
      continue;
    }
    seen.add(entry.key);
    if (override?.remove?.includes(entry.key) === true) {
      problems.push(`${at}: the key is also in remove; keep it in one of the two lists`);
      continue;
    }
    const merged = mergePair(pairs.get(entry.key), entry, at, problems);
    if (merged !== null) {
      pairs.set(entry.key, merged);
    }
  }

  const table: MappingTable = {
    name: where,
    kind,
    crmObject: override?.crmObject ?? defaults.crmObject,
    direction: override?.direction ?? defaults.direction,
    pairs: [...pairs.values()],
  };
  return { table, problems: problems.length > 0 ? problems : mappingProblems(table) };
}

function mergePair(base: FieldPair | undefined, entry: PairOverride, at: string, problems: string[]): FieldPair | null {
  const transform = entry.transform === undefined ? base?.transform : toSpec(entry.transform, at, problems);
  const crmFields = entry.crmFields ?? (entry.crmField === undefined ? base?.crmFields : [entry.crmField]);
  if (entry.crmField !== undefined && entry.crmFields !== undefined) {
    problems.push(`${at}: give crmField or crmFields, not both`);
    return null;
  }
  if (transform === undefined || crmFields === undefined) {
    const missing = [transform === undefined ? 'transform' : null, crmFields === undefined ? 'crmField' : null].filter(Boolean).join(' and ');
    problems.push(`${at}: a new pair needs ${missing}; or use the key of a default pair to change it`);
    return null;
  }

  const mailboxField = entry.mailboxField !== undefined ? entry.mailboxField : (base?.mailboxField ?? null);
  return {
    key: entry.key,
    mailboxField,
    crmFields,
    direction: entry.direction ?? base?.direction ?? (transform.type === 'constant' ? 'mailboxToCrm' : 'both'),
    transform,
    userAdjustable: entry.userAdjustable ?? base?.userAdjustable ?? false,
  };
}

function toSpec(transform: TransformType | TransformSpec, at: string, problems: string[]): TransformSpec | undefined {
  if (typeof transform !== 'string') {
    return transform;
  }
  if (transform === 'picklist' || transform === 'constant') {
    problems.push(`${at}: the ${transform} transform needs settings; give transform as an object such as ${transform === 'picklist' ? '{"type": "picklist", "toCrm": {…}, "crmDefault": …, "mailboxDefault": …}' : '{"type": "constant", "value": …}'}`);
    return undefined;
  }
  return { type: transform } as TransformSpec;
}

/**
 * Apply a mailbox's own choices to its org's table. Only a pair the org marked `userAdjustable` may change, and only
 * to a direction no wider than the org's: turned off, or narrowed to one way.
 */
export function adjustTable(table: MappingTable, adjustments: UserAdjustments | undefined, where: string): Resolved {
  const problems: string[] = [];
  const changed = new Map<string, Direction>();
  for (const [key, requested] of Object.entries(adjustments ?? {})) {
    const at = `${where}.${key}`;
    const pair = table.pairs.find((candidate) => candidate.key === key);
    if (pair === undefined) {
      problems.push(`${at}: ${table.name} has no pair with this key; use one of ${table.pairs.map((candidate) => candidate.key).join(', ')}`);
      continue;
    }
    if (!DIRECTIONS.includes(requested)) {
      problems.push(`${at}: direction "${String(requested)}" is invalid; use one of ${DIRECTIONS.join(', ')}`);
      continue;
    }
    if (!pair.userAdjustable) {
      problems.push(`${at}: the org does not let mailboxes change this pair; remove the setting, or have an admin mark the pair userAdjustable in ${table.name}`);
      continue;
    }
    const allowedDirection = effectiveDirection(table, pair);
    if (narrowDirection(allowedDirection, requested) !== requested) {
      problems.push(`${at}: ${requested} is wider than the org allows (${allowedDirection}); use ${allowedNarrowings(allowedDirection).join(' or ')}`);
      continue;
    }
    changed.set(key, requested);
  }

  const pairs = table.pairs.map((pair) => (changed.has(pair.key) ? { ...pair, direction: changed.get(pair.key) ?? pair.direction } : pair));
  return { table: { ...table, pairs }, problems };
}

function allowedNarrowings(direction: Direction): Direction[] {
  return DIRECTIONS.filter((candidate) => narrowDirection(direction, candidate) === candidate);
}
