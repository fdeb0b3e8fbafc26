/**
 * Windows time-zone display names (the text after the `(UTC±hh:mm)` prefix) mapped to Windows zone ids.
 * OWA and Outlook write these display names as TZIDs, often without a VTIMEZONE. The names and ids follow
 * Microsoft's "Default Time Zones" list (learn.microsoft.com/windows-hardware/manufacture/desktop/default-time-zones,
 * the output of `tzutil /l`); the ids then map to IANA through CLDR's windowsZones.xml (windows-iana).
 * Older Windows releases wrote a few names differently; those variants are listed too.
 */
const DISPLAY_NAME_TO_WINDOWS_ID: readonly (readonly [string, string])[] = [
  ['International Date Line West', 'Dateline Standard Time'],
  ['Coordinated Universal Time-11', 'UTC-11'],
  ['Hawaii', 'Hawaiian Standard Time'],
  ['Alaska', 'Alaskan Standard Time'],
  ['Pacific Time (US & Canada)', 'Pacific Standard Time'],
  ['Pacific Time (US & Canada); Tijuana', 'Pacific Standard Time'],
  ['Baja California', 'Pacific Standard Time (Mexico)'],
  ['Arizona', 'US Mountain Standard Time'],
  ['Mountain Time (US & Canada)', 'Mountain Standard Time'],
  ['Chihuahua, La Paz, Mazatlan', 'Mountain Standard Time (Mexico)'],
  ['La Paz, Mazatlan', 'Mountain Standard Time (Mexico)'],
  ['Central America', 'Central America Standard Time'],
  ['Central Time (US & Canada)', 'Central Standard Time'],
  ['Guadalajara, Mexico City, Monterrey', 'Central Standard Time (Mexico)'],
  ['Saskatchewan', 'Canada Central Standard Time'],
  ['Bogota, Lima, Quito, Rio Branco', 'SA Pacific Standard Time'],
  ['Bogota, Lima, Quito', 'SA Pacific Standard Time'],
  ['Eastern Time (US & Canada)', 'Eastern Standard Time'],
  ['Indiana (East)', 'US Eastern Standard Time'],
  ['Atlantic Time (Canada)', 'Atlantic Standard Time'],
  ['Caracas', 'Venezuela Standard Time'],
  ['Georgetown, La Paz, Manaus, San Juan', 'SA Western Standard Time'],
  ['Santiago', 'Pacific SA Standard Time'],
  ['Newfoundland', 'Newfoundland Standard Time'],
  ['Brasilia', 'E. South America Standard Time'],
  ['City of Buenos Aires', 'Argentina Standard Time'],
  ['Buenos Aires', 'Argentina Standard Time'],
  ['Cayenne, Fortaleza', 'SA Eastern Standard Time'],
  ['Greenland', 'Greenland Standard Time'],
  ['Montevideo', 'Montevideo Standard Time'],
  ['Azores', 'Azores Standard Time'],
  ['Cabo Verde Is.', 'Cape Verde Standard Time'],
  ['Cape Verde Is.', 'Cape Verde Standard Time'],
  ['Coordinated Universal Time', 'UTC'],
  ['Dublin, Edinburgh, Lisbon, London', 'GMT Standard Time'],
  ['Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London', 'GMT Standard Time'],
  ['Monrovia, Reykjavik', 'Greenwich Standard Time'],
  ['Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', 'W. Europe Standard Time'],
  ['Belgrade, Bratislava, Budapest, Ljubljana, Prague', 'Central Europe Standard Time'],
  ['Brussels, Copenhagen, Madrid, Paris', 'Romance Standard Time'],
  ['Sarajevo, Skopje, Warsaw, Zagreb', 'Central European Standard Time'],
  ['West Central Africa', 'W. Central Africa Standard Time'],
  ['Athens, Bucharest', 'GTB Standard Time'],
  ['Athens, Bucharest, Istanbul', 'GTB Standard Time'],
  ['Cairo', 'Egypt Standard Time'],
  ['Harare, Pretoria', 'South Africa Standard Time'],
  ['Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius', 'FLE Standard Time'],
  ['Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius', 'FLE Standard Time'],
  ['Jerusalem', 'Israel Standard Time'],
  ['Amman', 'Jordan Standard Time'],
  ['Istanbul', 'Turkey Standard Time'],
  ['Kuwait, Riyadh', 'Arab Standard Time'],
  ['Moscow, St. Petersburg', 'Russian Standard Time'],
  ['Moscow, St. Petersburg, Volgograd', 'Russian Standard Time'],
  ['Nairobi', 'E. Africa Standard Time'],
  ['Tehran', 'Iran Standard Time'],
  ['Abu Dhabi, Muscat', 'Arabian Standard Time'],
  ['Kabul', 'Afghanistan Standard Time'],
  ['Islamabad, Karachi', 'Pakistan Standard Time'],
  ['Ashgabat, Tashkent', 'West Asia Standard Time'],
  ['Chennai, Kolkata, Mumbai, New Delhi', 'India Standard Time'],
  ['Kathmandu', 'Nepal Standard Time'],
  ['Dhaka', 'Bangladesh Standard Time'],
  ['Yangon (Rangoon)', 'Myanmar Standard Time'],
  ['Bangkok, Hanoi, Jakarta', 'SE Asia Standard Time'],
  ['Beijing, Chongqing, Hong Kong, Urumqi', 'China Standard Time'],
  ['Kuala Lumpur, Singapore', 'Singapore Standard Time'],
  ['Perth', 'W. Australia Standard Time'],
  ['Taipei', 'Taipei Standard Time'],
  ['Osaka, Sapporo, Tokyo', 'Tokyo Standard Time'],
  ['Seoul', 'Korea Standard Time'],
  ['Adelaide', 'Cen. Australia Standard Time'],
  ['Darwin', 'AUS Central Standard Time'],
  ['Brisbane', 'E. Australia Standard Time'],
  ['Canberra, Melbourne, Sydney', 'AUS Eastern Standard Time'],
  ['Hobart', 'Tasmania Standard Time'],
  ['Solomon Is., New Caledonia', 'Central Pacific Standard Time'],
  ['Auckland, Wellington', 'New Zealand Standard Time'],
  ['Fiji', 'Fiji Standard Time'],
  ["Nuku'alofa", 'Tonga Standard Time'],
];

const BY_KEY = new Map(DISPLAY_NAME_TO_WINDOWS_ID.map(([name, id]) => [displayNameKey(name), id]));

/**
 * Return the Windows zone id for an Outlook display name such as `(UTC-05:00) Eastern Time (US & Canada)`,
 * `(GMT+10:00) Canberra, Melbourne, Sydney` or the Outlook 2003 form without the offset; null when unknown.
 */
export function windowsIdForDisplayName(name: string): string | null {
  const withoutOffset = name.replace(/^\s*\((?:UTC|GMT)(?:\s*[+-]\s*\d{1,2}(?::\d{2})?)?\)\s*/i, '');
  return BY_KEY.get(displayNameKey(withoutOffset)) ?? null;
}

// Outlook versions differ in accents ("Brasília"), "&" against "and", punctuation and case.
function displayNameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '');
}
