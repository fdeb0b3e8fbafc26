/* global document */
/**
 * The dashboard's review panels: an Undo button on each conflict ledger row, the deletion quarantine with Restore,
 * and for admins the deletions the mass-delete breaker holds back, with Confirm and Reject. Each action only records
 * the request, the next session carries it out, and the server requests that session at once. So after an action this script
 * reads the mailbox again until a newer session is recorded, then draws everything again.
 *
 * dashboard.js owns the page and signals this script through two events: `syncline:dashboard-ready` (the
 * mailbox and a mount point) and `syncline:conflicts-rendered` (the ledger's table). `syncline:refresh-mailbox`
 * asks dashboard.js to draw the mailbox and its ledger again.
 */
import { api, el, formatTime, showFailure } from './dashboard.js';

const POLL_DELAY_MS = 1500;
const POLL_TRIES = 8;

const SIDE_WORDS = { crm: 'Salesforce', mailbox: 'Mailbox' };
const KIND_WORDS = { event: 'Meeting', task: 'Task', contact: 'Contact' };

/** The mailbox the page shows, and the cards this script draws; null until dashboard.js is ready. */
let review = null;

const mailboxPath = (suffix) => `/api/v1/mailboxes/${encodeURIComponent(review.mailboxId)}${suffix}`;

document.addEventListener('syncline:dashboard-ready', (event) => {
  const { me, mailboxId, mount } = event.detail;
  const quarantineCard = el('section', { class: 'card', id: 'quarantine', 'aria-labelledby': 'quarantine-heading' });
  const heldCard = me.user.role === 'admin' ? el('section', { class: 'card', id: 'held-deletions', 'aria-labelledby': 'held-heading' }) : null;
  mount.replaceChildren(...[quarantineCard, heldCard].filter((card) => card !== null));
  review = { mailboxId, quarantineCard, heldCard, notice: new Map(), ledgerDrawn: false };
  void drawPanels();
});

document.addEventListener('syncline:conflicts-rendered', (event) => {
  const { mailboxId, card, conflicts } = event.detail;
  if (review === null || mailboxId !== review.mailboxId) {
    return;
  }
  addUndoColumn(card, conflicts);
  // dashboard.js draws the ledger again after each session it follows (Sync now or a review action), so the panels
  // are drawn again too. The first ledger comes with the page, which drew the panels already.
  if (review.ledgerDrawn) {
    void drawPanels();
  }
  review.ledgerDrawn = true;
});

async function drawPanels() {
  await Promise.all([drawOrFail(review.quarantineCard, 'Deleted items (quarantine)', drawQuarantine), review.heldCard === null ? null : drawOrFail(review.heldCard, 'Held mass deletions', drawHeld)]);
}

/** Draw one panel; a failure shows in that panel only, so the rest of the dashboard still works. */
async function drawOrFail(card, title, draw) {
  try {
    await draw(card);
  } catch (error) {
    const message = el('p', { role: 'alert' });
    showFailure(message, error);
    card.replaceChildren(el('h2', { text: title }), message);
  }
}

/** Build the status line under a card, which shows the server's message about what the next session does. */
function statusLine(card, id) {
  return el('p', { id, role: 'status', class: 'notice', text: review.notice.get(card.id) ?? '' });
}

/**
 * Send one review action, show the server's message about what happens next, and follow the session it requested. The button
 * stays disabled: the request is recorded, and drawing again replaces it. A refusal whose code is in `redrawOn` means the
 * list on screen is stale, so the card is drawn again from the server with the refusal kept as its notice.
 */
async function act(button, status, card, path, { body, redrawOn = [], redraw } = {}) {
  button.disabled = true;
  status.className = 'notice';
  status.textContent = 'Recording…';
  try {
    const before = await lastSessionId();
    const answer = await api('POST', path, body);
    const text = `${answer.message} ${answer.session.note}`;
    review.notice.set(card.id, text);
    status.textContent = text;
    if (answer.session.requested) {
      followSession(before, card, POLL_TRIES);
    }
    return answer;
  } catch (error) {
    showFailure(status, error);
    button.disabled = false;
    if (redraw !== undefined && redrawOn.includes(error.code)) {
      review.notice.set(card.id, error.message);
      await drawOrFail(card, card.querySelector('h2')?.textContent ?? '', redraw);
      const redrawn = card.querySelector('[role="status"]');
      if (redrawn !== null) {
        showFailure(redrawn, error);
      }
      review.notice.delete(card.id);
    }
    return null;
  }
}

async function lastSessionId() {
  const detail = await api('GET', mailboxPath(''));
  return detail.lastSession?.sessionId ?? null;
}

/** Read the mailbox until a newer session is recorded, then ask dashboard.js to draw the mailbox and the ledger again, which redraws these panels. */
function followSession(previousSessionId, card, triesLeft) {
  if (triesLeft <= 0) {
    return;
  }
  setTimeout(async () => {
    try {
      const latest = await lastSessionId();
      if (latest !== previousSessionId) {
        review.notice.set(card.id, 'The session ran; the lists show what it did.');
        document.dispatchEvent(new CustomEvent('syncline:refresh-mailbox'));
        return;
      }
    } catch {
      // The next try reads again; a lasting failure shows on the next action.
    }
    followSession(previousSessionId, card, triesLeft - 1);
  }, POLL_DELAY_MS);
}

// ---------------------------------------------------------------- conflict ledger

function addUndoColumn(card, conflicts) {
  const headRow = card.querySelector('thead tr');
  if (headRow === null) {
    return;
  }
  headRow.append(el('th', { scope: 'col', text: 'Undo' }));
  const status = statusLine(card, 'undo-status');
  card.append(status);
  const byId = new Map(conflicts.map((entry) => [entry.id, entry]));
  for (const row of card.querySelectorAll('tbody tr[data-conflict-id]')) {
    const entry = byId.get(row.dataset.conflictId);
    row.append(el('td', {}, entry === undefined ? null : undoCell(entry, card, status)));
  }
}

function undoCell(entry, card, status) {
  if (entry.undo === 'undone') {
    return el('span', { class: 'muted', text: 'Undone' });
  }
  if (entry.undo === 'requested') {
    return el('span', { class: 'muted', text: 'Undo requested' });
  }
  if (entry.undoes !== null) {
    return el('span', { class: 'muted', text: 'Undo of an earlier decision' });
  }
  const lost = entry.winner === 'crm' ? 'mailbox' : 'Salesforce';
  return el('button', {
    type: 'button',
    class: 'secondary',
    'data-testid': 'undo-conflict',
    'aria-label': `Undo: keep the ${lost} value of ${entry.field}`,
    title: `Write the ${lost} value back to both sides at the next session`,
    text: 'Undo',
    onclick: async (event) => {
      const button = event.currentTarget;
      const answer = await act(button, status, card, mailboxPath(`/conflicts/${encodeURIComponent(entry.id)}/undo`));
      if (answer !== null) {
        button.replaceWith(el('span', { class: 'muted', text: 'Undo requested' }));
      }
    },
  });
}

// ---------------------------------------------------------------- quarantine

async function drawQuarantine(card) {
  const { quarantine, quarantineDays } = await api('GET', mailboxPath('/quarantine'));
  const heading = el('h2', { id: 'quarantine-heading', text: 'Deleted items (quarantine)' });
  const intro = el('p', { class: 'muted', text: `Items Syncline's sessions deleted, kept ${quarantineDays} days with the values they held. Restore makes the item again on the side it was deleted from, at the next session.` });
  const status = statusLine(card, 'quarantine-status');
  if (quarantine.length === 0) {
    card.replaceChildren(heading, intro, el('p', { class: 'empty', text: 'Nothing deleted in the last days.' }), status);
    return;
  }
  const headers = ['Item', 'Deleted from', 'When', 'Why', 'Days left', ''];
  const rows = quarantine.map((entry) =>
    el(
      'tr',
      { 'data-entry-id': entry.id },
      el('td', {}, el('strong', { text: entry.title }), el('div', { class: 'muted', text: KIND_WORDS[entry.objectKind] ?? entry.objectKind })),
      el('td', { text: SIDE_WORDS[entry.side] ?? entry.side }),
      el('td', { text: formatTime(entry.deletedAt) }),
      el('td', { text: entry.reason }),
      el('td', { class: 'number', text: entry.restoredAt === null && entry.restoreRequestedAt === null ? entry.daysLeft : '—' }),
      el('td', {}, restoreCell(entry, card, status)),
    ),
  );
  card.replaceChildren(heading, intro, el('table', {}, el('thead', {}, el('tr', {}, headers.map((text) => el('th', { scope: 'col', text })))), el('tbody', {}, rows)), status);
}

function restoreCell(entry, card, status) {
  if (entry.restoredAt !== null) {
    return el('span', { class: 'muted', text: `Restored ${formatTime(entry.restoredAt)}` });
  }
  if (entry.restoreRequestedAt !== null) {
    return el('span', { class: 'muted', text: 'Restore requested' });
  }
  // The server refuses a restore past the quarantine days; the next session purges the entry.
  if (entry.expired) {
    return el('span', { class: 'muted', text: 'Expired: no longer restorable' });
  }
  return el('button', {
    type: 'button',
    class: 'secondary',
    'data-testid': 'restore-item',
    'aria-label': `Restore ${entry.title}`,
    text: 'Restore',
    onclick: async (event) => {
      const button = event.currentTarget;
      const answer = await act(button, status, card, mailboxPath(`/quarantine/${encodeURIComponent(entry.id)}/restore`));
      if (answer !== null) {
        button.replaceWith(el('span', { class: 'muted', text: 'Restore requested' }));
      }
    },
  });
}

// ---------------------------------------------------------------- held mass deletions (admins)

const DECISION_WORDS = { confirm: 'Confirmed: the next session deletes it', reject: 'Rejected: the next session keeps the item' };

async function drawHeld(card) {
  const { deletions, version } = await api('GET', mailboxPath('/held-deletions'));
  const heading = el('h2', { id: 'held-heading', text: 'Held mass deletions' });
  const intro = el('p', { class: 'muted', text: 'When one side deleted more items in one session than the mass-delete guard allows, or un-sync rules would remove that many, Syncline holds the matching deletions back. Confirm lets the next session make them. Reject keeps the items: an item deleted on one side is made there again, and an item an un-sync rule matched stays in the mailbox; the pairs stay linked.' });
  const status = statusLine(card, 'held-status');
  if (deletions.length === 0) {
    card.replaceChildren(heading, intro, el('p', { class: 'empty', text: 'No deletions are held back.' }), status);
    return;
  }
  const undecided = deletions.some((held) => held.decision === null);
  const decide = (decision, label, className) =>
    el('button', {
      type: 'button',
      class: className,
      id: `held-${decision}`,
      disabled: !undecided,
      text: label,
      onclick: async (event) => {
        // The version names the deletions listed here, so a session that held more meanwhile makes the server refuse.
        const answer = await act(event.currentTarget, status, card, mailboxPath(`/held-deletions/${decision}`), { body: { version }, redrawOn: ['held_deletions_changed'], redraw: drawHeld });
        if (answer !== null) {
          for (const button of card.querySelectorAll('.actions button')) {
            button.disabled = true;
          }
        }
      },
    });
  const headers = ['Item', 'Would be deleted in', 'Held since', 'Decision'];
  const rows = deletions.map((held) =>
    el(
      'tr',
      { 'data-sync-id': held.syncId },
      el('td', {}, el('strong', { text: held.title }), el('div', { class: 'muted', text: KIND_WORDS[held.objectKind] ?? held.objectKind })),
      el('td', { text: SIDE_WORDS[held.side] ?? held.side }),
      el('td', { text: formatTime(held.heldAt) }),
      el('td', { text: held.decision === null ? 'Waiting for a decision' : DECISION_WORDS[held.decision] }),
    ),
  );
  card.replaceChildren(
    heading,
    intro,
    el('table', {}, el('thead', {}, el('tr', {}, headers.map((text) => el('th', { scope: 'col', text })))), el('tbody', {}, rows)),
    el('div', { class: 'actions' }, decide('confirm', `Confirm ${deletions.length} deletions`, 'secondary'), decide('reject', 'Reject: keep the items', null)),
    status,
  );
}
