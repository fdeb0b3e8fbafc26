export { jitteredDelayMs } from './jitter.ts';
export { createScheduler, type Scheduler } from './scheduler.ts';
export { createSessionRunner } from './session-runner.ts';
