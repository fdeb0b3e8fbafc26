import { ConnectorError } from '../../domain/errors.ts';
import type { FieldIndex } from './value-checks.ts';

/** A mapping pair's needs of one Salesforce field; the engine derives them from the kind's table. */
export interface FieldRequirement {
  readonly field: string;
  /** Names the pair in messages, e.g. `orgs[0].mappings.task, pair "reminder"`. */
  readonly source: string;
  /** True when the pair writes the field to Salesforce; its direction is named in messages. */
  readonly writes: boolean;
  readonly direction: string;
  /** Describe types the pair's transform converts; empty: any type. */
  readonly types: readonly string[];
  /** The length the pair cuts text at, which must fit the field. */
  readonly maxLength?: number;
}

export interface RequirementContext {
  readonly sobject: string;
  readonly requirements: readonly FieldRequirement[];
  /** True when the kind creates records of the object: fields Salesforce requires on create must be written. */
  readonly createsRecords: boolean;
  /** Fields the object requires on create (createable, not nillable, not defaulted). */
  readonly requiredOnCreate: readonly string[];
  /** Fields the connector fills itself on create: OwnerId and the sync id field. */
  readonly filledByConnector: readonly string[];
}

/**
 * Check the table's fields against the object's describe at the start of a session. Each field must exist, have a
 * type the transform converts, fit the pair's text length, and be editable by the integration user where the pair
 * writes it. Every field Salesforce requires on create must be written. Throws a `suspend` failure listing every
 * problem, each naming the table, the pair, the field and the fix, because every write of the kind would fail alike.
 */
export function assertRequirements(index: FieldIndex, context: RequirementContext): void {
  const problems = context.requirements.flatMap((requirement) => requirementProblems(index, context, requirement));
  if (context.createsRecords) {
    const written = new Set([...context.requirements.filter((requirement) => requirement.writes).map((requirement) => requirement.field), ...context.filledByConnector].map((name) => name.toLowerCase()));
    for (const name of context.requiredOnCreate) {
      if (!written.has(name.toLowerCase())) {
        problems.push(`${context.sobject}.${name} is required to create a record, but no pair of the mapping writes it: add a pair that writes it, or make the kind crmToMailbox so Syncline creates no ${context.sobject} records`);
      }
    }
  }
  if (problems.length === 0) {
    return;
  }
  throw new ConnectorError({
    kind: 'suspend',
    code: 'MAPPING_NOT_IN_ORG',
    message: `The field mapping does not fit the org's ${context.sobject} object: ${problems.join('; ')}`,
    fields: context.requirements.map((requirement) => requirement.field),
  });
}

function requirementProblems(index: FieldIndex, context: RequirementContext, requirement: FieldRequirement): string[] {
  const name = `${context.sobject}.${requirement.field}`;
  const field = index.get(requirement.field.toLowerCase());
  if (field === undefined) {
    return [`${requirement.source}: the field ${name} does not exist, or the integration user cannot see it: create it (or give the user read access), or change the pair's crmField`];
  }

  const problems: string[] = [];
  if (requirement.types.length > 0 && !requirement.types.includes(field.type)) {
    problems.push(`${requirement.source}: ${name} is a ${field.type} field, but the pair's transform converts ${requirement.types.join(', ')} fields: map a field of such a type, or change the transform`);
  }
  if (requirement.maxLength !== undefined && field.length > 0 && requirement.maxLength > field.length) {
    problems.push(`${requirement.source}: ${name} holds ${field.length} characters but the pair cuts text at ${requirement.maxLength}: set the transform's maxLength to ${field.length}`);
  }
  if (requirement.writes && (!field.updateable || (context.createsRecords && !field.createable))) {
    const action = field.updateable ? 'set on create' : 'edited';
    problems.push(`${requirement.source}: ${name} cannot be ${action} by the integration user, but the pair writes it to Salesforce (direction ${requirement.direction}): give the user edit access to the field, or set the pair's direction to crmToMailbox or off`);
  }
  return problems;
}
