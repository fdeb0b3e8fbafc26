import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseSandboxReady, SandboxInUseError, type SandboxReady } from '../config/sandbox-config.ts';
import { UsageError } from './usage-error.ts';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SANDBOX_MAIN = path.join(PACKAGE_ROOT, 'emulators', 'sandbox-main.ts');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface SandboxLaunchOptions {
  readonly dataDir: string;
  /** The command being run, as typed after `syncline` (`start`, `sandbox reset`); named to a second command that finds the folder in use. */
  readonly command: string;
  readonly reset?: boolean;
  readonly seedDir?: string;
  /** Called when the sandbox process ends before `stop` was called. */
  readonly onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface SandboxProcess {
  readonly ready: SandboxReady;
  readonly pid: number;
  /** Close the sandbox's stdin so it saves its state and exits; SIGTERM if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/**
 * Start the sandbox as a child process and wait for its ready line. It runs from the source checkout through
 * tsx, because the product never imports emulators/ and the sandbox ships as source next to it.
 */
export async function launchSandbox(options: SandboxLaunchOptions): Promise<SandboxProcess> {
  if (!existsSync(SANDBOX_MAIN)) {
    throw new Error(`The sandbox is not available: ${SANDBOX_MAIN} is missing. Run syncline from its source checkout, or pass --config to use real services.`);
  }

  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const args = ['--import', tsxLoader, SANDBOX_MAIN, '--data-dir', path.resolve(options.dataDir), '--owner-pid', String(process.pid), '--owner-command', options.command];
  if (options.reset) {
    args.push('--reset');
  }
  if (options.seedDir !== undefined) {
    args.push('--seed', path.resolve(options.seedDir));
  }

  const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const line = await readFirstLine(child);
  const ready = parseReadyOrStop(line, child, options.command);

  child.once('exit', (code, signal) => {
    if (!stopping) {
      options.onUnexpectedExit?.(code, signal);
    }
  });

  return {
    ready,
    pid: child.pid ?? -1,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }

      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function parseReadyOrStop(line: string, child: ChildProcess, command: string): SandboxReady {
  try {
    return parseSandboxReady(line);
  } catch (error) {
    child.kill('SIGTERM');
    throw error instanceof SandboxInUseError ? inUseError(error, command) : error;
  }
}

// A state problem the user solves by stopping the other command, so it exits like a usage error (code 2).
function inUseError(error: SandboxInUseError, command: string): UsageError {
  const holder = error.holderCommand === null ? `process ${error.holderPid}` : `a running \`syncline ${error.holderCommand}\` (process ${error.holderPid})`;
  return new UsageError(
    `${command} could not run: ${holder} is using the sandbox data folder ${error.sandboxDir}. Stop it first (Ctrl-C where it runs, or kill ${error.holderPid}), or pass another --data-dir.`,
  );
}

function readFirstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) {
      reject(new Error('The sandbox process has no stdout pipe'));
      return;
    }

    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`The sandbox did not report ready within ${READY_TIMEOUT_MS / 1000} s; see its messages above`));
    }, READY_TIMEOUT_MS);

    // 'close' rather than 'exit': it fires after stdout is drained, so a failure line is read before this runs.
    const onClose = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`The sandbox process exited with code ${code} before it was ready; see its messages above`));
    };

    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not start the sandbox process: ${error.message}`));
    });
    child.once('close', onClose);

    // Later lines are ignored; the interface keeps reading so the child never blocks on a full pipe.
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.off('close', onClose);
      resolve(line);
    });
  });
}
