import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorize, type EmulatorServices } from '../api-context.ts';
import { GoogleApiError, invalid, notFound, required } from '../google-error.ts';
import { newOpaqueEtag } from '../ids.ts';
import { jsonBody, queryOf } from '../json-body.ts';
import type { UserState } from '../state.ts';
import { checkNewPerson, createPerson, deletePerson, getPerson, listConnections, parseFieldMask, PERSON_FIELDS, personView, updatePerson } from './people-store.ts';

/**
 * People API v1 for the user's own contacts. Its custom methods put a colon in the path (`people:batchGet`,
 * `people/c1:updateContact`), so one wildcard route reads the path itself.
 */

/** People's batch methods take at most 200 contacts per call. */
const MAX_BATCH = 200;

export function registerPeopleRoutes(app: FastifyInstance, services: EmulatorServices): void {
  const access = (request: FastifyRequest, method: string, write: boolean): UserState => authorize(services, request, { api: 'people', method, write }).user;
  const changed = <T>(value: T): T => {
    services.onChange();
    return value;
  };

  app.route({
    method: ['GET', 'POST', 'PATCH', 'DELETE'],
    url: '/v1/*',
    handler: async (request, reply) => {
      const path = decodeURIComponent(request.url.split('?')[0] ?? '').slice('/v1/'.length);
      const params = queryOf(request);
      const route = `${request.method} ${path}`;

      if (route === 'GET people/me/connections') return listConnections(access(request, 'connections.list', false), params);
      if (route === 'GET people:batchGet') return batchGet(access(request, 'people.batchGet', false), params);
      if (route === 'POST people:createContact') {
        const user = access(request, 'people.createContact', true);
        return changed(personView(createPerson(user, jsonBody(request)), fieldsOrAll(params.get('personFields'))));
      }
      if (route === 'POST people:batchCreateContacts') return changed(batchCreate(access(request, 'people.batchCreateContacts', true), jsonBody(request)));
      if (route === 'GET contactGroups') return listGroups(access(request, 'contactGroups.list', false));
      if (route === 'POST contactGroups') return changed(createGroup(access(request, 'contactGroups.create', true), jsonBody(request)));

      const custom = /^(people\/[^/:]+)(?::(updateContact|deleteContact))?$/.exec(path);
      if (custom === null) {
        throw notFound(`Method ${route}`);
      }
      const [, resourceName = '', verb] = custom;
      if (request.method === 'GET' && verb === undefined) {
        return personView(getPerson(access(request, 'people.get', false), resourceName), parseFieldMask(params.get('personFields'), 'personFields'));
      }
      if (request.method === 'PATCH' && verb === 'updateContact') {
        const user = access(request, 'people.updateContact', true);
        const fields = parseFieldMask(params.get('updatePersonFields'), 'updatePersonFields');
        return changed(personView(updatePerson(user, resourceName, jsonBody(request), fields), fieldsOrAll(params.get('personFields'))));
      }
      if (request.method === 'DELETE' && verb === 'deleteContact') {
        deletePerson(access(request, 'people.deleteContact', true), resourceName);
        services.onChange();
        return reply.send({});
      }
      throw notFound(`Method ${route}`);
    },
  });
}

function fieldsOrAll(mask: string | null): ReturnType<typeof parseFieldMask> {
  return mask === null ? [...PERSON_FIELDS] : parseFieldMask(mask, 'personFields');
}

function batchGet(user: UserState, params: URLSearchParams): Record<string, unknown> {
  const fields = parseFieldMask(params.get('personFields'), 'personFields');
  const names = params.getAll('resourceNames');
  if (names.length === 0 || names.length > MAX_BATCH) {
    throw invalid(`resourceNames must name 1 to ${MAX_BATCH} people; got ${names.length}.`);
  }
  return {
    responses: names.map((resourceName) => {
      const record = user.people.persons[resourceName];
      if (!record || record.deleted) {
        return { requestedResourceName: resourceName, httpStatusCode: 404, status: { code: 5, message: 'Requested entity was not found.' } };
      }
      return { requestedResourceName: resourceName, httpStatusCode: 200, person: personView(record, fields), status: {} };
    }),
  };
}

/**
 * `people.batchCreateContacts` is all or nothing: when any contact is invalid, none is created and the 400 error
 * carries `BatchCreateContactsErrorDetails`, whose `contactErrors` maps the index of each bad contact to its status.
 */
function batchCreate(user: UserState, body: Record<string, unknown>): Record<string, unknown> {
  const fields = parseFieldMask(typeof body.readMask === 'string' ? body.readMask : null, 'readMask');
  const contacts = Array.isArray(body.contacts) ? (body.contacts as { contactPerson?: unknown }[]) : [];
  if (contacts.length === 0 || contacts.length > MAX_BATCH) {
    throw invalid(`contacts must hold 1 to ${MAX_BATCH} contacts; got ${contacts.length}.`);
  }
  const inputs = contacts.map((contact) => (contact.contactPerson ?? {}) as Record<string, unknown>);
  const contactErrors: Record<string, unknown> = {};
  inputs.forEach((input, index) => {
    try {
      checkNewPerson(user, input);
    } catch (error) {
      if (!(error instanceof GoogleApiError)) {
        throw error;
      }
      contactErrors[String(index)] = { code: 3, message: error.message, details: [] };
    }
  });
  const failed = Object.keys(contactErrors).length;
  if (failed > 0) {
    throw new GoogleApiError(400, 'invalid', `Request contains an invalid argument: ${failed} of ${inputs.length} contacts are invalid, so none was created.`, {
      legacyErrors: false,
      details: [{ '@type': 'type.googleapis.com/google.people.v1.BatchCreateContactsErrorDetails', contactErrors }],
    });
  }
  return {
    createdPeople: inputs.map((input) => {
      const person = createPerson(user, input);
      return { httpStatusCode: 200, person: personView(person, fields), requestedResourceName: person.resource.resourceName, status: {} };
    }),
  };
}

function listGroups(user: UserState): Record<string, unknown> {
  const live = Object.values(user.people.persons).filter((record) => !record.deleted);
  const groups = Object.values(user.people.groups).map((group) => ({
    resourceName: group.resourceName,
    etag: group.etag,
    name: group.name,
    formattedName: group.groupType === 'SYSTEM_CONTACT_GROUP' ? group.name.replace(/^my/, 'My ').replace(/^starred$/, 'Starred') : group.name,
    groupType: group.groupType,
    memberCount: live.filter((record) => JSON.stringify(record.resource.memberships ?? []).includes(`"${group.resourceName}"`)).length,
  }));
  return { contactGroups: groups, totalItems: groups.length };
}

function createGroup(user: UserState, body: Record<string, unknown>): Record<string, unknown> {
  const name = typeof (body.contactGroup as { name?: unknown } | undefined)?.name === 'string' ? String((body.contactGroup as { name: string }).name).trim() : '';
  if (name === '') {
    throw required('contactGroup.name');
  }
  if (Object.values(user.people.groups).some((group) => group.name.toLowerCase() === name.toLowerCase())) {
    throw new GoogleApiError(409, 'alreadyExists', 'Contact group name already exists.', { status: 'ALREADY_EXISTS' });
  }
  const resourceName = `contactGroups/${Object.keys(user.people.groups).length.toString(16)}${Date.now().toString(16)}`;
  const group = { resourceName, name, groupType: 'USER_CONTACT_GROUP' as const, etag: newOpaqueEtag() };
  user.people.groups[resourceName] = group;
  return { ...group, formattedName: name, memberCount: 0 };
}
