export { ConfigError } from './config-error.ts';
export { type Environment } from './env-secrets.ts';
export { CONFIG_PATH_VARIABLE, DEFAULT_CONFIG_FILE, findConfigFile, loadConfigFile, parseConfig } from './load-config.ts';
export type * from './resolved-config.ts';
export { sandboxConfig, type ContactSeedResult, type MailSeedResult, type SampleItems, type SandboxReady, type SeedResult } from './sandbox-config.ts';
export { resolveSyncWindow } from './sync-window.ts';
