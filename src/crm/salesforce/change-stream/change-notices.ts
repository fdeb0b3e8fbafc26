import type { ChangeNotice, RecordChangeType } from '../../../domain/change-stream.ts';
import { RECORD_CHANGE_TYPES } from '../../../domain/change-stream.ts';

/** A change event as it arrives in a Bayeux data message (`data.payload` and `data.event`). */
export interface ChangeEventData {
  readonly payload: Readonly<Record<string, unknown>>;
  readonly event: { readonly replayId: number };
}

/** Stands for every object of a channel in a re-read notice of the all-changes channel. */
export const EVERY_OBJECT = '*';

/** `/data/EventChangeEvent` → `Event`, `/data/Invoice__ChangeEvent` → `Invoice__c`, `/data/ChangeEvents` → `*`. */
export function entityOfChannel(channel: string): string {
  const match = /^\/data\/(\w+?)(__)?ChangeEvent$/.exec(channel);
  if (!match?.[1]) return EVERY_OBJECT;
  return match[2] ? `${match[1]}__c` : match[1];
}

/** Reads the `data` member of a Bayeux message; null when it is no change event. */
export function readChangeEventData(data: unknown): ChangeEventData | null {
  if (data === null || typeof data !== 'object') return null;
  const { payload, event } = data as { payload?: unknown; event?: { replayId?: unknown } };
  if (payload === null || typeof payload !== 'object' || typeof event?.replayId !== 'number') return null;
  return { payload: payload as Record<string, unknown>, event: { replayId: event.replayId } };
}

/**
 * Turns one change event into a notice. Gap events name records whose change was not captured, and overflow
 * events a whole object, so both become re-read notices. `clientName` is Syncline's `Sforce-Call-Options`
 * client name: a change whose origin carries it is the engine's own write.
 */
export function toChangeNotice(data: ChangeEventData, clientName: string): ChangeNotice {
  const header = (data.payload.ChangeEventHeader ?? {}) as Record<string, unknown>;
  const entityName = typeof header.entityName === 'string' ? header.entityName : EVERY_OBJECT;
  const recordIds = stringList(header.recordIds);
  const changeType = typeof header.changeType === 'string' ? header.changeType : '';

  if (changeType === 'GAP_OVERFLOW') return { kind: 'reread', entityName, recordIds: null, reason: 'overflow' };
  if (!isRecordChangeType(changeType)) {
    // GAP_* events, and any change type this version does not know, name records to read again.
    return { kind: 'reread', entityName, recordIds: recordIds.length > 0 ? recordIds : null, reason: 'gap' };
  }

  const owner = data.payload.OwnerId;
  return {
    kind: 'change',
    entityName,
    changeType,
    recordIds,
    changedFields: stringList(header.changedFields),
    committedAt: new Date(typeof header.commitTimestamp === 'number' ? header.commitTimestamp : Date.now()).toISOString(),
    commitUser: typeof header.commitUser === 'string' ? header.commitUser : '',
    echo: madeByClient(header.changeOrigin, clientName),
    ownerId: typeof owner === 'string' ? owner : null,
  };
}

/** True when `changeOrigin` (`com/salesforce/api/rest/62.0;client=Syncline`) names `clientName` as the client. */
export function madeByClient(changeOrigin: unknown, clientName: string): boolean {
  if (typeof changeOrigin !== 'string') return false;
  return changeOrigin.split(';').some((part) => part.trim() === `client=${clientName}`);
}

function isRecordChangeType(value: string): value is RecordChangeType {
  return (RECORD_CHANGE_TYPES as readonly string[]).includes(value);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
