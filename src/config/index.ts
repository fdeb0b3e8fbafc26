export { ConfigError } from './config-error.ts';
export { DATABASE_URL_VARIABLE, orgSecretVariable, type Environment } from './env-secrets.ts';
export { CONFIG_PATH_VARIABLE, DEFAULT_CONFIG_FILE, findConfigFile, loadConfigFile, mailboxIdFor, parseConfig } from './load-config.ts';
export type * from './resolved-config.ts';
export { parseSandboxReady, sandboxConfig, sandboxFolder, SANDBOX_INTERVAL_MINUTES, type SandboxReady, type SeedResult } from './sandbox-config.ts';
export { resolveSyncWindow } from './sync-window.ts';
