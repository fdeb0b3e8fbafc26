import type { SyncWindow } from '../domain/connector.ts';
import type { WindowSetting } from './resolved-config.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Compute the window a session mirrors. A relative window is counted from the start of the current UTC day, so
 * every session of one day uses the same bounds. A window that moved a few minutes each session would otherwise
 * differ from the one baked into the stored delta cursor.
 */
export function resolveSyncWindow(setting: WindowSetting, now: Date): SyncWindow {
  if (setting.kind === 'fixed') {
    return { start: setting.start, end: setting.end };
  }

  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return {
    start: new Date(today - setting.pastDays * DAY_MS).toISOString(),
    end: new Date(today + (setting.futureDays + 1) * DAY_MS).toISOString(),
  };
}
