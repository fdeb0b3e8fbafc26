import { createRequire } from 'node:module';
import { pino } from 'pino';
import { createLogger, type Logger } from '../observability/logger.ts';

/**
 * Create the CLI's logger. With `toStderr` the logs are JSON lines on stderr, because `--json` keeps stdout for
 * its one JSON document. Otherwise they go to stdout, in readable form when stdout is a terminal and pino-pretty
 * (a development dependency) is installed.
 */
export function createCliLogger(options: { toStderr: boolean }): Logger {
  if (options.toStderr) {
    return createLogger({ destination: pino.destination({ dest: 2, sync: true }) });
  }

  if (process.stdout.isTTY && canPrettyPrint()) {
    return createLogger({ pretty: true });
  }
  return createLogger({ destination: pino.destination({ dest: 1, sync: true }) });
}

function canPrettyPrint(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
