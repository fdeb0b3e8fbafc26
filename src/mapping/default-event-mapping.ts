import type { EventMapping } from './field-pair.ts';

/**
 * The Event mapping every org starts with. Field lengths are those of the standard Salesforce Event object
 * (Subject 255, Location 255, Description 32,000); docs/mappings.md lists each pair with its reason.
 */
export const defaultEventMapping: EventMapping = {
  name: 'default-event',
  pairs: [
    { key: 'subject', mailboxField: 'subject', crmFields: ['Subject'], direction: 'both', transform: 'text', maxLength: 255 },
    {
      key: 'span',
      mailboxField: 'span',
      crmFields: ['IsAllDayEvent', 'StartDateTime', 'EndDateTime', 'ActivityDate', 'DurationInMinutes'],
      direction: 'both',
      transform: 'eventSpan',
    },
    { key: 'location', mailboxField: 'location', crmFields: ['Location'], direction: 'both', transform: 'text', maxLength: 255 },
    { key: 'description', mailboxField: 'body', crmFields: ['Description'], direction: 'both', transform: 'text', maxLength: 32_000 },
    { key: 'showAs', mailboxField: 'showAs', crmFields: ['ShowAs'], direction: 'both', transform: 'showAs' },
    { key: 'isPrivate', mailboxField: 'sensitivity', crmFields: ['IsPrivate'], direction: 'both', transform: 'privateFlag' },
  ],
};
