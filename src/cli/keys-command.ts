import { KeyringError } from '../auth/encryption-keys.ts';
import { rotateEncryptionKeys } from '../auth/key-rotation.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { openStoreContext } from './store-context.ts';
import { UsageError } from './usage-error.ts';

export interface KeysRotateOptions {
  readonly config?: string;
  readonly dataDir?: string;
}

/** `syncline keys rotate`: re-encrypt every stored credential under a new key (see key-rotation.ts for the steps). */
export async function runKeysRotate(options: KeysRotateOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openStoreContext({ ...(options.config === undefined ? {} : { config: options.config }), ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }), env: environment.env, cwd: environment.cwd, logger });
  try {
    const report = await rotateEncryptionKeys({ rows: context.store, env: environment.env, logger });
    environment.stdout(`Re-encrypted ${report.reencrypted} credentials; every credential is now under key ${report.keyId}.`);
    if (report.source.kind === 'file') {
      environment.stdout(`The key file ${report.source.path} now holds only that key.`);
    } else if (report.retiredKeyIds.length > 0) {
      environment.stdout(`No credential uses the old keys (${report.retiredKeyIds.join(', ')}) any more: remove SYNCLINE_ENCRYPTION_OLD_KEYS from the environment of every Syncline process.`);
    }
    return 0;
  } catch (error) {
    if (error instanceof KeyringError) {
      throw new UsageError(error.message);
    }
    throw error;
  } finally {
    await context.store.close();
  }
}
