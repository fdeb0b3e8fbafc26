import { z } from 'zod';

/**
 * The org's Google Workspace access for its mailboxes of kind `google` (docs/connect-google.md): a service account
 * with domain-wide delegation, or an OAuth client whose users each consent once through Syncline's Google sign-in page.
 * Their refresh token is kept encrypted in the store, unless the mailbox sets `googleRefreshToken`, which is used instead.
 */

const text = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}, got an empty string` });

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

// Tokens travel to these URLs, so they must use TLS unless they stay on this machine.
const googleUrl = z
  .string({ error: 'expected an https:// URL' })
  .refine((value) => /^https?:\/\/[^\s/]+/.test(value), { error: 'expected an https:// URL such as https://www.googleapis.com' })
  .refine((value) => !value.toLowerCase().startsWith('http://') || LOOPBACK_HOSTS.has(new URL(value).hostname.toLowerCase()), {
    error: 'expected an https:// URL: plain http:// would send tokens unencrypted and is accepted only for a loopback host; change it to https://',
  })
  .transform((value) => value.replace(/\/+$/, ''));

export const googleSchema = z.strictObject({
  auth: z.discriminatedUnion('kind', [
    z
      .strictObject({
        kind: z.literal('serviceAccount'),
        /** The JSON key file Google Cloud gives for the service account, relative to the configuration file. */
        keyFile: text('the path of the service account JSON key file').optional(),
        clientEmail: text('the service account address, e.g. syncline@project.iam.gserviceaccount.com').optional(),
        privateKey: text('the PEM private key of the service account').optional(),
      })
      .refine((auth) => auth.keyFile !== undefined || (auth.clientEmail !== undefined && auth.privateKey !== undefined), {
        error: 'expected keyFile (the JSON key file), or clientEmail and privateKey',
      }),
    z.strictObject({
      kind: z.literal('userOAuth'),
      clientId: text('the OAuth client id'),
      clientSecret: text('the OAuth client secret'),
      /** Authorization endpoint the sign-in page sends the owner to; absent: https://accounts.google.com/o/oauth2/v2/auth. */
      authorizeUrl: googleUrl.optional(),
    }),
  ]),
  tokenUrl: googleUrl.default('https://oauth2.googleapis.com/token'),
  apiBaseUrl: googleUrl.default('https://www.googleapis.com'),
  peopleBaseUrl: googleUrl.default('https://people.googleapis.com'),
  /** Whom Calendar emails about the engine's writes; `none` keeps guests from getting invitations from a sync. */
  sendUpdates: z.enum(['none', 'externalOnly', 'all'], { error: "expected 'none', 'externalOnly' or 'all'" }).default('none'),
  /** Gmail push: the Pub/Sub topic Gmail publishes to, `projects/{project}/topics/{topic}`; absent: no Gmail push. */
  pubsubTopic: z.string().regex(/^projects\/[^/]+\/topics\/[^/]+$/, { error: 'expected projects/PROJECT/topics/TOPIC' }).optional(),
  /**
   * Gmail push: the secret in the `token` query parameter of the Pub/Sub push subscription's endpoint; a push without
   * it is refused. Needed with pubsubTopic; best set in the environment (SYNCLINE_<ORG>_GOOGLE_PUSH_TOKEN).
   */
  pushToken: z.string().min(16, { error: 'expected a random secret of at least 16 characters' }).optional(),
}).refine((google) => google.pubsubTopic === undefined || google.pushToken !== undefined, {
  path: ['pushToken'],
  error: 'pubsubTopic is set, so Gmail push needs pushToken: the secret in the token query parameter of the Pub/Sub push endpoint (docs/connect-google.md)',
});

export type GoogleConfig = z.output<typeof googleSchema>;
