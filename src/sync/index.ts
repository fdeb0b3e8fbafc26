export { runEventSession } from './event-session.ts';
export { defaultSyncPolicy, type SyncPolicy } from './policy.ts';
