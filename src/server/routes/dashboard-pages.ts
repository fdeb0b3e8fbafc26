import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller, SignInSessions } from '../../auth/sign-in-sessions.ts';
import { readCookie, type CookiePolicy } from '../session-cookie.ts';

export interface DashboardPageOptions {
  readonly sessions: SignInSessions;
  readonly cookies: CookiePolicy;
}

/**
 * Scripts, styles, images and API calls come from this server only; nothing inline, no frames, no plugins, forms
 * post here only. The pages build every element with DOM calls, so no inline script or style is needed.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const ASSETS: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  'dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  'review.js': { file: 'review.js', type: 'text/javascript; charset=utf-8' },
  'settings.js': { file: 'settings.js', type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  'icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
};

type PageName = 'sign-in' | 'dashboard' | 'console';

const TITLES: Readonly<Record<PageName, string>> = { 'sign-in': 'Sign in', dashboard: 'Dashboard', console: 'Admin console' };

/**
 * Register the dashboard's pages, outside `/api/`: `/sign-in`, `/` (the user dashboard) and `/admin` (the admin console), and
 * their scripts, style sheet and icon under `/ui/`. The pages are small HTML shells that `dashboard.js` fills from the
 * HTTP API, which checks sign-in, role, org and CSRF on every call; on `/`, `review.js` adds the review panels. The page routes check the session too: without
 * one, `/` and `/admin` serve the sign-in page (which returns to the same address after sign-in), and `/admin`
 * redirects a user who is not an admin to `/`.
 */
export function registerDashboardPages(app: FastifyInstance, options: DashboardPageOptions): void {
  const folder = new URL('../ui/', import.meta.url);
  const assets = new Map(Object.entries(ASSETS).map(([name, asset]) => [name, { body: readFileSync(new URL(asset.file, folder)), type: asset.type }]));

  const callerOf = async (request: FastifyRequest): Promise<Caller | null> => {
    const token = readCookie(request, options.cookies.sessionCookie);
    return token === null ? null : options.sessions.resolve(token);
  };

  app.get('/sign-in', { schema: { hide: true } }, async (request, reply) => {
    if ((await callerOf(request)) !== null) {
      return reply.redirect('/', 303);
    }
    return sendPage(reply, 'sign-in');
  });

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    return sendPage(reply, (await callerOf(request)) === null ? 'sign-in' : 'dashboard');
  });

  app.get('/admin', { schema: { hide: true } }, async (request, reply) => {
    const caller = await callerOf(request);
    if (caller === null) {
      return sendPage(reply, 'sign-in');
    }
    if (caller.role !== 'admin') {
      return reply.redirect('/', 303);
    }
    return sendPage(reply, 'console');
  });

  // Browsers ask for /favicon.ico on pages that name no icon, such as the plain-text sign-in callback pages.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => {
    const icon = assets.get('icon.svg');
    return icon === undefined ? reply.code(404).send() : securityHeaders(reply).header('cache-control', 'max-age=86400').type(icon.type).send(icon.body);
  });

  app.get<{ Params: { name: string } }>('/ui/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (asset === undefined) {
      return reply.code(404).type('text/plain; charset=utf-8').send(`no file /ui/${request.params.name.slice(0, 100)}; the dashboard starts at /`);
    }
    return securityHeaders(reply).header('cache-control', 'no-cache').type(asset.type).send(asset.body);
  });
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', PAGE_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin');
}

function sendPage(reply: FastifyReply, page: PageName): FastifyReply {
  return securityHeaders(reply).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(pageHtml(page));
}

/** Build the HTML shell of a page. `dashboard.js` reads `data-page` and fills `<main>`; the sign-in form is plain markup. */
function pageHtml(page: PageName): string {
  const main =
    page === 'sign-in'
      ? `<h1>Sign in to Syncline</h1>
<form id="sign-in-form" class="card narrow" method="post" action="/sign-in" novalidate>
  <label for="email">Email address</label>
  <input id="email" name="email" type="email" autocomplete="username" required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <label for="org">Org id <span class="hint">(only when asked: the address belongs to several orgs)</span></label>
  <input id="org" name="org" type="text" autocomplete="organization">
  <button type="submit">Sign in</button>
  <p id="sign-in-error" class="error" role="alert" hidden></p>
</form>
<form id="oidc-form" class="card narrow" novalidate>
  <label for="oidc-org">Or sign in through your org's identity provider: org id</label>
  <input id="oidc-org" name="org" type="text" required>
  <button type="submit" class="secondary">Continue to the identity provider</button>
</form>`
      : '<p class="loading">Loading…</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[page]} · Syncline</title>
<link rel="icon" href="/ui/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/dashboard.css">
<script type="module" src="/ui/dashboard.js"></script>
${page === 'dashboard' ? '<script type="module" src="/ui/review.js"></script>\n' : ''}${page === 'sign-in' ? '' : '<script type="module" src="/ui/settings.js"></script>\n'}</head>
<body data-page="${page}">
<header class="top"><a class="brand" href="/">Syncline</a><nav id="nav"></nav></header>
<main id="main">
${main}
</main>
</body>
</html>
`;
}
