import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.ts';
import * as streamPositions from './0002-stream-positions.ts';
import * as sessionLeases from './0003-session-leases.ts';
import * as mailboxSchedules from './0004-mailbox-schedules.ts';
import * as instantSync from './0005-instant-sync.ts';
import * as workerHeartbeats from './0006-worker-heartbeats.ts';
import * as plannedBases from './0007-planned-bases.ts';
import * as scheduleDueAt from './0008-schedule-due-at.ts';
import * as linking from './0009-linking.ts';
import * as emailSaves from './0010-email-saves.ts';
import * as subscriptionResources from './0011-subscription-resources.ts';
import * as usersAndCredentials from './0013-users-and-credentials.ts';
import * as quarantine from './0014-quarantine.ts';
import * as sessionStatusOk from './0015-session-status-ok.ts';
import * as settingsEdits from './0016-settings-edits.ts';
import * as sharedMeetings from './0018-shared-meetings.ts';
import * as sharedMeetingHandover from './0019-shared-meeting-handover.ts';
import * as seriesRegistry from './0020-series-registry.ts';

/**
 * Every migration, in order. Listed in code rather than read from a folder so the store works the same from
 * source, from a bundle and under tsx. Names sort in the order they must run; never rename one once released.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-stream-positions': streamPositions,
  '0003-session-leases': sessionLeases,
  '0004-mailbox-schedules': mailboxSchedules,
  '0005-instant-sync': instantSync,
  '0006-worker-heartbeats': workerHeartbeats,
  '0007-planned-bases': plannedBases,
  '0008-schedule-due-at': scheduleDueAt,
  '0009-linking': linking,
  '0010-email-saves': emailSaves,
  '0011-subscription-resources': subscriptionResources,
  '0013-users-and-credentials': usersAndCredentials,
  '0014-quarantine': quarantine,
  '0015-session-status-ok': sessionStatusOk,
  '0016-settings-edits': settingsEdits,
  '0018-shared-meetings': sharedMeetings,
  '0019-shared-meeting-handover': sharedMeetingHandover,
  '0020-series-registry': seriesRegistry,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
