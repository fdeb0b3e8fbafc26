import type { z } from 'zod';

/** Keys whose values are never echoed back in a message, because they hold credentials. */
const SECRET_KEY = /secret|token|password|connectionString|privateKey/i;

/**
 * Turn zod issues into one line per problem, each naming the key path and the fix, e.g.
 * `orgs[0].salesforce.apiVersion: expected a version like 62.0, got '62'`.
 */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[], variables: ReadonlyMap<string, string>): string[] {
  return issues.flatMap((issue) => formatIssue(issue, variables));
}

export function formatKeyPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
      continue;
    }
    text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(top level)' : text;
}

function formatIssue(issue: z.core.$ZodIssue, variables: ReadonlyMap<string, string>): string[] {
  const where = formatKeyPath(issue.path);

  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatKeyPath([...issue.path, key])}: unknown key; remove it or correct its spelling`);
  }

  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [missingMessage(where, issue.message, variables)];
  }

  if (issue.code === 'invalid_value') {
    const options = issue.values.map((value) => `'${String(value)}'`).join(', ');
    return [`${where}: expected one of ${options}${describeInput(issue.path, issue.input)}`];
  }

  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
    // zod 4 adds `options` to a discriminated union's issue without declaring it on the issue type.
    const known = (issue as { options?: readonly unknown[] }).options ?? [];
    const options = known.map((value) => `'${String(value)}'`).join(', ');
    const input = isRecord(issue.input) ? issue.input[issue.discriminator] : undefined;
    return [`${where}: expected one of ${options}${describeInput(issue.path, input)}`];
  }

  // "expected at least one org" names what is wrong with the list, so ", got a list" would add nothing.
  if (issue.code === 'too_small' && issue.origin === 'array') {
    return [`${where}: ${issue.message}`];
  }

  // A custom check on an object already names the values it compared; the whole object would add nothing.
  if (issue.code === 'custom' && typeof issue.input === 'object') {
    return [`${where}: ${issue.message}`];
  }
  return [`${where}: ${issue.message}${describeInput(issue.path, issue.input)}`];
}

function missingMessage(where: string, message: string, variables: ReadonlyMap<string, string>): string {
  const expected = message.startsWith('expected') ? message : 'a value is required';
  const variable = variables.get(where);
  if (variable !== undefined) {
    return `${where}: missing; ${expected}, in the file or in the environment variable ${variable}`;
  }
  return `${where}: missing; ${expected}`;
}

function describeInput(path: readonly PropertyKey[], input: unknown): string {
  const key = path[path.length - 1];
  if (typeof key === 'string' && SECRET_KEY.test(key)) {
    return '';
  }

  if (typeof input === 'string') {
    return `, got '${input.length > 80 ? `${input.slice(0, 80)}…` : input}'`;
  }

  if (typeof input === 'number' || typeof input === 'boolean' || input === null) {
    return `, got ${String(input)}`;
  }

  if (Array.isArray(input)) {
    return ', got a list';
  }

  if (typeof input === 'object') {
    return ', got an object';
  }
  return '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
