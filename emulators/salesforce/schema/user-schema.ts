import { KEY_PREFIX } from '../ids.ts';
import { field, systemField, type SObjectDef } from './field-def.ts';

/** Describes the User object, read-only through the API: users come from the emulator's options or the admin API. */
export function userSchema(): SObjectDef {
  return {
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    keyPrefix: KEY_PREFIX.User,
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      systemField({ name: 'Id', label: 'User ID', type: 'id', length: 18, idLookup: true }),
      field({ name: 'Username', label: 'Username', type: 'string', length: 80, nillable: false, idLookup: true,
        unique: true }),
      field({ name: 'Email', label: 'Email', type: 'email', length: 128, nillable: false }),
      field({ name: 'Name', label: 'Full Name', type: 'string', length: 121, nillable: false }),
      field({ name: 'TimeZoneSidKey', label: 'Time Zone', type: 'string', length: 40, nillable: false }),
      field({ name: 'IsActive', label: 'Active', type: 'boolean', nillable: false, defaultedOnCreate: true }),
      systemField({ name: 'CreatedDate', label: 'Created Date', type: 'datetime' }),
      systemField({ name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime' }),
      systemField({ name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime' }),
    ],
  };
}
