import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out as a last line of defence, at the top level of a log entry and one level down (pino's `*`
 * matches one key). Deeper fields are not blanked, so code must not pass secrets or mail bodies to the logger at all.
 */
const REDACTED_PATHS = [
  'accessToken',
  'refreshToken',
  'clientSecret',
  'password',
  'authorization',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.password',
  '*.authorization',
  'headers.authorization',
  'body',
  '*.body',
  'description',
  '*.description',
];

export interface LoggerOptions {
  readonly level?: string;
  /** Human-readable lines on stderr instead of JSON; the CLI turns this on when stderr is a terminal. */
  readonly pretty?: boolean;
  /** Where JSON lines go; defaults to stdout. */
  readonly destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.SYNCLINE_LOG_LEVEL ?? 'info';
  const base = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };

  if (options.destination) {
    return pino(base, options.destination);
  }

  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', destination: 2 } } });
  }

  return pino(base);
}

/** A logger that drops everything, for tests and library use without output. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
