import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EmulatorState } from './state.ts';

const FILE_NAME = 'google-emulator-state.json';
/** Changes arriving within this many milliseconds share one write. */
const SAVE_DELAY_MS = 50;

/**
 * The emulator's state on disk: one JSON file written through a temporary file and a rename, so a crash during a
 * write leaves the previous state whole. Writes are coalesced; `flush` writes what is pending.
 */
export class StateFile {
  private readonly file: string;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(directory: string) {
    mkdirSync(directory, { recursive: true });
    this.file = path.join(directory, FILE_NAME);
  }

  load(): EmulatorState | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw error;
    }

    const state = JSON.parse(text) as EmulatorState;
    if (state.format !== 'syncline-google-emulator/1') {
      throw new Error(`${this.file} has format '${String(state.format)}', expected 'syncline-google-emulator/1'; move the file away to start empty.`);
    }
    return state;
  }

  scheduleSave(state: EmulatorState): void {
    if (this.timer !== null) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writing = this.writing.then(() => this.save(state)).catch((error: unknown) => {
        console.error(`Google emulator could not save its state to ${this.file}:`, error);
      });
    }, SAVE_DELAY_MS);
  }

  async flush(state: EmulatorState): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.writing;
    await this.save(state);
  }

  private async save(state: EmulatorState): Promise<void> {
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(state));
    await rename(temporary, this.file);
  }
}
