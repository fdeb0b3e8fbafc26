import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The emulator a state file belongs to: its file name, the format tag the file must carry, and a name for messages. */
export interface StateFileKind {
  readonly fileName: string;
  readonly format: string;
  readonly emulator: string;
}

/** Changes arriving within this many milliseconds share one write. */
const SAVE_DELAY_MS = 50;

/**
 * An emulator's state on disk: one JSON file written through a temporary file and a rename, so a crash during a write
 * leaves the previous state whole. Writes are coalesced, and `flush` writes what is pending.
 */
export class StateFile<T extends { readonly format: string }> {
  private readonly file: string;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    directory: string,
    private readonly kind: StateFileKind,
    private readonly read: () => T,
  ) {
    mkdirSync(directory, { recursive: true });
    this.file = path.join(directory, kind.fileName);
  }

  load(): T | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw error;
    }

    const snapshot = JSON.parse(text) as T;
    if (snapshot.format !== this.kind.format) {
      throw new Error(`${this.file} has format '${String(snapshot.format)}', expected '${this.kind.format}'; move the file away to start empty.`);
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
        console.error(`${this.kind.emulator} emulator could not save its state to ${this.file}:`, error);
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
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
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
