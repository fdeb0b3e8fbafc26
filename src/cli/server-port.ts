import type { SynclineConfig } from '../config/index.ts';
import { UsageError } from './usage-error.ts';

/** Apply `syncline start --port N`, which overrides `server.port` of the configuration; 0 picks a free port. */
export function withServerPort(config: SynclineConfig, port: string | undefined): SynclineConfig {
  if (port === undefined) {
    return config;
  }

  const value = Number(port);
  if (!/^\d+$/.test(port) || value > 65_535) {
    throw new UsageError(`--port: expected a port number from 0 (any free port) to 65535, got '${port}'`);
  }
  return { ...config, server: { host: config.server?.host ?? '127.0.0.1', publicUrl: config.server?.publicUrl ?? null, port: value } };
}
