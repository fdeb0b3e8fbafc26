import { GraphError } from './graph-error.ts';
import { instantOf, midnightOf, resolveZone, wallDateOf } from './zones.ts';

/**
 * Readers for the property values of To Do task and contact bodies. Each names the property and the expected
 * value in its 400 error, under the error code the resource family uses: `invalidRequest` for To Do, and
 * `BadRequest` for contacts, as for events.
 */
export class InputReader {
  constructor(private readonly code: string) {}

  error(message: string): GraphError {
    return new GraphError(400, this.code, message);
  }

  object(value: unknown, property: string): Record<string, unknown> {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw this.error(`Property '${property}' needs a JSON object.`);
    }
    return value as Record<string, unknown>;
  }

  string(value: unknown, property: string): string {
    if (typeof value !== 'string') {
      throw this.error(`Property '${property}' needs a string, got ${JSON.stringify(value)}.`);
    }
    return value;
  }

  nullableString(value: unknown, property: string): string | null {
    return value === null ? null : this.string(value, property);
  }

  boolean(value: unknown, property: string): boolean {
    if (typeof value !== 'boolean') {
      throw this.error(`Property '${property}' needs true or false, got ${JSON.stringify(value)}.`);
    }
    return value;
  }

  stringArray(value: unknown, property: string): string[] {
    if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
      throw this.error(`Property '${property}' needs an array of strings.`);
    }
    return [...(value as string[])];
  }

  /** Graph enums match case-insensitively and come back in their canonical spelling. */
  enumValue<T extends string>(value: unknown, property: string, allowed: readonly T[]): T {
    const text = typeof value === 'string' ? value.toLowerCase() : '';
    const found = allowed.find((candidate) => candidate.toLowerCase() === text);
    if (found === undefined) {
      throw this.error(`Property '${property}' has the value ${JSON.stringify(value)}; use one of ${allowed.join(', ')}.`);
    }
    return found;
  }

  body(value: unknown, property = 'body'): { contentType: 'text' | 'html'; content: string } {
    const body = this.object(value, property);
    const contentType = body.contentType === undefined ? 'text' : this.enumValue(body.contentType, `${property}.contentType`, ['text', 'html'] as const);
    return { contentType, content: typeof body.content === 'string' ? body.content : '' };
  }

  /** Read a `dateTimeTimeZone` as an instant. Null clears the property. */
  instant(value: unknown, property: string): number | null {
    if (value === null) {
      return null;
    }

    const { dateTime, zone } = this.dateTimeTimeZone(value, property);
    const ms = instantOf(dateTime, zone);
    if (ms === null) {
      throw this.error(`Property '${property}.dateTime' ${JSON.stringify(dateTime)} is not a date-time like 2020-07-25T16:00:00.`);
    }
    return ms;
  }

  /** Read a `dateTimeTimeZone` that names a date as the instant of midnight of that date in its zone. */
  dateMidnight(value: unknown, property: string): number | null {
    if (value === null) {
      return null;
    }

    const { dateTime, zone } = this.dateTimeTimeZone(value, property);
    const wall = wallDateOf(dateTime);
    if (wall === null) {
      throw this.error(`Property '${property}.dateTime' ${JSON.stringify(dateTime)} is not a date-time like 2020-07-25T00:00:00.`);
    }
    const ms = midnightOf(wall.date, zone);
    if (Number.isNaN(ms)) {
      throw this.error(`Property '${property}.dateTime' ${JSON.stringify(dateTime)} names no valid date.`);
    }
    return ms;
  }

  private dateTimeTimeZone(value: unknown, property: string): { dateTime: string; zone: string } {
    const input = this.object(value, property);
    const dateTime = this.string(input.dateTime, `${property}.dateTime`);
    const zoneName = input.timeZone === undefined || input.timeZone === null ? 'UTC' : this.string(input.timeZone, `${property}.timeZone`);
    const zone = resolveZone(zoneName);
    if (zone === null) {
      throw this.error(`Property '${property}.timeZone' ${JSON.stringify(zoneName)} is not a known time zone; use an IANA or Windows zone name, or UTC.`);
    }
    return { dateTime, zone };
  }
}
