/**
 * Google Calendar events have no categories; their colour is what users set to sort them. So the colour's name
 * plays the category's part: an event coloured "Basil" reads with the category `Basil`, and an org that syncs only
 * categorized events names a colour as its Salesforce category. The names and ids are those of the event palette
 * (`colors.get`), as Google Calendar's English interface shows them.
 */
const EVENT_COLORS: Readonly<Record<string, string>> = {
  '1': 'Lavender',
  '2': 'Sage',
  '3': 'Grape',
  '4': 'Flamingo',
  '5': 'Banana',
  '6': 'Tangerine',
  '7': 'Peacock',
  '8': 'Graphite',
  '9': 'Blueberry',
  '10': 'Basil',
  '11': 'Tomato',
};

export function categoriesOfColor(colorId: string | null | undefined): string[] {
  const name = colorId ? EVENT_COLORS[colorId] : undefined;
  return name === undefined ? [] : [name];
}

/** Return the colour id of the first category that names a colour; null when none does (the calendar's colour applies). */
export function colorOfCategories(categories: readonly string[]): string | null {
  for (const category of categories) {
    const entry = Object.entries(EVENT_COLORS).find(([, name]) => name.toLowerCase() === category.trim().toLowerCase());
    if (entry !== undefined) {
      return entry[0];
    }
  }
  return null;
}
