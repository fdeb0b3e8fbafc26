/* global document, window, location */
/**
 * The dashboard's script: sign-in, the user dashboard and the admin console. It builds every element with DOM calls
 * and sets text with textContent, so nothing from the API is ever parsed as HTML, and the strict
 * Content-Security-Policy needs no inline script or style. Every action goes through the HTTP API, which checks the
 * session, the role, the org and the CSRF token.
 */

const SVG = 'http://www.w3.org/2000/svg';
const POLL_DELAY_MS = 1500;
const POLL_TRIES = 6;

let csrfToken = null;

/** Create an element with attributes and children. Strings become text nodes. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name === 'text') {
      node.textContent = String(value);
    } else if (name.startsWith('on')) {
      node.addEventListener(name.slice(2), value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
  }
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') {
      node.textContent = String(value);
    } else {
      node.setAttribute(name, String(value));
    }
  }
  node.append(...children);
  return node;
}

/** An error response of the API, with its HTTP status and stable code. */
class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Call the API; a missing or expired session sends the browser to the sign-in page. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken !== null) {
    headers['x-csrf-token'] = csrfToken;
  }
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await response.text();
  const data = text === '' ? null : JSON.parse(text);
  if (response.status === 401 && document.body.dataset.page !== 'sign-in') {
    location.assign('/sign-in');
    throw new ApiFailure(401, 'unauthenticated', 'Your session ended; sign in again.');
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiFailure(response.status, error.code ?? 'http_error', error.message ?? `The server responded with status ${response.status}; reload the page or try again.`);
  }
  return data;
}

function formatTime(iso) {
  if (iso === null || iso === undefined) {
    return '—';
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function formatValue(value) {
  if (value === null || value === undefined) {
    return '(empty)';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const STATE_WORDS = {
  active: 'Active',
  syncing: 'Syncing now',
  suspendedByUser: 'Suspended by a person',
  suspendedByError: 'Suspended by an error',
  disconnected: 'Disconnected',
};

function badge(kind, value, words = value) {
  return el('span', { class: `badge ${kind}-${value}`, 'data-testid': `${kind}-badge`, text: words });
}

/** Accept only web links, so a record link can never run script; `base` resolves a path on this server. */
function safeWebLink(url, base) {
  try {
    const parsed = new URL(url, base);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function replaceMain(...children) {
  const main = document.getElementById('main');
  main.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
}

function showFailure(target, error) {
  target.className = 'error';
  target.textContent = error instanceof Error ? error.message : String(error);
}

/** Fill the top bar: the signed-in person, the console link for admins, and sign-out. */
function renderNav(me) {
  const nav = document.getElementById('nav');
  const signOut = el('button', {
    class: 'secondary',
    type: 'button',
    id: 'sign-out',
    text: 'Sign out',
    onclick: async () => {
      try {
        await api('POST', '/api/v1/auth/sign-out');
        location.assign('/sign-in');
      } catch (error) {
        signOut.textContent = `Sign-out failed (${error.message}); try again`;
      }
    },
  });
  const links = [el('a', { href: '/', text: 'Dashboard' })];
  if (me.user.role === 'admin') {
    links.push(el('a', { href: '/admin', id: 'console-link', text: 'Admin console' }));
  }
  nav.replaceChildren(...links, el('span', { class: 'muted', id: 'signed-in-as', text: `${me.user.email} · ${me.org.name} · ${me.user.role}` }), signOut);
}

// ---------------------------------------------------------------- sign-in

function startSignIn() {
  const oidc = document.getElementById('oidc-form');
  oidc.addEventListener('submit', (event) => {
    event.preventDefault();
    const org = oidc.elements.org.value.trim();
    if (org !== '') {
      const returnTo = location.pathname === '/sign-in' ? '/' : `${location.pathname}${location.search}`;
      location.assign(`/api/v1/auth/oidc/${encodeURIComponent(org)}/start?returnTo=${encodeURIComponent(returnTo)}`);
    }
  });

  const form = document.getElementById('sign-in-form');
  const message = document.getElementById('sign-in-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hidden = true;
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    const org = form.elements.org.value.trim();
    if (email === '' || password === '') {
      message.hidden = false;
      message.textContent = 'Enter your email address and your password.';
      return;
    }
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await api('POST', '/api/v1/auth/sign-in', { email, password, ...(org === '' ? {} : { org }) });
      // `/` and `/admin` show this form without a session: load the same address again, now signed in.
      location.assign(location.pathname === '/sign-in' ? '/' : `${location.pathname}${location.search}`);
    } catch (error) {
      message.hidden = false;
      message.textContent = error.message;
      if (error.code === 'org_required') {
        form.elements.org.focus();
      }
    } finally {
      button.disabled = false;
    }
  });
}

// ---------------------------------------------------------------- user dashboard

async function startDashboard(me) {
  const { mailboxes } = await api('GET', '/api/v1/mailboxes');
  if (mailboxes.length === 0) {
    replaceMain(
      el('h1', { text: 'Your mailbox' }),
      el('p', { class: 'card empty', text: `No mailbox with the address ${me.user.email} is connected to Syncline yet. Ask an admin of ${me.org.name} to add it to the configuration.` }),
    );
    return;
  }
  const requested = new URLSearchParams(location.search).get('mailbox');
  const selected = mailboxes.find((mailbox) => mailbox.id === requested) ?? mailboxes[0];

  const heading = el('h1', { text: mailboxes.length > 1 ? 'Mailbox' : 'Your mailbox' });
  const picker =
    mailboxes.length > 1
      ? el(
          'p',
          {},
          el('label', { for: 'mailbox-picker', text: 'Mailbox ' }),
          el(
            'select',
            { id: 'mailbox-picker', onchange: (event) => location.assign(`/?mailbox=${encodeURIComponent(event.target.value)}`) },
            mailboxes.map((mailbox) => el('option', { value: mailbox.id, selected: mailbox.id === selected.id, text: mailbox.address })),
          ),
        )
      : null;

  const stateCard = el('section', { class: 'card', id: 'mailbox-state', 'aria-labelledby': 'state-heading' });
  const errorsCard = el('section', { class: 'card', id: 'item-errors', 'aria-labelledby': 'errors-heading' });
  const historyCard = el('section', { class: 'card', id: 'session-history', 'aria-labelledby': 'history-heading' });
  const conflictsCard = el('section', { class: 'card', id: 'conflict-ledger', 'aria-labelledby': 'conflicts-heading' });
  const explainCard = el('section', { class: 'card', id: 'link-explanation', 'aria-labelledby': 'explain-heading' });
  // review.js fills this with the quarantine and held-deletion panels.
  const reviewMount = el('div', { id: 'review-panels' });
  // settings.js fills this with the mailbox's own settings.
  const settingsMount = el('div', { id: 'personal-settings-panel' });
  replaceMain(heading, picker, stateCard, errorsCard, historyCard, conflictsCard, reviewMount, explainCard, settingsMount);

  const view = { id: selected.id, stateCard, errorsCard, historyCard, conflictsCard, notice: '' };
  document.addEventListener('syncline:refresh-mailbox', () => void refreshMailbox(view).then(() => renderConflicts(view)).catch(() => undefined));
  document.dispatchEvent(new CustomEvent('syncline:dashboard-ready', { detail: { me, mailboxId: selected.id, mount: reviewMount, settingsMount } }));
  renderExplainForm(explainCard);
  await refreshMailbox(view);
  await renderConflicts(view);
}

/** Read the mailbox, its last session and its history, and draw them. */
async function refreshMailbox(view) {
  const [detail, history] = await Promise.all([api('GET', `/api/v1/mailboxes/${encodeURIComponent(view.id)}`), api('GET', `/api/v1/mailboxes/${encodeURIComponent(view.id)}/sessions?limit=20`)]);
  renderState(view, detail.mailbox, detail.lastSession, detail.connect);
  renderItemErrors(view.errorsCard, detail.lastSession);
  renderHistory(view.historyCard, history.sessions);
  return detail;
}

function renderState(view, mailbox, lastSession, connect) {
  const status = el('p', { id: 'action-status', role: 'status', class: 'notice', text: view.notice });
  const reasonInput = el('input', { id: 'suspend-reason', type: 'text', maxlength: 500, placeholder: 'Reason for suspending (optional)', 'aria-label': 'Reason for suspending' });
  const suspended = mailbox.state === 'suspendedByUser' || mailbox.state === 'suspendedByError';
  const blocked = mailbox.state === 'suspendedByUser' || mailbox.state === 'disconnected';

  const act = (label, run) => async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    status.className = 'notice';
    status.textContent = `${label}…`;
    try {
      view.notice = await run();
      await refreshMailbox(view);
    } catch (error) {
      showFailure(status, error);
      button.disabled = false;
    }
  };

  const force = el('button', {
    type: 'button',
    id: 'force-sync',
    disabled: blocked,
    text: 'Sync now',
    onclick: act('Asking for a session', async () => {
      const before = lastSession?.sessionId ?? null;
      await api('POST', `/api/v1/mailboxes/${encodeURIComponent(view.id)}/force`);
      view.notice = 'Session requested; it starts within a few seconds.';
      pollForSession(view, before, POLL_TRIES);
      return view.notice;
    }),
  });
  const suspend = el('button', {
    type: 'button',
    class: 'secondary',
    id: 'suspend',
    disabled: blocked,
    text: 'Suspend',
    onclick: act('Suspending', async () => {
      const reason = reasonInput.value.trim();
      await api('POST', `/api/v1/mailboxes/${encodeURIComponent(view.id)}/suspend`, reason === '' ? {} : { reason });
      return 'Suspended: no sessions run until you resume. Links and cursors are kept.';
    }),
  });
  const resume = el('button', {
    type: 'button',
    class: 'secondary',
    id: 'resume',
    disabled: !suspended,
    text: 'Resume',
    onclick: act('Resuming', async () => {
      await api('POST', `/api/v1/mailboxes/${encodeURIComponent(view.id)}/resume`);
      return 'Resumed: the next session continues where sync stopped.';
    }),
  });

  const lastText = mailbox.lastSessionAt === null ? 'No session yet' : `${formatTime(mailbox.lastSessionAt)} (${mailbox.lastStatus ?? 'unknown'})`;
  const nextLabel = mailbox.state === 'suspendedByError' ? 'Automatic resume' : 'Next session';
  const nextText = blocked ? 'None until resumed' : formatTime(mailbox.nextSessionAt);
  view.stateCard.replaceChildren(
    el('h2', { id: 'state-heading', text: mailbox.address }),
    el(
      'dl',
      { class: 'facts' },
      el('dt', { text: 'State' }),
      el('dd', {}, badge('state', mailbox.state, STATE_WORDS[mailbox.state] ?? mailbox.state)),
      el('dt', { text: 'Why' }),
      el('dd', { id: 'state-reason', text: mailbox.reason ?? (mailbox.state === 'active' ? 'Syncing on schedule' : '—') }),
      el('dt', { text: 'Last session' }),
      el('dd', { id: 'last-session', text: lastText }),
      el('dt', { text: nextLabel }),
      el('dd', { id: 'next-session', text: nextText }),
      el('dt', { text: 'Kind' }),
      el('dd', { text: `${mailbox.kind} · ${mailbox.timeZone}` }),
    ),
    el('div', { class: 'actions' }, connectLink(mailbox, connect), force, reasonInput, suspend, resume),
    status,
  );
}

const PROVIDER_WORDS = { graph: 'Microsoft', google: 'Google' };
/** The `salesforce.recurringEvents` modes, in the words of docs/recurrence.md. */
const RECURRING_WORDS = {
  auto: 'auto: one Salesforce event series per new Office 365 series where the org has Recurring Events 2.0, else one Event per occurrence',
  series: 'series: one Salesforce event series per new Office 365 series',
  occurrences: 'occurrences: one Event per occurrence in the sync window',
};

/**
 * Link to the server's sign-in page, where the owner grants Syncline access: it sends the browser on to Microsoft or
 * Google and back. A mailbox suspended by an error (a missing or revoked token among them) offers to connect again,
 * and a mailbox whose owner's token is stored and that syncs offers nothing.
 */
function connectLink(mailbox, connect) {
  const href = connect ? safeWebLink(connect.url, location.href) : null;
  if (href === null) {
    return null;
  }
  const again = mailbox.state === 'disconnected' || mailbox.state === 'suspendedByError';
  // A mailbox that syncs with the owner's stored token needs no sign-in; one that stopped may need a new one.
  if (connect.signedIn && !again) {
    return null;
  }
  const provider = PROVIDER_WORDS[connect.provider] ?? connect.provider;
  return el('a', {
    id: 'connect-mailbox',
    href,
    title: `Sign in with ${provider} to let Syncline reach this mailbox`,
    text: again ? 'Connect again' : 'Connect your mailbox',
  });
}

/** After a forced session, read the mailbox again until a newer session shows up, a few times. */
function pollForSession(view, previousSessionId, triesLeft) {
  if (triesLeft <= 0) {
    return;
  }
  setTimeout(async () => {
    try {
      const detail = await refreshMailbox(view);
      const latest = detail.lastSession?.sessionId ?? null;
      if (latest !== previousSessionId) {
        view.notice = `The session finished: ${detail.lastSession.status}.`;
        await refreshMailbox(view);
        await renderConflicts(view);
        return;
      }
    } catch {
      // The next try reads again; a lasting failure shows on the next action.
    }
    pollForSession(view, previousSessionId, triesLeft - 1);
  }, POLL_DELAY_MS);
}

function renderItemErrors(card, lastSession) {
  const heading = el('h2', { id: 'errors-heading', text: 'Item errors of the last session' });
  const errors = lastSession?.itemErrors ?? [];
  if (errors.length === 0) {
    card.replaceChildren(heading, el('p', { class: 'empty', text: lastSession === null ? 'No session yet.' : 'None: every item synced.' }));
    return;
  }
  const items = errors.map((error) => {
    const link = error.recordUrl === null ? null : safeWebLink(error.recordUrl);
    return el(
      'li',
      { class: 'item-error' },
      el('strong', { text: `${error.objectKind ?? 'item'} on the ${error.side === 'crm' ? 'Salesforce' : 'mailbox'} side: ` }),
      el('span', { text: error.message }),
      ' ',
      el('code', { text: error.code }),
      link === null
        ? el('div', { class: 'muted', text: 'No Salesforce record yet; the next session tries the item again.' })
        : el('div', {}, el('a', { href: link, target: '_blank', rel: 'noopener noreferrer', class: 'record-link', text: 'Open the record in Salesforce' }), el('span', { class: 'muted', text: ' to fix the value; the next session tries again.' })),
    );
  });
  card.replaceChildren(heading, el('ul', { class: 'item-errors' }, items));
}

function renderHistory(card, sessions) {
  const heading = el('h2', { id: 'history-heading', text: 'Session history' });
  if (sessions.length === 0) {
    card.replaceChildren(heading, el('p', { class: 'empty', text: 'No session yet.' }));
    return;
  }
  const writes = (side) => `+${side.created} ~${side.updated} −${side.deleted}`;
  const headers = ['Started', 'Status', 'Read (mailbox / Salesforce)', 'Written to mailbox', 'Written to Salesforce', 'API calls (mailbox / Salesforce)', 'Conflicts', 'Item errors', 'Notes'];
  const rows = sessions.map((session) =>
    el(
      'tr',
      { 'data-session-id': session.sessionId },
      el('td', { text: formatTime(session.startedAt) }),
      el('td', {}, badge('status', session.status)),
      el('td', { class: 'number', text: `${session.reads.mailbox} / ${session.reads.crm}` }),
      el('td', { class: 'number', text: writes(session.writes.mailbox) }),
      el('td', { class: 'number', text: writes(session.writes.crm) }),
      el('td', { class: 'number', text: `${session.apiCalls.mailbox} / ${session.apiCalls.crm}` }),
      el('td', { class: 'number', text: session.conflicts }),
      el('td', { class: 'number', text: session.itemErrors.length }),
      el('td', { text: session.notes.join(' ') }),
    ),
  );
  card.replaceChildren(
    heading,
    el('p', { class: 'muted', text: 'Writes: + created, ~ updated, − deleted.' }),
    el('table', {}, el('thead', {}, el('tr', {}, headers.map((text) => el('th', { scope: 'col', text })))), el('tbody', {}, rows)),
  );
}

async function renderConflicts(view) {
  const card = view.conflictsCard;
  const heading = el('h2', { id: 'conflicts-heading', text: 'Conflict ledger' });
  const { conflicts } = await api('GET', `/api/v1/mailboxes/${encodeURIComponent(view.id)}/conflicts?limit=50`);
  if (conflicts.length === 0) {
    card.replaceChildren(heading, el('p', { class: 'empty', text: 'No conflicts: no field was changed on both sides between two sessions.' }));
    document.dispatchEvent(new CustomEvent('syncline:conflicts-rendered', { detail: { mailboxId: view.id, card, conflicts } }));
    return;
  }
  const headers = ['When', 'Item', 'Field', 'Mailbox value', 'Salesforce value', 'Kept', 'Why'];
  const rows = conflicts.map((entry) =>
    el(
      'tr',
      { 'data-conflict-id': entry.id },
      el('td', { text: formatTime(entry.createdAt) }),
      el('td', { text: entry.objectKind }),
      el('td', { text: entry.field }),
      el('td', { class: 'value', text: formatValue(entry.mailboxValue) }),
      el('td', { class: 'value', text: formatValue(entry.crmValue) }),
      el('td', { text: entry.winner === 'crm' ? 'Salesforce' : 'Mailbox' }),
      el('td', { text: entry.reason }),
    ),
  );
  card.replaceChildren(
    heading,
    el('p', { class: 'muted', text: 'Fields both sides changed since they last agreed, newest first, with the value kept and why.' }),
    el('table', {}, el('thead', {}, el('tr', {}, headers.map((text) => el('th', { scope: 'col', text })))), el('tbody', {}, rows)),
  );
  // review.js adds the Undo column.
  document.dispatchEvent(new CustomEvent('syncline:conflicts-rendered', { detail: { mailboxId: view.id, card, conflicts } }));
}

const USE_WORDS = {
  who: 'linked as the person (WhoId) of',
  what: 'linked as the related record (WhatId) of',
  relation: 'related as a participant of',
  created: 'created by Syncline for',
};

function renderExplainForm(card) {
  const input = el('input', { id: 'explain-record-id', type: 'text', required: true, pattern: '[A-Za-z0-9]{15}([A-Za-z0-9]{3})?', placeholder: '003000000000001AAA', 'aria-label': 'Salesforce record id' });
  const result = el('div', { id: 'explain-result', role: 'status' });
  const form = el(
    'form',
    {
      class: 'actions',
      onsubmit: async (event) => {
        event.preventDefault();
        const recordId = input.value.trim();
        if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(recordId)) {
          result.replaceChildren(el('p', { class: 'error', text: 'Enter the 15- or 18-character id of a Contact, Lead, Account or Opportunity.' }));
          return;
        }
        try {
          const answer = await api('GET', `/api/v1/records/${encodeURIComponent(recordId)}/explanation`);
          if (answer.explanations.length === 0) {
            result.replaceChildren(el('p', { class: 'empty', text: `Syncline has not linked or created ${answer.recordId}.` }));
            return;
          }
          result.replaceChildren(
            el('p', { text: `${answer.explanations[0].object} ${answer.recordId}:` }),
            el(
              'ul',
              {},
              answer.explanations.map((row) =>
                el(
                  'li',
                  { class: 'explanation' },
                  `${USE_WORDS[row.use] ?? row.use} ${row.activity} — rule ${row.rule}: ${row.detail} `,
                  el('span', { class: 'muted', text: row.times === 1 ? `(${formatTime(row.lastAt)})` : `(${row.times} times, ${formatTime(row.firstAt)} to ${formatTime(row.lastAt)})` }),
                ),
              ),
            ),
          );
        } catch (error) {
          const message = el('p');
          showFailure(message, error);
          result.replaceChildren(message);
        }
      },
    },
    el('label', { for: 'explain-record-id', text: 'Salesforce record id' }),
    input,
    el('button', { type: 'submit', id: 'explain', text: 'Explain' }),
  );
  card.replaceChildren(el('h2', { id: 'explain-heading', text: 'Why is a record linked?' }), el('p', { class: 'muted', text: 'Why a Contact, Lead, Account or Opportunity is linked to activities, or why Syncline created it.' }), form, result);
}

// ---------------------------------------------------------------- admin console

async function startConsole(me) {
  const mailboxesCard = el('section', { class: 'card', id: 'org-mailboxes', 'aria-labelledby': 'mailboxes-heading' });
  const usageCard = el('section', { class: 'card', id: 'salesforce-usage', 'aria-labelledby': 'usage-heading' });
  const settingsCard = el('section', { class: 'card', id: 'org-settings', 'aria-labelledby': 'settings-heading' });
  // settings.js fills this with the org settings editor.
  const settingsMount = el('div', { id: 'org-settings-panel' });
  replaceMain(el('h1', { text: `Admin console · ${me.org.name}` }), mailboxesCard, usageCard, settingsCard, settingsMount);
  document.dispatchEvent(new CustomEvent('syncline:console-ready', { detail: { me, settingsMount } }));
  await Promise.all([
    renderOrFail(mailboxesCard, 'Mailboxes', renderOrgMailboxes),
    renderOrFail(usageCard, 'Salesforce API use, last 24 hours', renderUsage),
    renderOrFail(settingsCard, 'Org settings', renderSettings),
  ]);
}

/** Draw one card of the console; a failure shows in that card only, so the other cards still work. */
async function renderOrFail(card, title, render) {
  try {
    await render(card);
  } catch (error) {
    const message = el('p', { role: 'alert' });
    showFailure(message, error);
    card.replaceChildren(el('h2', { text: title }), message);
  }
}

async function renderOrgMailboxes(card) {
  const { mailboxes } = await api('GET', '/api/v1/mailboxes');
  const heading = el('h2', { id: 'mailboxes-heading', text: `Mailboxes (${mailboxes.length})` });
  if (mailboxes.length === 0) {
    card.replaceChildren(heading, el('p', { class: 'empty', text: 'The org has no mailbox yet.' }));
    return;
  }
  const headers = ['Address', 'Kind', 'State', 'Why', 'Last session', 'Next session'];
  const rows = mailboxes.map((mailbox) =>
    el(
      'tr',
      { 'data-mailbox-id': mailbox.id },
      el('td', {}, el('a', { href: `/?mailbox=${encodeURIComponent(mailbox.id)}`, text: mailbox.address })),
      el('td', { text: mailbox.kind }),
      el('td', {}, badge('state', mailbox.state, STATE_WORDS[mailbox.state] ?? mailbox.state)),
      el('td', { text: mailbox.reason ?? '' }),
      el('td', { text: mailbox.lastSessionAt === null ? 'No session yet' : `${formatTime(mailbox.lastSessionAt)} (${mailbox.lastStatus ?? 'unknown'})` }),
      el('td', { text: formatTime(mailbox.nextSessionAt) }),
    ),
  );
  card.replaceChildren(heading, el('table', {}, el('thead', {}, el('tr', {}, headers.map((text) => el('th', { scope: 'col', text })))), el('tbody', {}, rows)));
}

async function renderUsage(card) {
  const heading = el('h2', { id: 'usage-heading', text: 'Salesforce API use, last 24 hours' });
  const { usage } = await api('GET', '/api/v1/org/salesforce-usage');
  const parts = [heading];

  if (usage.org === null) {
    parts.push(el('p', { class: 'error', id: 'usage-org-error', text: usage.orgError ?? "Salesforce did not report the org's usage." }));
  } else {
    const { used, max } = usage.org;
    const allowed = usage.budget.allowed;
    const percent = ((used / max) * 100).toFixed(1);
    parts.push(
      el('p', { id: 'usage-summary', text: `The org has used ${used.toLocaleString()} of its ${max.toLocaleString()} daily API requests (${percent} %), counting every integration. Syncline slows down from ${Math.floor(allowed * 0.8).toLocaleString()} and stops at ${allowed.toLocaleString()} (apiBudgetShare ${usage.budget.share}).` }),
      meter(used, max, allowed),
      el('p', { class: 'muted', text: 'Bar: requests used today. Dashed line: Syncline slows down. Solid line: Syncline stops until the 24-hour window frees requests.' }),
      el('p', { class: 'muted', text: `Checked ${formatTime(usage.org.checkedAt)}.` }),
    );
  }
  parts.push(el('p', { id: 'usage-syncline', text: `Syncline's sessions made ${usage.syncline.total.toLocaleString()} Salesforce API calls in these 24 hours:` }), hourlyChart(usage.syncline.hourly));
  card.replaceChildren(...parts);
}

/** Draw a horizontal bar of the org's usage of its daily limit, with Syncline's slow-down and stop marks. */
function meter(used, max, allowed) {
  const width = 600;
  const x = (value) => Math.min(width, (value / max) * width);
  return svg(
    'svg',
    { class: 'meter', viewBox: `0 0 ${width} 28`, role: 'img', 'aria-label': `${used} of ${max} daily API requests used; Syncline stops at ${allowed}`, 'data-testid': 'usage-meter' },
    svg('title', { text: `${used} of ${max} daily API requests used` }),
    svg('rect', { class: 'track', x: 0, y: 4, width, height: 20, rx: 4 }),
    svg('rect', { class: 'used', x: 0, y: 4, width: x(used), height: 20, rx: 4 }),
    svg('line', { class: 'slow', x1: x(allowed * 0.8), x2: x(allowed * 0.8), y1: 0, y2: 28 }),
    svg('line', { class: 'limit', x1: x(allowed), x2: x(allowed), y1: 0, y2: 28 }),
  );
}

/** Draw bars of Syncline's Salesforce calls per hour, oldest on the left. */
function hourlyChart(hourly) {
  const width = 720;
  const height = 180;
  const left = 36;
  const bottom = 22;
  const top = 8;
  const peak = Math.max(1, ...hourly.map((entry) => entry.calls));
  const slot = (width - left) / hourly.length;
  const scale = (height - bottom - top) / peak;
  const bars = hourly.map((entry, index) => {
    const barHeight = entry.calls * scale;
    const hour = new Date(entry.hour);
    return svg(
      'rect',
      { class: 'bar', x: left + index * slot + 2, y: height - bottom - barHeight, width: Math.max(1, slot - 4), height: barHeight, 'data-calls': entry.calls },
      svg('title', { text: `${hour.toLocaleString()}: ${entry.calls} calls` }),
    );
  });
  const labels = hourly
    .map((entry, index) => ({ entry, index }))
    .filter(({ index }) => index % 4 === 0)
    .map(({ entry, index }) => svg('text', { x: left + index * slot + slot / 2, y: height - 6, 'text-anchor': 'middle', text: `${String(new Date(entry.hour).getHours()).padStart(2, '0')}:00` }));
  return svg(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Salesforce API calls of Syncline per hour; the busiest hour had ${peak}`, 'data-testid': 'usage-chart' },
    svg('title', { text: 'Salesforce API calls of Syncline per hour' }),
    svg('line', { class: 'axis', x1: left, x2: width, y1: height - bottom, y2: height - bottom }),
    svg('text', { x: left - 4, y: top + 8, 'text-anchor': 'end', text: String(peak) }),
    svg('text', { x: left - 4, y: height - bottom, 'text-anchor': 'end', text: '0' }),
    ...bars,
    ...labels,
  );
}

async function renderSettings(card) {
  const { org } = await api('GET', '/api/v1/org/settings');
  const facts = [
    ['Org', `${org.name} (${org.id})`],
    ['Conflict policy', org.policy.conflict],
    ['Delete in Salesforce when deleted in the mailbox', org.policy.deleteCrmOnMailboxDelete ? 'yes' : 'no'],
    ...(org.policy.deletions === undefined ? [] : [['Deletions', Object.entries(org.policy.deletions).map(([kind, rule]) => `${kind}: ${rule.action}`).join(', ')]]),
    ...(org.policy.quarantineDays === undefined ? [] : [['Deletion quarantine', `${org.policy.quarantineDays} days`]]),
    ['Private items', org.policy.privateItems],
    ['Mass-delete guard', `at most ${Math.round(org.policy.massDelete.maxShare * 100)} % or ${org.policy.massDelete.maxCount} items per session`],
    ['Salesforce', `${org.salesforce.loginUrl} · API v${org.salesforce.apiVersion} · ${org.salesforce.authKind}`],
    ['Sync id field', org.salesforce.syncIdField],
    ['API budget share', String(org.salesforce.apiBudgetShare)],
    ['Recurring meetings', RECURRING_WORDS[org.salesforce.recurringEvents] ?? org.salesforce.recurringEvents],
    ['Graph', org.graph.graphBaseUrl],
    ['Instant sync', `${org.instantSync.triggers.join(', ') || 'off'} · coalesced over ${org.instantSync.coalesceSeconds} s`],
    ['Mailboxes', `${org.mailboxes.count}, sessions every ${org.mailboxes.sessionIntervalMinutes.join(' or ')} minutes`],
    ['Sign-in', org.signIn.oidcIssuer === null ? 'password' : `password or OpenID Connect (${org.signIn.oidcIssuer})`],
  ];
  card.replaceChildren(
    el('h2', { id: 'settings-heading', text: 'Org settings' }),
    el('p', { class: 'muted', text: 'As the next sessions run them: the configuration file with the sections edited below. Connections and sign-in change in the file only. Secrets are never shown.' }),
    el('dl', { class: 'facts' }, facts.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })])),
  );
}

// ---------------------------------------------------------------- start

async function start() {
  const page = document.body.dataset.page;
  if (page === 'sign-in') {
    startSignIn();
    return;
  }
  try {
    const me = await api('GET', '/api/v1/me');
    csrfToken = me.csrfToken;
    renderNav(me);
    if (page === 'console') {
      await startConsole(me);
    } else {
      await startDashboard(me);
    }
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) {
      return;
    }
    const message = el('p', { role: 'alert' });
    showFailure(message, error);
    replaceMain(message);
  }
}

window.addEventListener('DOMContentLoaded', () => void start());

// review.js imports these (the same module instance, so it shares the CSRF token).
export { api, el, formatTime, formatValue, showFailure };
