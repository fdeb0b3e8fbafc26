import type { PersonRecord } from './ports.ts';
import type { TieBreak } from './settings.ts';

/** The record chosen among several with one address, and the tie-break that set it apart (null when it was alone). */
export interface RankedChoice<T> {
  readonly chosen: T;
  readonly decidedBy: TieBreak | 'recordId' | null;
  readonly candidates: number;
}

type Comparator<T> = (a: T, b: T) => number;

interface Activity {
  readonly ownerId: string;
  readonly lastActivityDate: string | null;
  readonly lastModifiedDate: string;
}

/** Most recent activity first: LastActivityDate (a record without one comes last), then LastModifiedDate. */
function byRecentActivity<T extends Activity>(a: T, b: T): number {
  const activity = (b.lastActivityDate ?? '').localeCompare(a.lastActivityDate ?? '');
  return activity !== 0 ? activity : Date.parse(b.lastModifiedDate) - Date.parse(a.lastModifiedDate);
}

function comparatorFor<T extends Activity & { readonly object?: string }>(tieBreak: TieBreak, ownerUserId: string): Comparator<T> {
  switch (tieBreak) {
    case 'contactBeforeLead':
      return (a, b) => rankObject(a.object) - rankObject(b.object);
    case 'ownerFirst':
      return (a, b) => Number(b.ownerId === ownerUserId) - Number(a.ownerId === ownerUserId);
    case 'recentActivity':
      return byRecentActivity;
  }
}

function rankObject(object: string | undefined): number {
  return object === 'Contact' ? 0 : 1;
}

/**
 * Choose one record by the tie-breaks in order; the record id settles what they leave tied, so the choice is the
 * same in every session.
 */
export function rankRecords<T extends Activity & { readonly id: string; readonly object?: string }>(
  records: readonly T[],
  tieBreaks: readonly TieBreak[],
  ownerUserId: string,
): RankedChoice<T> | null {
  if (records.length === 0) {
    return null;
  }
  const comparators = tieBreaks.map((tieBreak) => ({ tieBreak, compare: comparatorFor<T>(tieBreak, ownerUserId) }));
  const sorted = [...records].sort((a, b) => {
    for (const { compare } of comparators) {
      const order = compare(a, b);
      if (order !== 0) {
        return order;
      }
    }
    return a.id.localeCompare(b.id);
  });

  const [chosen, runnerUp] = sorted as [T, T | undefined];
  if (runnerUp === undefined) {
    return { chosen, decidedBy: null, candidates: 1 };
  }
  const decider = comparators.find(({ compare }) => compare(chosen, runnerUp) !== 0);
  return { chosen, decidedBy: decider?.tieBreak ?? 'recordId', candidates: sorted.length };
}

/** Rank the Contacts and Leads found for one address. */
export function rankPeople(records: readonly PersonRecord[], tieBreaks: readonly TieBreak[], ownerUserId: string): RankedChoice<PersonRecord> | null {
  return rankRecords(records, tieBreaks, ownerUserId);
}
