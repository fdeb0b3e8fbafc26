import path from 'node:path';
import { findConfigFile, loadConfigFile, type Environment, type StoreSetting, type SynclineConfig } from '../config/index.ts';
import { sandboxFolder } from '../config/sandbox-config.ts';
import type { Logger } from '../observability/logger.ts';
import { openStore, type SynclineStore } from '../store/index.ts';
import { sandboxDataDir } from './run-context.ts';

export interface StoreContextOptions {
  readonly config?: string;
  readonly dataDir?: string;
  readonly env: Environment;
  readonly cwd: string;
  readonly logger: Logger;
}

/** The store a command reads and writes, and the folder where a `start` process of that store announces itself. */
export interface StoreContext {
  readonly store: SynclineStore;
  /** The loaded configuration file; null in sandbox mode, whose emulators this context does not start. */
  readonly config: SynclineConfig | null;
  readonly presenceDir: string;
}

/**
 * Open only the store: status, suspend and resume need no emulator, and in sandbox mode the sandbox may already
 * belong to a running `syncline start`, so launching it again would fail.
 */
export async function openStoreContext(options: StoreContextOptions): Promise<StoreContext> {
  const file = findConfigFile({ flag: options.config, env: options.env, cwd: options.cwd });
  const config = file === null ? null : loadConfigFile(file, options.env);
  const setting: StoreSetting = config?.store ?? { kind: 'sqlite', path: path.join(sandboxFolder(sandboxDataDir(options)), 'syncline.db') };
  return { store: await openStore(setting, options.logger), config, presenceDir: presenceDirOf(setting, config?.dataDir ?? sandboxDataDir(options)) };
}

/** Next to the SQLite file, so a sandbox and a configured store in one data folder do not see each other's `start`. */
export function presenceDirOf(store: StoreSetting, dataDir: string): string {
  return store.kind === 'sqlite' ? path.dirname(store.path) : dataDir;
}
