export { ConcurrencyLimit } from './concurrency-limit.ts';
export { jitteredDelayMs } from './jitter.ts';
export { createScheduler, type ScheduledMailbox, type Scheduler, type SchedulerOptions } from './scheduler.ts';
