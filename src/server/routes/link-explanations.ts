import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toId18 } from '../../crm/salesforce/record-id.ts';
import type { LinkingRecords } from '../../store/linking-records.ts';
import { errorBodySchema } from '../api-errors.ts';
import { requireCaller } from '../authentication.ts';

const explanationSchema = z
  .object({
    object: z.string().describe('The Salesforce object of the record: Contact, Lead, Account or Opportunity'),
    use: z.string().describe('who (WhoId), what (WhatId), relation (participant) or created (Syncline created the record)'),
    rule: z.string().describe('The linking rule that chose the record'),
    activity: z.string().describe('The kind of activity linked: Event, Task or EmailMessage'),
    detail: z.string().describe('The latest reason in words: the matched address or domain and the tie-break'),
    firstAt: z.string(),
    lastAt: z.string(),
    times: z.number().int(),
  })
  .meta({ id: 'LinkExplanation' });

/**
 * `GET /api/v1/records/{recordId}/explanation`: why a Salesforce Contact, Lead, Account or Opportunity is linked
 * to activities of the caller's org, or why Syncline created it (the same rows that `syncline explain` prints).
 */
export function registerLinkExplanationRoutes(app: FastifyInstance, options: { readonly store: Pick<LinkingRecords, 'listLinkExplanations'> }): void {
  app.withTypeProvider<ZodTypeProvider>().get('/api/v1/records/:recordId/explanation', {
    schema: {
      tags: ['linking'],
      summary: "Why a Salesforce record is linked to the org's activities, or why Syncline created it",
      params: z.strictObject({
        recordId: z.string().regex(/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/, { error: 'expected a 15- or 18-character Salesforce record id, e.g. 003000000000001AAA' }),
      }),
      response: { 200: z.object({ recordId: z.string(), explanations: z.array(explanationSchema) }), 400: errorBodySchema, 401: errorBodySchema },
    },
  }, async (request) => {
    const caller = requireCaller(request);
    // The engine stores the 18-character ids that Salesforce returns.
    const recordId = toId18(request.params.recordId);
    const rows = await options.store.listLinkExplanations(caller.orgId, recordId);
    return {
      recordId,
      explanations: rows.map((row) => ({ object: row.object, use: row.use, rule: row.rule, activity: row.activity, detail: row.detail, firstAt: row.firstAt, lastAt: row.lastAt, times: row.times })),
    };
  });
}
