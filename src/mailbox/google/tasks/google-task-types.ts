/** The parts of the Tasks API v1 task resource that the task source reads and writes. */
export interface GoogleTask {
  readonly id: string;
  readonly etag?: string;
  readonly title?: string;
  readonly notes?: string;
  readonly status?: string;
  /** RFC 3339 at midnight UTC: Tasks keeps the date only. */
  readonly due?: string;
  readonly completed?: string;
  readonly updated?: string;
  readonly deleted?: boolean;
  readonly hidden?: boolean;
}

export interface GoogleTaskList {
  readonly items?: readonly GoogleTask[];
  readonly nextPageToken?: string;
}
