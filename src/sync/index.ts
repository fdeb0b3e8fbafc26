export { runEventSession, type EventSessionOptions } from './event-session.ts';
export { defaultSyncPolicy, type SyncPolicy } from './policy.ts';
export { planSession } from './planner.ts';
export type { PairAction, Plan, PlannerInput } from './plan.ts';
