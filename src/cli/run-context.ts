import path from 'node:path';
import { ConfigError, findConfigFile, loadConfigFile, sandboxConfig, type Environment, type SynclineConfig } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import { fullReadChunkSize } from '../sync/chunked-setting.ts';
import { launchSandbox, type SandboxProcess } from './sandbox-launcher.ts';

export const DATA_DIR_VARIABLE = 'SYNCLINE_DATA_DIR';
export const DEFAULT_DATA_DIR = './.syncline';

export interface RunContextOptions {
  /** `--config PATH`. */
  readonly config?: string;
  /** `--data-dir DIR`; used only by the sandbox. */
  readonly dataDir?: string;
  /** The command being run, as typed after `syncline`, for the sandbox's lock. */
  readonly command: string;
  readonly env: Environment;
  readonly cwd: string;
  readonly logger: Logger;
}

/** The configuration a command runs with and, in sandbox mode, the sandbox process behind it. */
export interface RunContext {
  readonly config: SynclineConfig;
  readonly sandbox: SandboxProcess | null;
  /** Stop the sandbox, if any. */
  close(): Promise<void>;
}

/**
 * Load the configuration file, or, when there is none, start the sandbox and point the configuration at its
 * emulators.
 */
export async function openRunContext(options: RunContextOptions): Promise<RunContext> {
  checkSessionEnvironment(options.env);
  const file = findConfigFile({ flag: options.config, env: options.env, cwd: options.cwd });
  if (file !== null) {
    options.logger.debug({ file }, 'Configuration file loaded');
    return { config: loadConfigFile(file, options.env), sandbox: null, close: async () => undefined };
  }

  const dataDir = sandboxDataDir(options);
  let stopped = false;
  const sandbox = await launchSandbox({
    dataDir,
    command: options.command,
    onUnexpectedExit: (code, signal) => {
      if (!stopped) {
        options.logger.error({ code, signal }, 'The sandbox process exited; sessions fail until syncline is restarted');
      }
    },
  });

  let config: SynclineConfig;
  try {
    config = sandboxConfig(sandbox.ready, dataDir, options.env);
  } catch (error) {
    // A bad SYNCLINE_SANDBOX_… setting: the emulators must not outlive the refused command.
    stopped = true;
    await sandbox.stop();
    throw error;
  }
  return {
    config,
    sandbox,
    close: async () => {
      stopped = true;
      await sandbox.stop();
    },
  };
}

/**
 * Stop a command that runs sessions before it starts anything when an environment variable that sessions read is
 * invalid. A session that met it would otherwise fail, or fall back, with no one at the terminal to see why.
 */
function checkSessionEnvironment(env: Environment): void {
  try {
    fullReadChunkSize(env);
  } catch (error) {
    throw new ConfigError('the environment', [(error as Error).message]);
  }
}

export function sandboxDataDir(options: { dataDir?: string; env: Environment; cwd: string }): string {
  const chosen = options.dataDir ?? options.env[DATA_DIR_VARIABLE] ?? DEFAULT_DATA_DIR;
  return path.resolve(options.cwd, chosen);
}
