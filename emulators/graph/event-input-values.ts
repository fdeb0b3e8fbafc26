import type { ExtendedProperty } from './event-record.ts';
import { GraphError } from './graph-error.ts';
import type { GraphAttendeeSeed, GraphEmailAddress } from './seed-types.ts';

/** Readers for the structured event properties of POST and PATCH bodies. */

const ATTENDEE_TYPES = ['required', 'optional', 'resource'] as const;
const RESPONSES = ['none', 'organizer', 'tentativelyAccepted', 'accepted', 'declined', 'notResponded'] as const;
/** Graph's default for a response time never set. */
export const NO_RESPONSE_TIME = '0001-01-01T00:00:00Z';

// Graph enums are matched case-insensitively (`"type": "Required"` in the documented create request) and
// returned in their canonical camelCase spelling.
export function readEnum<T extends string>(value: unknown, property: string, allowed: readonly T[]): T {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  const found = allowed.find((candidate) => candidate.toLowerCase() === text);
  if (found === undefined) {
    throw new GraphError(
      400,
      'BadRequest',
      `Property '${property}' has the value ${JSON.stringify(value)}; use one of ${allowed.join(', ')}.`,
    );
  }
  return found;
}

function readEmailAddress(value: unknown, property: string): GraphEmailAddress {
  const email = value as { address?: unknown; name?: unknown } | null;
  if (!email || typeof email !== 'object' || typeof email.address !== 'string') {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs an emailAddress with an 'address' string.`);
  }
  const name = typeof email.name === 'string' ? email.name : email.address;
  return { name, address: email.address };
}

export function readAttendees(value: unknown): GraphAttendeeSeed[] {
  if (!Array.isArray(value)) {
    throw new GraphError(400, 'BadRequest', "Property 'attendees' needs an array.");
  }

  return value.map((entry: unknown, index) => {
    const attendee = (entry ?? {}) as { type?: unknown; status?: { response?: unknown; time?: unknown }; emailAddress?: unknown };
    const response = attendee.status?.response === undefined ? 'none' : readEnum(attendee.status.response, `attendees[${index}].status.response`, RESPONSES);
    return {
      type: attendee.type === undefined ? 'required' : readEnum(attendee.type, `attendees[${index}].type`, ATTENDEE_TYPES),
      status: { response, time: typeof attendee.status?.time === 'string' ? attendee.status.time : NO_RESPONSE_TIME },
      emailAddress: readEmailAddress(attendee.emailAddress, `attendees[${index}].emailAddress`),
    };
  });
}

export function readOrganizer(value: unknown): { emailAddress: GraphEmailAddress } | null {
  if (value === null) {
    return null;
  }
  const organizer = value as { emailAddress?: unknown };
  return { emailAddress: readEmailAddress(organizer?.emailAddress, 'organizer.emailAddress') };
}

export function readLocation(value: unknown): Record<string, unknown> {
  if (value === null) {
    return { displayName: '' };
  }
  const location = value as { displayName?: unknown } | null;
  if (!location || typeof location !== 'object' || Array.isArray(location)) {
    throw new GraphError(400, 'BadRequest', "Property 'location' needs an object with a 'displayName'.");
  }
  return { ...location, displayName: typeof location.displayName === 'string' ? location.displayName : '' };
}

const PROPERTY_TYPES = 'Binary|Boolean|Currency|CLSID|Double|Float|Integer|Long|Object|Short|String|SystemTime|BinaryArray|CurrencyArray|CLSIDArray|DoubleArray|FloatArray|IntegerArray|LongArray|ShortArray|StringArray|SystemTimeArray';
const PROPERTY_ID = new RegExp(
  `^(${PROPERTY_TYPES})\\s+(\\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\}\\s+(Name\\s+\\S.*|Id\\s+0x[0-9a-f]+)|0x[0-9a-f]{1,4})$`,
  'i',
);

/** Ids in the three documented forms: `{type} {guid} Name {name}`, `{type} {guid} Id {hex}`, `{type} {proptag}`. */
function isValidPropertyId(id: string): boolean {
  return PROPERTY_ID.test(id.trim());
}

export function readExtendedProperties(value: unknown): ExtendedProperty[] {
  if (!Array.isArray(value)) {
    throw new GraphError(400, 'BadRequest', "Property 'singleValueExtendedProperties' needs an array of { id, value }.");
  }

  return value.map((entry: unknown, index) => {
    const property = (entry ?? {}) as { id?: unknown; value?: unknown };
    if (typeof property.id !== 'string' || !isValidPropertyId(property.id)) {
      throw new GraphError(
        400,
        'ErrorInvalidProperty',
        `singleValueExtendedProperties[${index}].id ${JSON.stringify(property.id)} is not a valid property id; write it like 'String {00020329-0000-0000-c000-000000000046} Name MyProperty'.`,
      );
    }
    if (typeof property.value !== 'string') {
      throw new GraphError(400, 'BadRequest', `singleValueExtendedProperties[${index}].value needs a string.`);
    }
    return { id: property.id.trim(), value: property.value };
  });
}
