import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AuthSnapshot } from './auth-service.ts';
import type { SfRecord } from './record-table.ts';

/** The state kept across restarts: records (recycle bin included), id sequence, modstamp clock and live tokens. */
export interface OrgSnapshot {
  format: 1;
  idSequence: number;
  lastModstamp: number;
  dailyApiCalls: number;
  tables: Record<string, SfRecord[]>;
  auth: AuthSnapshot;
}

const FILE_NAME = 'salesforce-emulator.json';
/** Writes are coalesced so a burst of requests costs one file write, not one per request. */
const SAVE_DELAY_MS = 20;

export function loadSnapshot(dataDir: string): OrgSnapshot | null {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, FILE_NAME), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const snapshot = JSON.parse(text) as OrgSnapshot;
  if (snapshot.format !== 1) {
    throw new Error(`${path.join(dataDir, FILE_NAME)} has format ${String(snapshot.format)}; this emulator reads format 1. Delete the file to start empty.`);
  }
  return snapshot;
}

/** Saves snapshots atomically (temp file + rename), coalescing the saves scheduled within SAVE_DELAY_MS. */
export class SnapshotWriter {
  private readonly dataDir: string;
  private readonly take: () => OrgSnapshot;
  private timer: NodeJS.Timeout | null = null;

  constructor(dataDir: string, take: () => OrgSnapshot) {
    this.dataDir = dataDir;
    this.take = take;
    mkdirSync(dataDir, { recursive: true });
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, SAVE_DELAY_MS);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const target = path.join(this.dataDir, FILE_NAME);
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.take()));
    renameSync(temp, target);
  }
}
