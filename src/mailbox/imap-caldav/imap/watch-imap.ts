import { ImapFlow } from 'imapflow';
import { DEFAULT_TIMEOUT_MS, type ImapCalDavOptions } from '../connector-options.ts';
import { classifyImapError } from './classify-imap-error.ts';

/** What changed in the watched folder, as the server announced it during IDLE. */
export interface ImapChange {
  readonly folder: string;
  /** `exists`: a message arrived; `flags`: flags or keywords changed; `expunge`: a message left. */
  readonly kind: 'exists' | 'flags' | 'expunge';
}

export interface ImapWatch {
  /** Resolves once the first connection is idling on the folder, or when the watch stopped before that. */
  readonly started: Promise<void>;
  /** Log out and stop reconnecting. */
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Folder to watch; default INBOX. */
  readonly folder?: string;
  /** Waits before reconnecting after a dropped connection, in milliseconds; the last repeats. */
  readonly reconnectDelaysMs?: readonly number[];
}

const DEFAULT_RECONNECT_DELAYS_MS = [1_000, 5_000, 15_000, 60_000];

/**
 * Keep one IMAP connection in IDLE (RFC 2177) on a folder and call `onChange` for every announcement, so a session
 * can start ahead of schedule. A dropped connection is opened again after a delay; a rejected login stops the watch,
 * because repeating it cannot succeed, and is logged as an error.
 */
export function watchImap(options: ImapCalDavOptions, onChange: (change: ImapChange) => void, watch: WatchOptions = {}): ImapWatch {
  const folder = watch.folder ?? 'INBOX';
  const delays = watch.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS_MS;
  const logger = options.logger.child({ component: 'imap-idle', folder });
  let client: ImapFlow | null = null;
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });

  const connect = async (): Promise<void> => {
    timer = null;
    if (closed) {
      return;
    }

    const next = new ImapFlow({
      host: options.imap.host,
      port: options.imap.port,
      secure: options.imap.secure,
      auth: { user: options.imap.username, pass: options.imap.password },
      logger: false,
      connectionTimeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    client = next;
    next.on('error', (error: unknown) => logger.debug({ err: error }, 'IMAP IDLE connection error'));
    next.on('exists', () => onChange({ folder, kind: 'exists' }));
    next.on('flags', () => onChange({ folder, kind: 'flags' }));
    next.on('expunge', () => onChange({ folder, kind: 'expunge' }));
    next.on('close', () => scheduleReconnect());

    try {
      await next.connect();
      await next.mailboxOpen(folder, { readOnly: true });
      failures = 0;
      logger.info('IMAP IDLE watch started');
      // imapflow enters IDLE by itself whenever the connection has no command to run. idle() resolves only when
      // IDLE ends, so the watch counts as started once the command is sent.
      const idling = next.idle();
      markStarted();
      await idling;
    } catch (error) {
      const failure = classifyImapError(error);
      if (failure.kind === 'suspend' || failure.kind === 'bug') {
        logger.error({ err: error, code: failure.code }, 'IMAP IDLE watch stopped: %s', failure.message);
        closed = true;
        markStarted();
      }
      next.close();
    }
  };

  const scheduleReconnect = (): void => {
    if (closed || timer !== null) {
      return;
    }
    const delay = delays[Math.min(failures, delays.length - 1)] ?? 60_000;
    failures += 1;
    logger.warn({ delayMs: delay, failures }, 'IMAP IDLE connection closed; reconnecting');
    timer = setTimeout(() => void connect(), delay);
  };

  void connect();
  return {
    started,
    async close() {
      closed = true;
      markStarted();
      if (timer !== null) {
        clearTimeout(timer);
      }
      const current = client;
      client = null;
      await current?.logout().catch(() => current.close());
      logger.info('IMAP IDLE watch stopped');
    },
  };
}
