export { runEventSession } from './event-session.ts';
export type { KindSession } from './kind-types.ts';
export { runMailboxSession, type MailboxSessionOptions } from './mailbox-session.ts';
export { defaultSyncPolicy, type SyncPolicy } from './policy.ts';
export { planMailboxSession, type PlannedChange, type SessionPlan } from './dry-run.ts';
