import type { CrmEventSource, MailboxEventSource } from '../../src/domain/connector.ts';
import type { SyncStateStore } from '../../src/domain/sync-store.ts';
import type { SessionOverrides } from './e2e-harness.ts';
import type { CrashPoint } from './model-commands.ts';

class SimulatedCrash extends Error {}

/** Wrap a side so the process "dies" right after its writes reached the service. */
function crashAfterWrites<T extends MailboxEventSource | CrmEventSource>(source: T): T {
  return new Proxy(source, {
    get(target, property, receiver) {
      if (property !== 'applyWrites') {
        return Reflect.get(target, property, receiver);
      }
      return async (...args: Parameters<T['applyWrites']>) => {
        await (target.applyWrites as (...inner: unknown[]) => Promise<unknown>)(...args);
        throw new SimulatedCrash('crash after writes');
      };
    },
  });
}

/** Wrap the store so the process "dies" when the session commits. Every other store call goes through. */
function crashAtCommit(store: SyncStateStore): SyncStateStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'commitSession') {
        return async () => {
          throw new SimulatedCrash('crash before commit');
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Return the session overrides that crash a session at `at`. */
export function crashOverrides(at: CrashPoint): SessionOverrides {
  if (at === 'afterCrmWrites') {
    return { wrapCrm: crashAfterWrites };
  }
  return at === 'afterMailboxWrites' ? { wrapMailbox: crashAfterWrites } : { wrapStore: crashAtCommit };
}
