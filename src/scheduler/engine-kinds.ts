import { orgSecretVariable } from '../config/env-secrets.ts';
import type { MailboxSetting, OrgSetting } from '../config/resolved-config.ts';
import {
  SalesforceRecordClient,
  SalesforceSeriesMode,
  createSalesforceConnection,
  createSalesforceRecordSource,
  eventRelationsAfterWrites,
  kindScopes,
  seriesOrgOf,
  type OrgApiBudget,
  type SalesforceOrgCache,
} from '../crm/salesforce/index.ts';
import type { MailboxKind } from '../domain/accounts.ts';
import type { ItemSource } from '../domain/connector.ts';
import type { MessageSource } from '../domain/email-message.ts';
import type { LinkResolver } from '../domain/linking.ts';
import { ActivityLinker, type ActivityLinkerOptions, type ActivityLinkMemory } from '../linking/activity-links.ts';
import { OBJECT_KINDS, type ObjectKind } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import { createEwsConnector } from '../mailbox/ews/index.ts';
import { createGoogleConnector, googleConnectorOptions } from '../mailbox/google/index.ts';
import type { RefreshTokenStore } from '../mailbox/graph/auth/refresh-token-store.ts';
import { graphConnection } from '../mailbox/graph/graph-connection.ts';
import { createGraphContactSource, createGraphEventSource, createGraphMessageSource, createGraphTaskSource, type GraphConnectorOptions } from '../mailbox/graph/index.ts';
import { createImapCalDavConnector, imapCaldavOptions } from '../mailbox/imap-caldav/index.ts';
import { crmFieldNeeds, crmFieldsOf, defaultMappingOf, flowsFrom, type MappingTable } from '../mapping/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { KindSession } from '../sync/index.ts';
import { SharedMeetings, type SharedMeetingStore } from '../sync/shared-meetings.ts';
import { DEFAULT_RECURRING_EVENTS, type SeriesMasterReader, type SeriesRegistryStore } from '../sync/series-mode-types.ts';
import { ownResponseWriter } from './shared-meeting-invitees.ts';

/**
 * The mailbox sources of one session: one per object kind, and the message source that email saving reads. A kind
 * missing here is skipped with a note in every session, so a mailbox protocol that cannot read a kind yet still syncs
 * the others.
 */
type MailboxSources = { readonly [K in ObjectKind]?: ItemSource<MailboxItem> } & { readonly message: MessageSource };

/** Dependencies of a connector beside the settings: the store of the owners' refresh tokens. */
export interface MailboxConnectorDeps {
  /** Store of the refresh tokens of the owners of mailboxes with delegated Graph access or Google user OAuth. */
  readonly refreshTokens?: RefreshTokenStore;
  /** The page where the owner of a Google mailbox under user OAuth signs in, named when a session needs it. */
  readonly signInUrl?: string;
}

/** The connector of each mailbox kind, which builds the sources of one mailbox from its org's settings. */
const MAILBOX_CONNECTORS: { readonly [K in MailboxKind]: (org: OrgSetting, setting: MailboxSetting, logger: Logger, deps: MailboxConnectorDeps) => MailboxSources } = {
  graph: graphSources,
  ews: ewsSources,
  'imap-caldav': imapCaldavSources,
  google: googleSources,
};

function googleSources(org: OrgSetting, setting: MailboxSetting, logger: Logger, deps: MailboxConnectorDeps): MailboxSources {
  const connection = { ...(deps.refreshTokens === undefined ? {} : { refreshTokens: deps.refreshTokens }), ...(deps.signInUrl === undefined ? {} : { signInUrl: deps.signInUrl }) };
  const connector = createGoogleConnector(googleConnectorOptions(org, setting, logger, connection));
  return { event: connector.events, task: connector.tasks, contact: connector.contacts, message: connector.messages };
}

/** Graph sources of one mailbox: app-only through the org's app, or delegated through its owner's refresh token. */
function graphSources(org: OrgSetting, setting: MailboxSetting, logger: Logger, deps: MailboxConnectorDeps): MailboxSources {
  const connection = graphConnection(org.graph, setting, { logger, ...(deps.refreshTokens === undefined ? {} : { refreshTokens: deps.refreshTokens }) });
  const options: GraphConnectorOptions = { ...connection, mailboxTimeZone: setting.timeZone };
  return {
    event: createGraphEventSource(options),
    task: createGraphTaskSource(options),
    contact: createGraphContactSource(options),
    message: createGraphMessageSource(options),
  };
}

function imapCaldavSources(_org: OrgSetting, setting: MailboxSetting, logger: Logger): MailboxSources {
  const connector = createImapCalDavConnector(imapCaldavOptions(setting, logger));
  return { event: connector.events, task: connector.tasks, contact: connector.contacts, message: connector.messages };
}

function ewsSources(org: OrgSetting, setting: MailboxSetting, logger: Logger): MailboxSources {
  const ews = org.ews;
  if (ews === undefined) {
    // The configuration check refuses this; a hand-built configuration could still reach it.
    throw new Error(`The ews setting of org '${org.id}' is missing, but mailbox ${setting.address} has kind 'ews'. Add the org's "ews" block, or set the mailbox's kind to 'graph'`);
  }
  const connector = createEwsConnector({
    ewsUrl: ews.url,
    auth: ews.auth,
    passwordVariable: orgSecretVariable(org.id, 'EWS_PASSWORD'),
    mailboxAddress: setting.address,
    mailboxTimeZone: setting.timeZone,
    maxConcurrency: ews.maxConcurrency,
    sendMeetingInvitations: ews.sendMeetingInvitations ?? 'none',
    logger,
  });
  return { event: connector.events, task: connector.tasks, contact: connector.contacts, message: connector.messages };
}

/** Return the message source of a mailbox, from its kind's connector, for saving its emails. */
export function mailboxMessageSource(org: OrgSetting, setting: MailboxSetting, logger: Logger, deps: MailboxConnectorDeps = {}): MessageSource {
  return MAILBOX_CONNECTORS[setting.kind ?? 'graph'](org, setting, logger, deps).message;
}

/** Return the table of each kind for a mailbox: its own (the org's with its choices), else the default. */
export function mailboxTables(setting: MailboxSetting): MappingTable[] {
  return OBJECT_KINDS.map((kind) => setting.mappings?.[kind] ?? defaultMappingOf(kind));
}

export interface KindSourcesOptions {
  readonly org: OrgSetting;
  readonly setting: MailboxSetting;
  readonly tables: readonly MappingTable[];
  readonly logger: Logger;
  readonly budget?: OrgApiBudget;
  /** The org's Salesforce token, describes and owner ids, shared by its sessions. */
  readonly orgCache?: SalesforceOrgCache;
  /** Store of the owner's refresh token, for a mailbox with delegated Graph access or Google user OAuth. */
  readonly refreshTokens?: RefreshTokenStore;
  /** The page where the owner of a Google mailbox under user OAuth signs in. */
  readonly signInUrl?: string;
  /**
   * The session's linking engine: with it, meetings written from the mailbox get the WhoId and WhatId of their
   * organizer and attendees, and an Event's attendees become its EventRelation invitees.
   */
  readonly linkResolver?: LinkResolver;
  /** Store of the links the linker wrote, so they can follow a meeting's attendees. */
  readonly linkMemory?: ActivityLinkMemory;
  /**
   * The owners of meetings that several synced mailboxes of the org hold copies of: with it, such a meeting becomes
   * one Salesforce Event, that of its owner's mailbox (see docs/recurrence.md). A dry run passes it too; it only reads.
   */
  readonly sharedMeetings?: SharedMeetingStore;
  /**
   * The store's registry of the Salesforce event series written for the mailbox. Series mode needs it; without it
   * every series is written occurrence by occurrence.
   */
  readonly seriesRegistry?: SeriesRegistryStore;
}

/**
 * Build the kinds of one session with their sources: one mailbox source per kind from the mailbox kind's connector, and one Salesforce connection (one
 * token and one owner lookup) shared by a record source per kind, each reading its kind's scope of its object.
 */
export function kindSessions(options: KindSourcesOptions): KindSession[] {
  const { org, setting, logger } = options;
  const tables = options.tables.filter((table) => table.direction !== 'off');
  const kind: MailboxKind = setting.kind ?? 'graph';
  const mailboxSources = MAILBOX_CONNECTORS[kind](org, setting, logger.child({ side: 'mailbox' }), options);
  const connection = createSalesforceConnection({
    loginUrl: org.salesforce.loginUrl,
    auth: org.salesforce.auth,
    apiVersion: org.salesforce.apiVersion,
    owner: setting.salesforceUser,
    logger: logger.child({ side: 'crm' }),
    ...(options.budget === undefined ? {} : { apiBudget: options.budget }),
    ...(options.orgCache === undefined ? {} : { orgCache: options.orgCache }),
  });
  const scopes = kindScopes(tables.map((table) => ({ kind: table.kind, sobject: table.crmObject, windowFields: windowFieldsOf(table) })));

  return tables.map((table): KindSession => {
    const kindScope = scopes.get(table.kind) ?? { scope: {} };
    const resolver = options.linkResolver;
    const linker = resolver === undefined ? null : meetingLinker(table, {
      orgId: org.id, mailboxAddress: setting.address, resolver, ownerUserId: () => connection.ownerId(), ...(options.linkMemory === undefined ? {} : { memory: options.linkMemory }),
    });
    const recordSource = createSalesforceRecordSource({
      connection,
      sobject: table.crmObject,
      scope: kindScope.scope,
      syncIdField: org.salesforce.syncIdField,
      // A linked kind reads WhoId and WhatId too, so an update fills only the empty ones.
      fields: linker === null ? crmFieldsOf(table) : [...crmFieldsOf(table), 'WhoId', 'WhatId'],
      requirements: crmFieldNeeds(table),
      createsRecords: flowsFrom(table, 'mailbox'),
    });
    const relationClient = () => new SalesforceRecordClient({ rest: connection.client, logger: connection.logger, sleep: connection.sleep, ...(connection.retry === undefined ? {} : { retry: connection.retry }) });
    const series = options.seriesRegistry === undefined ? null : seriesModeOf(table, mailboxSources[table.kind], { org, setting, registry: options.seriesRegistry }, () => relationClient(), logger);
    const linkedSource = linker === null ? recordSource : linker.wrap(recordSource);
    const crmSource = series === null ? linkedSource : series.wrap(linkedSource);
    const invitees = resolver !== undefined && table.kind === 'event' && table.crmObject === 'Event' && flowsFrom(table, 'mailbox');
    const shared = table.kind !== 'event' || table.crmObject !== 'Event' || !flowsFrom(table, 'mailbox') || options.sharedMeetings === undefined ? null : new SharedMeetings({
      orgId: org.id,
      mailboxId: setting.id,
      mailboxAddress: setting.address,
      syncedMailboxes: syncedCalendars(org),
      store: options.sharedMeetings,
      ...(invitees ? { writeOwnResponses: ownResponseWriter({ client: relationClient(), ownerUserId: () => connection.ownerId(), recordUrl: (id) => crmSource.recordUrl(id) }) } : {}),
    });
    const relationsAfterWrites = !invitees || resolver === undefined ? null : eventRelationsAfterWrites({
      client: relationClient(),
      resolver,
      orgId: org.id,
      ownerUserId: () => connection.ownerId(),
      recordUrl: (id) => crmSource.recordUrl(id),
      ...(linker === null ? {} : { linkOf: (syncId: string) => linker.resultFor(syncId) }),
    });
    return {
      mapping: table,
      mailboxSource: mailboxSources[table.kind] ?? null,
      crmSource,
      crmRecordUrl: (id) => crmSource.recordUrl(id),
      ...(kindScope.syncIdPrefix === undefined ? {} : { syncIdPrefix: kindScope.syncIdPrefix }),
      ...(linker === null && series === null ? {} : {
        beforeCrmWrites: async (writes, context) => [
          ...(series === null ? [] : await series.prepare(writes, context)),
          ...(linker === null ? [] : await linker.prepare(writes, { logger: context.logger, privateItems: context.policy.privateItems })),
        ],
      }),
      ...(relationsAfterWrites === null ? {} : {
        // Another synced mailbox's copy gave that person's own response, which the owner's copy may not show yet.
        afterWrites: async (pairs, afterLogger) => relationsAfterWrites(shared === null ? pairs : await shared.withCopyResponses(pairs), afterLogger),
      }),
      ...(shared === null ? {} : { sharedMeetings: shared }),
    };
  });
}

/**
 * Return series mode for a calendar written to Salesforce Events from a mailbox whose connector reads series masters,
 * in every mode: under `occurrences` it writes no new series but still finishes the series the registry names.
 * Null where no series can be written (docs/recurrence.md).
 */
function seriesModeOf(table: MappingTable, source: ItemSource<MailboxItem> | undefined, where: { org: OrgSetting; setting: MailboxSetting; registry: SeriesRegistryStore },
  client: () => SalesforceRecordClient, logger: Logger): SalesforceSeriesMode | null {
  const { org, setting, registry } = where;
  const mode = org.salesforce.recurringEvents ?? DEFAULT_RECURRING_EVENTS;
  if (table.kind !== 'event' || table.crmObject !== 'Event' || !flowsFrom(table, 'mailbox') || !isSeriesMasterReader(source)) {
    return null;
  }
  return new SalesforceSeriesMode({
    mode, org: seriesOrgOf(client()), masters: source, registry, mailboxId: setting.id, mailboxTimeZone: setting.timeZone,
    otherSyncedAddresses: syncedCalendars(org).filter((mailbox) => mailbox.id !== setting.id).map((mailbox) => mailbox.address),
    logger: logger.child({ side: 'crm' }),
  });
}

function isSeriesMasterReader(source: unknown): source is SeriesMasterReader {
  const reader = source as Partial<SeriesMasterReader> | null;
  return typeof reader === 'object' && reader !== null && typeof reader.readSeriesMasters === 'function' && typeof reader.readSeriesInstances === 'function';
}

/** Return the org's mailboxes whose calendars flow into Salesforce Events: the synced users of shared meetings. */
function syncedCalendars(org: OrgSetting): { id: string; address: string }[] {
  return org.mailboxes.filter((mailbox) => {
    const table = mailbox.mappings?.event ?? defaultMappingOf('event');
    // A calendar kept as Tasks writes no Event that others could join, so attendees write their own.
    return table.direction !== 'off' && table.crmObject === 'Event' && flowsFrom(table, 'mailbox');
  }).map((mailbox) => ({ id: mailbox.id, address: mailbox.address }));
}

/**
 * Return the linker of a kind whose meetings are written to Salesforce activities (Events, or calendar items kept as
 * Tasks); null for other kinds. Mailbox tasks and contacts name no people to link.
 */
function meetingLinker(table: MappingTable, options: Omit<ActivityLinkerOptions, 'activity'>): ActivityLinker | null {
  if (table.kind !== 'event' || !flowsFrom(table, 'mailbox') || (table.crmObject !== 'Event' && table.crmObject !== 'Task')) {
    return null;
  }
  return new ActivityLinker({ ...options, activity: table.crmObject });
}

/** Return the date-time fields of a calendar kept in a custom object, by which a listing reads the sync window. */
function windowFieldsOf(table: MappingTable): { start: string; end: string } | null {
  const span = table.pairs.find((pair) => pair.key === 'span' && pair.transform.type === 'spanFields');
  const [start, end] = span?.crmFields ?? [];
  return start === undefined || end === undefined ? null : { start, end };
}
