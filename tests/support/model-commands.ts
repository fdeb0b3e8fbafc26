import fc from 'fast-check';

export type ModelSide = 'mailbox' | 'crm';
export type EditField = 'location' | 'body' | 'subject' | 'time';
/** Where a crashing session stops: right after one side's writes reached the service, or when it commits the store. */
export type CrashPoint = 'afterCrmWrites' | 'afterMailboxWrites' | 'atCommit';
/** A transient fault armed just before one session and cleared right after it. */
export type SessionFault = 'graphThrottle' | 'graphServerError' | 'salesforceLockedRow';

/**
 * One step of a model run. `pick` chooses among the items live on a side, modulo their count and in token
 * order. `value` indexes the pools below. Times are chosen so that every event stays inside the sync window
 * 2026-11-01..2027-05-01 even after the most shifts a run can make.
 */
export type ModelCommand =
  | {
      readonly kind: 'create';
      readonly side: ModelSide;
      /** Days after 2026-12-01. The last choice, 117, is 2027-03-28, when Berlin moves to summer time. */
      readonly day: number;
      /** Minutes after midnight in Berlin. */
      readonly startMinute: number;
      readonly durationMinutes: number;
      /** 0 for a timed event, else the number of days of an all-day event. */
      readonly allDayDays: number;
      readonly word: number;
      readonly location: number;
      readonly body: number;
    }
  | { readonly kind: 'edit'; readonly side: ModelSide; readonly pick: number; readonly field: EditField; readonly value: number }
  /** `cancel` on the mailbox side cancels the meeting instead of deleting it. Both end the pair. */
  | { readonly kind: 'delete'; readonly side: ModelSide; readonly pick: number; readonly cancel: boolean }
  | { readonly kind: 'sync' }
  | { readonly kind: 'crash'; readonly at: CrashPoint }
  /** `nth` is the request of the session that fails (throttle: the first Graph request). */
  | { readonly kind: 'faultySync'; readonly fault: SessionFault; readonly nth: number }
  | { readonly kind: 'expireDeltaToken' };

export const SUBJECT_WORDS = ['Review', 'Call', 'Demo', 'Kick-off', 'Follow-up'] as const;

/** Locations, with an empty one, a non-ASCII one and one longer than Salesforce's 255 characters. */
export const LOCATIONS: readonly (string | null)[] = ['Room 1', 'HQ', null, 'Café Müller', 'Teams', `Building 7, ${'x'.repeat(290)}`];

/** Bodies, with an empty one, a CRLF one and one with trailing white space that the text transform drops. */
export const BODIES: readonly (string | null)[] = ['Agenda first', null, 'Bring the price list\r\nand the contract', 'Notes  \n', 'Forecast'];

/** Shifts of a timed event in hours. An all-day event moves one day in the same direction, or two for a shift over a day. */
export const SHIFT_HOURS = [-26, -3, -1, 1, 2, 25] as const;

const side = fc.constantFrom<ModelSide>('mailbox', 'crm');
const pick = fc.nat({ max: 7 });

const create = fc.record({
  kind: fc.constant('create' as const),
  side,
  day: fc.nat({ max: 117 }),
  startMinute: fc.integer({ min: 7 * 4, max: 19 * 4 }).map((quarter) => quarter * 15),
  durationMinutes: fc.constantFrom(30, 60, 90),
  allDayDays: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 }),
  word: fc.nat({ max: SUBJECT_WORDS.length - 1 }),
  location: fc.nat({ max: LOCATIONS.length - 1 }),
  body: fc.nat({ max: BODIES.length - 1 }),
});

const edit = fc.record({
  kind: fc.constant('edit' as const),
  side,
  pick,
  field: fc.constantFrom<EditField>('location', 'body', 'subject', 'time'),
  value: fc.nat({ max: 5 }),
});

const remove = fc.record({
  kind: fc.constant('delete' as const),
  side,
  pick,
  cancel: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
});

const crash = fc.record({ kind: fc.constant('crash' as const), at: fc.constantFrom<CrashPoint>('afterCrmWrites', 'afterMailboxWrites', 'atCommit') });

// A Graph throttle costs a second of Retry-After, so it is the rarest fault.
const faultySync = fc.record({
  kind: fc.constant('faultySync' as const),
  fault: fc.oneof(
    { arbitrary: fc.constant<SessionFault>('salesforceLockedRow'), weight: 4 },
    { arbitrary: fc.constant<SessionFault>('graphServerError'), weight: 3 },
    { arbitrary: fc.constant<SessionFault>('graphThrottle'), weight: 1 },
  ),
  nth: fc.integer({ min: 1, max: 6 }),
});

const modelCommand: fc.Arbitrary<ModelCommand> = fc.oneof(
  { arbitrary: create, weight: 4 },
  { arbitrary: edit, weight: 8 },
  { arbitrary: remove, weight: 3 },
  { arbitrary: fc.constant({ kind: 'sync' as const }), weight: 5 },
  { arbitrary: crash, weight: 3 },
  { arbitrary: faultySync, weight: 2 },
  { arbitrary: fc.constant({ kind: 'expireDeltaToken' as const }), weight: 1 },
);

/**
 * Generate a run: one to three creates, so that later edits and deletions find items, then up to `maxLength` - 3 commands
 * of any kind. Both parts shrink, and the run prints as one array.
 */
export function modelCommands(maxLength: number): fc.Arbitrary<ModelCommand[]> {
  const calendar = fc.array(create, { minLength: 1, maxLength: 3 });
  const steps = fc.array(modelCommand, { minLength: 1, maxLength: maxLength - 3, size: 'max' });
  return fc.tuple(calendar, steps).map(([first, rest]) => [...first, ...rest]);
}
