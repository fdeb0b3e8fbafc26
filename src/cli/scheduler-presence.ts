import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A small file in the data folder that names the pid of the `syncline start` process running its scheduler here.
 * `syncline force` reads it to choose between running the session itself and leaving it to that scheduler, which
 * would otherwise find the mailbox's lease taken and skip.
 */
const PRESENCE_FILE = 'scheduler.pid';

export interface SchedulerPresence {
  /** Remove the file, if it is still this process's. */
  clear(): void;
}

export function announceScheduler(dataDir: string): SchedulerPresence {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, PRESENCE_FILE);
  writeFileSync(file, `${process.pid}\n`);
  return {
    clear() {
      if (runningSchedulerPid(dataDir) === process.pid) {
        rmSync(file, { force: true });
      }
    },
  };
}

/** Return the pid of the live `start` process of this data folder, or null when none runs (a stale file is ignored). */
export function runningSchedulerPid(dataDir: string): number | null {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, PRESENCE_FILE), 'utf8');
  } catch {
    return null;
  }

  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    return null;
  }
  try {
    // Signal 0 only checks that the process exists.
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}
