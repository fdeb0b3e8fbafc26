/** The fields a change log needs from a stored record: its id and the sequence number of its latest change. */
export interface SequencedRecord {
  id: string;
  seq: number;
}

interface LogEntry {
  seq: number;
  id: string;
}

/** Minimum log length before stale entries are dropped, so small logs are never rebuilt. */
const COMPACT_MIN_ENTRIES = 1024;

/**
 * Change logs of one record family, one log per partition (a mailbox or a container), ordered by change sequence.
 * A delta round reads a log from a sequence number on, so it costs what changed, not the partition's size.
 * A record's older entries go stale when it changes again, and a scan skips them.
 */
export class ChangeLogs<T extends SequencedRecord> {
  private readonly logs = new Map<string, LogEntry[]>();

  /** `records` is the store's map of every record by id, tombstones included. */
  constructor(private readonly records: ReadonlyMap<string, T>) {}

  /** Appends the record's latest change to the partition's log. Call it after `record.seq` moved. */
  append(partition: string, record: T): void {
    const log = this.logFor(partition);
    log.push({ seq: record.seq, id: record.id });
    // Stale entries only slow scans down. Rebuilding when they outnumber live ones keeps the log linear in size.
    if (log.length >= COMPACT_MIN_ENTRIES && log.length >= this.records.size * 2) {
      this.logs.set(
        partition,
        log.filter((entry) => this.records.get(entry.id)?.seq === entry.seq),
      );
    }
  }

  /**
   * Visits the partition's records whose latest change lies in `(afterSeq, upToSeq]`, in change order, until
   * `visit` returns false. Tombstones are visited too.
   */
  scan(partition: string, afterSeq: number, upToSeq: number, visit: (record: T) => boolean): void {
    const log = this.logs.get(partition) ?? [];
    for (let index = firstIndexAfter(log, afterSeq); index < log.length; index += 1) {
      const entry = log[index];
      if (!entry || entry.seq > upToSeq) {
        return;
      }

      const record = this.records.get(entry.id);
      // An entry is stale when the record changed again later, because its newest entry represents it.
      if (!record || record.seq !== entry.seq) {
        continue;
      }

      if (!visit(record)) {
        return;
      }
    }
  }

  clear(): void {
    this.logs.clear();
  }

  private logFor(partition: string): LogEntry[] {
    let log = this.logs.get(partition);
    if (!log) {
      log = [];
      this.logs.set(partition, log);
    }
    return log;
  }
}

/** Binary search for the index of the first entry whose sequence number is above `afterSeq`. */
function firstIndexAfter(log: LogEntry[], afterSeq: number): number {
  let low = 0;
  let high = log.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((log[middle]?.seq ?? 0) <= afterSeq) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}
