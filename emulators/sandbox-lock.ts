import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A lock file that keeps two processes from running the emulators over the same saved state at once. It names
 * the sandbox process and the syncline command that started it, because the user knows and stops the command
 * (`syncline start`), not the emulator process behind it.
 */
export interface SandboxOwner {
  /** Process id of the syncline command that runs this sandbox. */
  readonly pid: number;
  /** The command as the user typed it after `syncline`, e.g. `start`. */
  readonly command: string | null;
}

interface LockContent {
  readonly pid: number;
  readonly owner: SandboxOwner | null;
}

/** Thrown when another running sandbox uses the data folder. */
export class SandboxLockedError extends Error {
  constructor(
    readonly sandboxDir: string,
    readonly holder: SandboxOwner,
  ) {
    const who = holder.command === null ? `process ${holder.pid}` : `a running \`syncline ${holder.command}\` (process ${holder.pid})`;
    super(`the sandbox data in ${sandboxDir} is in use by ${who}; stop it first or use another --data-dir`);
    this.name = 'SandboxLockedError';
  }
}

export interface SandboxLock {
  release(): Promise<void>;
}

const LOCK_FILE = 'sandbox.pid';

export async function acquireSandboxLock(sandboxDir: string, owner: SandboxOwner | null): Promise<SandboxLock> {
  const lockFile = path.join(sandboxDir, LOCK_FILE);
  const holder = parseLock(await readFile(lockFile, 'utf8').catch(() => ''));
  if (holder !== null && holder.pid !== process.pid && isRunning(holder.pid)) {
    throw new SandboxLockedError(sandboxDir, holder.owner ?? { pid: holder.pid, command: null });
  }

  const content: LockContent = { pid: process.pid, owner };
  await writeFile(lockFile, `${JSON.stringify(content)}\n`);
  return { release: () => rm(lockFile, { force: true }) };
}

// Earlier versions wrote only the sandbox's pid; such a file still locks.
function parseLock(text: string): LockContent | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    return { pid: Number(trimmed), owner: null };
  }

  try {
    const parsed = JSON.parse(trimmed) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number') return null;
    const owner = parsed.owner && typeof parsed.owner.pid === 'number' ? { pid: parsed.owner.pid, command: parsed.owner.command ?? null } : null;
    return { pid: parsed.pid, owner };
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
