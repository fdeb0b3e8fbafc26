import type { GoogleClient } from '../google-client.ts';
import type { ContactGroups } from './contact-groups.ts';

/** State shared by every operation of one mailbox's contact source. */
export interface PeopleContext {
  readonly client: GoogleClient;
  readonly groups: ContactGroups;
}

export function peopleUrl(ctx: PeopleContext, path: string): string {
  return `${ctx.client.peopleBaseUrl}/v1/${path}`;
}

/** People lists at most 1,000 connections per page and reads or creates at most 200 contacts per batch call. */
export const CONNECTIONS_PAGE_SIZE = 1000;
export const PEOPLE_BATCH_SIZE = 200;
