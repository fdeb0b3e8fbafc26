/* global document */
/**
 * The settings editors. In the admin console: the org's sync policy, mapping tables, linking, schedule and instant
 * sync, with "Preview changes" (a dry run of the draft: nothing is written) and "Save". On the dashboard: the
 * mailbox's own pair directions and its owner's blocklist. Each section is sent in the shape of the configuration
 * file. A section sent replaces the file's, and the server checks it with the file's own rules.
 *
 * dashboard.js gives this script the element to draw in through `syncline:console-ready` and `syncline:dashboard-ready`
 * (each with `settingsMount`).
 */
import { api, el, formatTime, formatValue, showFailure } from './dashboard.js';

const KINDS = ['event', 'task', 'contact'];
const KIND_WORDS = { event: 'Meetings', task: 'Tasks', contact: 'Contacts' };
const DIRECTION_WORDS = { both: 'Both ways', mailboxToCrm: 'Mailbox → Salesforce', crmToMailbox: 'Salesforce → mailbox', off: 'Off' };
const NARROWER = { both: ['both', 'mailboxToCrm', 'crmToMailbox', 'off'], mailboxToCrm: ['mailboxToCrm', 'off'], crmToMailbox: ['crmToMailbox', 'off'], off: ['off'] };
const FIRST_ACTIONS = 5;

document.addEventListener('syncline:console-ready', (event) => {
  const card = el('section', { class: 'card', id: 'org-settings-editor', 'aria-labelledby': 'editor-heading' });
  event.detail.settingsMount.replaceChildren(card);
  void drawOrgEditor(card);
});

document.addEventListener('syncline:dashboard-ready', (event) => {
  const { mailboxId, settingsMount } = event.detail;
  if (settingsMount === undefined) {
    return;
  }
  const card = el('section', { class: 'card', id: 'personal-settings', 'aria-labelledby': 'personal-heading' });
  settingsMount.replaceChildren(card);
  void drawPersonalEditor(card, mailboxId);
});

// ---------------------------------------------------------------- org settings

async function drawOrgEditor(card, notice = '') {
  try {
    const { editor } = await api('GET', '/api/v1/org/settings');
    renderOrgEditor(card, editor, notice);
  } catch (error) {
    const message = el('p', { role: 'alert' });
    showFailure(message, error);
    card.replaceChildren(el('h2', { id: 'editor-heading', text: 'Edit org settings' }), message);
  }
}

function renderOrgEditor(card, editor, notice) {
  const { sections } = editor;
  // A section goes into the draft when it was saved from here before or a person changed one of its inputs.
  const touched = new Set(Object.entries(sections).filter(([, section]) => section.source === 'console').map(([name]) => name));
  const touch = (name) => () => touched.add(name);
  const policy = policyForm(sections.policy.value, touch('policy'));
  const mappings = mappingForm(editor.tables, touch('mappings'));
  const linking = linkingForm(sections.linking.value, touch('linking'));
  const schedule = scheduleForm(sections.sessionIntervalMinutes.value, sections.instantSync.value, touch('sessionIntervalMinutes'), touch('instantSync'));
  const unsync = sections.unsync === undefined ? null : unsyncForm(sections.unsync.value, touch('unsync'));
  const status = el('p', { id: 'editor-status', role: 'status', class: notice === '' ? 'muted' : 'notice', text: notice || describeEdited(editor.edited) });
  const preview = el('div', { id: 'dry-run-result' });

  const draft = () => {
    const built = {
      policy: policy.value(),
      mappings: mappings.value(sections.mappings.value),
      linking: linking.value(),
      sessionIntervalMinutes: schedule.interval(),
      instantSync: schedule.instantSync(),
      selection: sections.selection.value,
      ...(unsync === null || !touched.has('unsync') ? {} : { unsync: unsync.value() }),
    };
    return Object.fromEntries(Object.entries(built).filter(([name]) => touched.has(name)));
  };
  const run = (button, action) => async () => {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      showFailure(status, error);
    } finally {
      button.disabled = false;
    }
  };

  const previewButton = el('button', { type: 'button', class: 'secondary', id: 'preview-settings', text: 'Preview changes' });
  previewButton.addEventListener('click', run(previewButton, async () => {
    status.className = 'muted';
    status.textContent = 'Planning one session per mailbox with these settings; nothing is written…';
    const result = await api('POST', '/api/v1/org/settings/dry-run', draft());
    renderDryRun(preview, result);
    status.textContent = 'Preview ready: this is what the next sessions would do. Nothing was saved or written.';
  }));
  const saveButton = el('button', { type: 'button', id: 'save-settings', text: 'Save' });
  saveButton.addEventListener('click', run(saveButton, async () => {
    await api('PUT', '/api/v1/org/settings', draft());
    await drawOrgEditor(card, 'Saved. The next session of each mailbox uses these settings.');
  }));
  const resetButton = el('button', { type: 'button', class: 'secondary', id: 'reset-settings', text: 'Use the configuration file for everything' });
  // Dropping every saved section cannot be undone, so the first click only arms the button and a second click confirms.
  let resetArmed = false;
  resetButton.addEventListener('click', run(resetButton, async () => {
    if (!resetArmed) {
      resetArmed = true;
      resetButton.textContent = 'Click again to drop every saved section';
      status.className = 'notice';
      status.textContent = 'This drops every section saved here, for the whole org, from the next session on. Click the button again to go ahead.';
      return;
    }
    await api('PUT', '/api/v1/org/settings', {});
    await drawOrgEditor(card, 'Saved. Every section comes from the configuration file again.');
  }));

  card.replaceChildren(
    el('h2', { id: 'editor-heading', text: 'Edit org settings' }),
    el('p', { class: 'muted', text: 'A section you change here replaces the one in the configuration file from the next session on; the others keep coming from the file. Preview a change before you save it.' }),
    fieldset('Sync policy', sections.policy.source, policy.node),
    fieldset('Mapping tables', sections.mappings.source, mappings.node),
    fieldset('Linking', sections.linking.source, linking.node),
    fieldset('Schedule and instant sync', scheduleSource(sections), schedule.node),
    ...(unsync === null ? [] : [fieldset('Un-sync rules', sections.unsync.source, unsync.node)]),
    el('div', { class: 'actions' }, previewButton, saveButton, resetButton),
    status,
    preview,
  );
}

function describeEdited(edited) {
  return edited === null ? 'Every section comes from the configuration file.' : `Last saved by ${edited.changedBy} on ${formatTime(edited.changedAt)}.`;
}

// The sandbox has no configuration file: its sections come from the settings it builds in.
const SOURCE_LABELS = { console: 'edited here', file: 'from the file', sandbox: 'built-in sandbox settings' };

function fieldset(title, source, ...children) {
  return el('fieldset', { class: 'settings-section' }, el('legend', {}, title, ' ', el('span', { class: `badge source-${source}`, text: SOURCE_LABELS[source] ?? 'from the file' })), ...children);
}

function select(id, options, chosen, onchange, words = {}) {
  return el('select', { id, onchange }, options.map((option) => el('option', { value: option, selected: option === chosen, text: words[option] ?? option })));
}

function labelled(text, control) {
  return el('label', { class: 'field' }, el('span', { text }), control);
}

function policyForm(value, onchange) {
  const conflict = select('policy-conflict', ['latestWins', 'mailboxWins', 'crmWins'], value.conflict, onchange, { latestWins: 'The later change wins', mailboxWins: 'The mailbox wins', crmWins: 'Salesforce wins' });
  const privateItems = select('policy-private', ['skip', 'withoutBody', 'busyOnly'], value.privateItems, onchange, { skip: 'Do not sync', withoutBody: 'Sync without the body', busyOnly: 'Sync as Busy only' });
  const quarantine = el('input', { id: 'policy-quarantine', type: 'number', min: 1, max: 3650, value: value.quarantineDays, oninput: onchange });
  const maxShare = el('input', { id: 'policy-mass-share', type: 'number', min: 0.01, max: 1, step: 0.01, value: value.massDelete.maxShare, oninput: onchange });
  const maxCount = el('input', { id: 'policy-mass-count', type: 'number', min: 1, value: value.massDelete.maxCount, oninput: onchange });
  const deletions = Object.fromEntries(KINDS.map((kind) => {
    const rule = value.deletions[kind] ?? { action: 'delete' };
    const field = el('input', { id: `deletion-${kind}-field`, placeholder: 'Field, e.g. Syncline_Deleted__c', value: rule.field ?? '', oninput: onchange });
    const marked = el('input', { id: `deletion-${kind}-value`, placeholder: 'Value', value: rule.value === undefined ? '' : String(rule.value), oninput: onchange });
    // The field and its value matter only for `mark`, so they show only then.
    const showMark = () => {
      field.hidden = action.value !== 'mark';
      marked.hidden = action.value !== 'mark';
    };
    const action = select(`deletion-${kind}`, ['delete', 'keep', 'mark'], rule.action, () => {
      showMark();
      onchange();
    }, { delete: 'Delete the record', keep: 'Keep it, unlinked', mark: 'Keep it and set a field' });
    showMark();
    return [kind, { action, field, marked, node: el('div', { class: 'inline' }, labelled(`${KIND_WORDS[kind]} deleted in the mailbox`, action), field, marked) }];
  }));

  return {
    node: el('div', { class: 'settings-grid' }, labelled('Field changed on both sides', conflict), labelled('Private items', privateItems), labelled('Quarantine days', quarantine), labelled('Mass-delete guard: share', maxShare), labelled('Mass-delete guard: items', maxCount), ...KINDS.map((kind) => deletions[kind].node)),
    value: () => ({
      conflict: conflict.value,
      privateItems: privateItems.value,
      quarantineDays: Number(quarantine.value),
      massDelete: { maxShare: Number(maxShare.value), maxCount: Number(maxCount.value) },
      deletions: Object.fromEntries(KINDS.map((kind) => [kind, deletionRule(deletions[kind])])),
    }),
  };
}

function scheduleSource(sections) {
  if (sections.sessionIntervalMinutes.source === 'console' || sections.instantSync.source === 'console') {
    return 'console';
  }
  if (sections.policy.source === 'sandbox') {
    return 'sandbox';
  }
  return 'file';
}

function deletionRule({ action, field, marked }) {
  if (action.value !== 'mark') {
    return { action: action.value };
  }
  return { action: 'mark', field: field.value.trim(), value: parseMarkValue(marked.value.trim()) };
}

/** Parses a typed mark value: `true`, `false` and finite numbers become JSON values, anything else stays text. */
function parseMarkValue(text) {
  if (text === 'true') {
    return true;
  }
  if (text === 'false') {
    return false;
  }
  if (text !== '' && Number.isFinite(Number(text))) {
    return Number(text);
  }
  return text;
}

function mappingForm(tables, onchange) {
  const selects = [];
  const node = el('div', {}, KINDS.map((kind) => {
    const table = tables[kind];
    const rows = table.pairs.map((pair) => {
      const control = select(`direction-${kind}-${pair.key}`, Object.keys(DIRECTION_WORDS), pair.direction, onchange, DIRECTION_WORDS);
      selects.push({ kind, pair, control });
      return el('tr', { 'data-pair': `${kind}.${pair.key}` }, el('td', { text: pair.key }), el('td', { text: pair.mailboxField ?? '(constant)' }), el('td', { text: pair.crmFields.join(', ') }), el('td', {}, control));
    });
    return el(
      'details',
      { open: kind === 'event' },
      el('summary', { text: `${KIND_WORDS[kind]} ↔ ${table.crmObject} (${DIRECTION_WORDS[table.direction] ?? table.direction})` }),
      el('table', { class: 'mapping-table', 'data-kind': kind }, el('thead', {}, el('tr', {}, ['Pair', 'Mailbox field', 'Salesforce field', 'Direction'].map((text) => el('th', { scope: 'col', text })))), el('tbody', {}, rows)),
    );
  }));

  // The section keeps everything it contained, and only the directions people changed are set on its pairs.
  const value = (section) => {
    const result = structuredClone(section ?? {});
    for (const { kind, pair, control } of selects) {
      if (control.value === pair.direction) {
        continue;
      }
      const table = (result[kind] ??= {});
      const pairs = (table.pairs ??= []);
      const entry = pairs.find((candidate) => candidate.key === pair.key);
      if (entry === undefined) {
        pairs.push({ key: pair.key, direction: control.value });
      } else {
        entry.direction = control.value;
      }
    }
    return result;
  };
  return { node, value };
}

function linkingForm(value, onchange) {
  const enabled = el('input', { id: 'auto-resolve-enabled', type: 'checkbox', checked: value.autoResolve.enabled, onchange });
  const create = select('auto-resolve-create', ['Lead', 'Contact', 'PersonAccount'], value.autoResolve.create, onchange);
  const blocklist = el('textarea', { id: 'org-blocklist', rows: 4, oninput: onchange, placeholder: 'One address, domain or *.domain per line' });
  blocklist.value = value.blocklist.join('\n');
  return {
    node: el('div', { class: 'settings-grid' }, labelled('Create unknown people', el('span', { class: 'inline' }, enabled, create)), labelled('Blocklist: never linked or created', blocklist)),
    value: () => ({ ...value, blocklist: lines(blocklist.value), autoResolve: { ...value.autoResolve, enabled: enabled.checked, create: create.value } }),
  };
}

function scheduleForm(interval, instantSync, onInterval, onTriggers) {
  const minutes = el('input', { id: 'session-interval', type: 'number', min: 1, max: 10080, value: interval, oninput: onInterval });
  const boxes = ['create', 'update', 'delete'].map((trigger) => el('input', { id: `trigger-${trigger}`, type: 'checkbox', value: trigger, checked: instantSync.triggers.includes(trigger), onchange: onTriggers }));
  return {
    node: el(
      'div',
      { class: 'settings-grid' },
      labelled('Minutes between sessions', minutes),
      labelled('Mailbox changes that start a session at once', el('span', { class: 'inline' }, boxes.flatMap((box) => [box, el('span', { text: box.value })]))),
      el('p', { class: 'muted', text: 'Saved triggers apply without a restart, from the next mailbox change on, and Office 365 subscriptions are replaced with them at once. Exchange, IMAP and Google watches are opened at start, for orgs that had a trigger then.' }),
    ),
    interval: () => Number(minutes.value),
    instantSync: () => ({ triggers: boxes.filter((box) => box.checked).map((box) => box.value) }),
  };
}

/** Build the un-sync rules editor, which shows the rules as JSON in the list format of the file's `unsync` (docs/unsync.md). */
function unsyncForm(value, onchange) {
  const rules = el('textarea', { id: 'unsync-rules', rows: 5, oninput: onchange, spellcheck: 'false' });
  rules.value = JSON.stringify(value, null, 2);
  return {
    node: labelled('Rules, as the unsync list of the configuration file (JSON)', rules),
    value: () => {
      try {
        return JSON.parse(rules.value === '' ? '[]' : rules.value);
      } catch {
        throw new Error('The un-sync rules are not valid JSON; write a list such as [{ "name": "old", "olderThanDays": 90 }].');
      }
    },
  };
}

function renderDryRun(target, result) {
  const totals = Object.entries(result.totals);
  const summary = totals.length === 0 ? 'No changes: the sessions would write nothing.' : `In all: ${totals.map(([op, count]) => `${count} ${op}`).join(', ')}.`;
  const plans = result.plans.map((plan) => {
    const counts = Object.entries(plan.totals).map(([op, count]) => `${count} ${op}`).join(', ') || 'nothing to do';
    const actions = plan.actions.slice(0, FIRST_ACTIONS).map((action) =>
      el(
        'li',
        {},
        `${action.op} ${action.object}${action.id === null ? '' : ` ${action.id}`} in ${action.side === 'crm' ? 'Salesforce' : 'the mailbox'}${action.rule === undefined ? '' : ` (rule '${action.rule}')`}: `,
        el('span', { class: 'value', text: Object.entries(action.fields).map(([field, value]) => `${field} = ${formatValue(value)}`).join('; ') || '(no fields)' }),
      ),
    );
    return el(
      'div',
      { class: 'dry-run-plan', 'data-mailbox-id': plan.mailboxId },
      el('h3', { text: `${plan.mailbox}: ${counts}` }),
      actions.length === 0 ? null : el('ul', {}, actions),
      plan.failures.length === 0 ? null : el('p', { class: 'error', text: `Could not plan: ${plan.failures.join('; ')}` }),
    );
  });
  const leftOut = result.mailboxesLeftOut === 0 ? null : el('p', { class: 'muted', text: `${result.mailboxesLeftOut} more mailboxes were not planned.` });
  target.replaceChildren(el('h3', { text: 'Preview (dry run)' }), el('p', { id: 'dry-run-summary', text: summary }), ...plans, ...(leftOut === null ? [] : [leftOut]));
}

function lines(text) {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}

// ---------------------------------------------------------------- personal settings

async function drawPersonalEditor(card, mailboxId, notice = '') {
  const path = `/api/v1/mailboxes/${encodeURIComponent(mailboxId)}/settings`;
  const heading = el('h2', { id: 'personal-heading', text: 'Your sync settings' });
  try {
    const { settings } = await api('GET', path);
    const selects = settings.pairs.map((pair) => ({ pair, control: select(`personal-${pair.kind}-${pair.key}`, NARROWER[pair.allowed] ?? [pair.allowed], pair.direction, undefined, DIRECTION_WORDS) }));
    const blocklist = el('textarea', { id: 'personal-blocklist', rows: 4, placeholder: 'One address, domain or *.domain per line' });
    blocklist.value = settings.sections.userBlocklist.value.join('\n');
    const status = el('p', { id: 'personal-status', role: 'status', class: notice === '' ? 'muted' : 'notice', text: notice });

    const save = el('button', { type: 'button', id: 'save-personal', text: 'Save my settings' });
    save.addEventListener('click', async () => {
      save.disabled = true;
      const mappings = {};
      for (const { pair, control } of selects) {
        if (control.value !== pair.allowed) {
          (mappings[pair.kind] ??= {})[pair.key] = control.value;
        }
      }
      try {
        await api('PUT', path, { mappings, userBlocklist: lines(blocklist.value) });
        await drawPersonalEditor(card, mailboxId, 'Saved. Your next session uses these settings.');
      } catch (error) {
        showFailure(status, error);
        save.disabled = false;
      }
    });

    const rows = selects.map(({ pair, control }) => el('tr', { 'data-pair': `${pair.kind}.${pair.key}` }, el('td', { text: KIND_WORDS[pair.kind] }), el('td', { text: pair.key }), el('td', { text: pair.crmFields.join(', ') }), el('td', {}, control)));
    card.replaceChildren(
      heading,
      el('p', { class: 'muted', text: 'Turn off or narrow the fields your org lets you choose, and list people whose meetings and emails are never linked to Salesforce records.' }),
      rows.length === 0 ? el('p', { class: 'empty', text: 'Your org lets you change no field directions.' }) : el('table', { class: 'mapping-table' }, el('thead', {}, el('tr', {}, ['Kind', 'Pair', 'Salesforce field', 'Direction'].map((text) => el('th', { scope: 'col', text })))), el('tbody', {}, rows)),
      labelled('My blocklist', blocklist),
      el('div', { class: 'actions' }, save),
      status,
    );
  } catch (error) {
    const message = el('p', { role: 'alert' });
    showFailure(message, error);
    card.replaceChildren(heading, message);
  }
}
