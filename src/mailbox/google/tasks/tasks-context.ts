import type { GoogleClient } from '../google-client.ts';

/** State shared by every operation of one mailbox's task source. */
export interface TasksContext {
  readonly client: GoogleClient;
  /** `/tasks/v1/lists/{list}/tasks`, the list id escaped. */
  readonly tasksPath: string;
  readonly batchUrl: string;
  /** Sync ids of the tasks this source has read, so an update of the notes writes the marker back without a read. */
  readonly syncIds: Map<string, string | null>;
}

/** Tasks lists at most 100 tasks per page. */
export const TASK_PAGE_SIZE = 100;
