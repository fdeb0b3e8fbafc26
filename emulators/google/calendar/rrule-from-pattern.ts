/**
 * The RRULE line for a Graph `patternedRecurrence`, so a seeded series master carries a rule as Calendar stores it.
 * The instances of a seeded series come from the seed, so this line is only shown, never expanded.
 */

const DAY_CODES: Readonly<Record<string, string>> = { sunday: 'SU', monday: 'MO', tuesday: 'TU', wednesday: 'WE', thursday: 'TH', friday: 'FR', saturday: 'SA' };
const INDEX_NUMBERS: Readonly<Record<string, number>> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };

interface Pattern {
  type?: string;
  interval?: number;
  month?: number;
  dayOfMonth?: number;
  daysOfWeek?: string[];
  index?: string;
}

interface Range {
  type?: string;
  endDate?: string;
  numberOfOccurrences?: number;
}

export function rruleOf(recurrence: Record<string, unknown> | null): string {
  const pattern = (recurrence?.pattern ?? {}) as Pattern;
  const range = (recurrence?.range ?? {}) as Range;
  const parts = [`FREQ=${frequency(pattern.type)}`];

  if ((pattern.interval ?? 1) > 1) parts.push(`INTERVAL=${pattern.interval}`);
  const days = (pattern.daysOfWeek ?? []).map((day) => DAY_CODES[day]).filter((code): code is string => code !== undefined);
  if (pattern.type === 'weekly' && days.length > 0) parts.push(`BYDAY=${days.join(',')}`);
  if (pattern.type === 'relativeMonthly' || pattern.type === 'relativeYearly') {
    parts.push(`BYDAY=${days.map((code) => `${INDEX_NUMBERS[pattern.index ?? 'first'] ?? 1}${code}`).join(',')}`);
  }
  if (pattern.type === 'absoluteMonthly' || pattern.type === 'absoluteYearly') parts.push(`BYMONTHDAY=${pattern.dayOfMonth ?? 1}`);
  if ((pattern.type === 'absoluteYearly' || pattern.type === 'relativeYearly') && pattern.month) parts.push(`BYMONTH=${pattern.month}`);

  if (range.type === 'numbered' && range.numberOfOccurrences) parts.push(`COUNT=${range.numberOfOccurrences}`);
  if (range.type === 'endDate' && range.endDate) parts.push(`UNTIL=${range.endDate.replace(/-/g, '')}`);
  return `RRULE:${parts.join(';')}`;
}

function frequency(type: string | undefined): string {
  switch (type) {
    case 'weekly':
      return 'WEEKLY';
    case 'absoluteMonthly':
    case 'relativeMonthly':
      return 'MONTHLY';
    case 'absoluteYearly':
    case 'relativeYearly':
      return 'YEARLY';
    default:
      return 'DAILY';
  }
}
