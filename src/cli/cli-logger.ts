import { createRequire } from 'node:module';
import { pino } from 'pino';
import { createLogger, type Logger } from '../observability/logger.ts';

/**
 * Create the CLI's logger. Logs always go to stderr, so stdout carries only what a command prints for the user
 * (a summary, or the `--json` document) and can be piped. On a terminal they are readable lines when
 * pino-pretty (a development dependency) is installed, JSON lines otherwise.
 */
export function createCliLogger(): Logger {
  if (process.stderr.isTTY && canPrettyPrint()) {
    return createLogger({ pretty: true });
  }

  const destination = pino.destination({ dest: 2, sync: true });
  // A reader that went away (`2>&1 | head`) must not crash the command, so its log lines are dropped instead.
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') {
      throw error;
    }
  });
  return createLogger({ destination });
}

function canPrettyPrint(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
