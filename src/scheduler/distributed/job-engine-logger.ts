import { Logger as JobEngineLogger } from 'graphile-worker';
import type { Logger } from '../../observability/logger.ts';

/**
 * graphile-worker's log lines, routed into our pino logger under `component: 'job-engine'`. Its metadata may hold
 * whole jobs with their payloads, so only the message goes out; a payload carries ids, never mail.
 */
export function jobEngineLogger(logger: Logger): JobEngineLogger {
  const scoped = logger.child({ component: 'job-engine' });
  return new JobEngineLogger(() => (level, message) => {
    switch (String(level)) {
      case 'error':
        scoped.error(message);
        return;
      case 'warning':
        scoped.warn(message);
        return;
      case 'info':
        scoped.info(message);
        return;
      default:
        scoped.debug(message);
    }
  });
}
