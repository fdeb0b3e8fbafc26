import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parse, requireUser } from './admin-routes.ts';
import type { GraphServices } from './graph-routing.ts';
import { renderMessage } from './message-view.ts';
import { parsePrefer } from './prefer-header.ts';
import { seedMessages } from './seed-messages.ts';

/**
 * The mail part of the admin API (`/_admin`, loopback only): seed messages from .eml files and read a mailbox's
 * messages whole, headers and extended properties included.
 */
const seedBodySchema = z.object({
  messages: z.array(
    z.object({
      emlBase64: z.string().min(1),
      fileName: z.string().optional(),
      folder: z.string().min(1).optional(),
      categories: z.array(z.string()).optional(),
      isRead: z.boolean().optional(),
      receivedDateTime: z
        .string()
        .refine((value) => !Number.isNaN(Date.parse(value)), 'an ISO instant such as 2026-11-02T09:30:00Z')
        .optional(),
    }),
  ),
});

/** Attachments make .eml seeds far larger than Graph's 4 MB request limit. */
const SEED_BODY_LIMIT_BYTES = 512 * 1024 * 1024;

type UserParams = { Params: { user: string } };

export function registerMailAdminRoutes(app: FastifyInstance, services: GraphServices): void {
  app.post<UserParams>('/_admin/users/:user/messages/seed', { bodyLimit: SEED_BODY_LIMIT_BYTES }, async (request) => {
    const body = parse(seedBodySchema, request.body);
    const user = requireUser(services, request.params.user);
    return { results: await seedMessages(services.mail, user, body.messages) };
  });

  app.get<UserParams>('/_admin/users/:user/messages', async (request) => {
    const user = requireUser(services, request.params.user);
    const messages = services.mail.liveMessages(user.id).sort((a, b) => a.createdSeq - b.createdSeq);
    const select = new Set(['internetmessageheaders']);
    const preferences = parsePrefer(undefined);
    return {
      value: messages.map((message) => ({
        ...renderMessage(message, { preferences, expandProperties: 'all' }),
        ...renderMessage(message, { preferences, select }),
        folder: services.mail.mailboxOf(user.id).folders.find((folder) => folder.id === message.parentFolderId)?.displayName ?? null,
      })),
    };
  });
}
