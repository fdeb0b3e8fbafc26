import { attachmentRoutes } from './attachment-handlers.ts';
import { categoryRoutes } from './category-handlers.ts';
import type { Route } from './graph-routing.ts';
import { mailFolderRoutes } from './mail-folder-handlers.ts';
import { messageDeltaRoute } from './message-delta.ts';
import { messageRoutes } from './message-handlers.ts';

/** List every mail route. Delta comes first, so `…/messages/delta` is not taken for a message id. */
export function mailRoutes(): Route[] {
  return [messageDeltaRoute, ...messageRoutes(), ...attachmentRoutes(), ...mailFolderRoutes(), ...categoryRoutes()];
}
