import type { MappingTable } from '../field-pair.ts';
import { EVENT_SPAN_FIELDS } from '../transforms/span.ts';
import { ADJUSTABLE, pair, text } from './pair-builders.ts';

/**
 * The Event mapping every org starts with. Field lengths are those of the standard Salesforce Event object
 * (Subject 255, Location 255, Description 32,000); docs/mappings.md lists each pair with its reason.
 */
export const defaultEventMapping: MappingTable = {
  name: 'default-event',
  kind: 'event',
  crmObject: 'Event',
  direction: 'both',
  pairs: [
    pair('subject', 'subject', ['Subject'], text(255)),
    pair('span', 'span', EVENT_SPAN_FIELDS, { type: 'eventSpan' }),
    pair('location', 'location', ['Location'], text(255), ADJUSTABLE),
    pair('description', 'body', ['Description'], text(32_000), ADJUSTABLE),
    pair(
      'showAs',
      'showAs',
      ['ShowAs'],
      {
        type: 'picklist',
        // Salesforce's ShowAs picklist has Busy, OutOfOffice and Free; Outlook's other states show as Busy there.
        toCrm: { free: 'Free', tentative: 'Busy', busy: 'Busy', oof: 'OutOfOffice', workingElsewhere: 'Busy', unknown: 'Busy' },
        toMailbox: { Free: 'free', Busy: 'busy', OutOfOffice: 'oof' },
        crmDefault: 'Busy',
        mailboxDefault: 'busy',
      },
      ADJUSTABLE,
    ),
    pair('isPrivate', 'sensitivity', ['IsPrivate'], { type: 'privateFlag' }),
  ],
};
