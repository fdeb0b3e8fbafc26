import type { OrgState } from '../org-state.ts';

/** The channel that carries the change events of every selected object. */
export const ALL_CHANGES_CHANNEL = '/data/ChangeEvents';

/** `/data/EventChangeEvent` → `Event`, `/data/Invoice__ChangeEvent` → `Invoice__c`; null for other channels. */
export function entityOfChannel(channel: string): string | null {
  const match = /^\/data\/(\w+?)(__)?ChangeEvent$/.exec(channel);
  if (!match?.[1]) return null;
  return match[2] ? `${match[1]}__c` : match[1];
}

/** True when `channel` names the all-changes channel or the channel of an object selected for Change Data Capture. */
export function channelExists(channel: string, org: OrgState, selected: readonly string[]): boolean {
  if (channel === ALL_CHANGES_CHANNEL) return true;
  const entity = entityOfChannel(channel);
  if (entity === null || !org.table(entity)) return false;
  return selected.some((name) => name.toLowerCase() === entity.toLowerCase());
}

/** True when an event about `entityName` is delivered on `channel`. */
export function channelCarries(channel: string, entityName: string): boolean {
  if (channel === ALL_CHANGES_CHANNEL) return true;
  return entityOfChannel(channel)?.toLowerCase() === entityName.toLowerCase();
}
