import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoreSnapshot } from './mailbox-store.ts';

const FILE_NAME = 'graph-emulator-state.json';
/** Changes arriving within this many milliseconds share one write. */
const SAVE_DELAY_MS = 50;

/**
 * The emulator's state on disk: one JSON file written atomically (temporary file, then rename), so a crash
 * mid-write leaves the previous state intact. Writes are coalesced, and `flush` waits for the last one.
 */
export class StateFile {
  private readonly file: string;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    directory: string,
    private readonly read: () => StoreSnapshot,
  ) {
    mkdirSync(directory, { recursive: true });
    this.file = path.join(directory, FILE_NAME);
  }

  load(): StoreSnapshot | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw error;
    }

    const snapshot = JSON.parse(text) as StoreSnapshot;
    if (snapshot.format !== 'syncline-graph-emulator/1') {
      throw new Error(`${this.file} has format '${String(snapshot.format)}', expected 'syncline-graph-emulator/1'; move the file away to start empty.`);
    }
    return snapshot;
  }

  scheduleSave(): void {
    this.dirty = true;
    if (this.timer !== null) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save().catch((error: unknown) => {
        console.error(`Graph emulator could not save its state to ${this.file}:`, error);
      });
    }, SAVE_DELAY_MS);
  }

  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.save();
  }

  private save(): Promise<void> {
    this.writing = this.writing.catch(() => undefined).then(async () => {
      if (!this.dirty) {
        return;
      }
      this.dirty = false;
      const temporary = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, JSON.stringify(this.read()));
      await rename(temporary, this.file);
    });
    return this.writing;
  }
}
