// @ts-check
/**
 * Admin section "Departments": the list, the create form, and the settings panel of one
 * department ("Invitee Configurations" → "Face Match Verification": Smart User Liveliness and
 * the Acceptance Percentage; "Signer journey": capture retention, privacy notice and contact,
 * brand name and colour; saved with Update) with its change history.
 */

import { Notice, h, labelled, show, switchField, uid, when } from './common.js';

/** @typedef {import('./admin.js').AdminContext} AdminContext */
/** @typedef {import('./admin.js').Section} Section */
/** @typedef {import('./types.js').Department} Department */
/** @typedef {import('./types.js').DepartmentChange} DepartmentChange */

/** The acceptance percentage the product recommends (and the server's default). */
export const RECOMMENDED_ACCEPTANCE = 65;
const ACCEPTANCE_HINT = `0-100. Default and recommended: ${RECOMMENDED_ACCEPTANCE} %. The liveness score a signer must reach.`;
const FIELD_NAMES = /** @type {Record<string, string>} */ ({
  name: 'Name',
  smart_liveliness: 'Smart User Liveliness',
  acceptance_percentage: 'Acceptance Percentage',
  capture_retention_days: 'Capture retention (days)',
  privacy_notice: 'Privacy notice',
  privacy_contact: 'Privacy contact',
  brand_name: 'Brand name',
  brand_colour: 'Brand colour',
});

/** The journey settings edited as text, by field: [label, control, hint]. */
const JOURNEY_FIELDS = /** @type {const} */ ([
  ['privacy_notice', 'textarea', 'What is captured and why, shown before the camera. Empty: the built-in text.'],
  ['privacy_contact', 'input', 'Whom signers contact about their data. Empty: the document’s sender.'],
  ['brand_name', 'input', 'Shown on the journey pages and in messages. Empty: the department name.'],
  ['brand_colour', 'input', 'Accent colour of the journey pages, #rrggbb. Empty: the default.'],
]);

/**
 * A change-history value in words: the switch as on/off (the contract leaves the JSON type of
 * `old`/`new` open: `true` or `"true"`), the percentage with its sign.
 * @param {string} field
 * @param {unknown} value
 * @returns {string}
 */
function valueText(field, value) {
  if (value === null || value === undefined) return '—';
  if (field === 'smart_liveliness') return value === true || value === 'true' ? 'on' : value === false || value === 'false' ? 'off' : show(value);
  if (field === 'acceptance_percentage') return `${show(value)} %`;
  return show(value);
}

/**
 * A 0-100 whole number from a number input, or null.
 * @param {HTMLInputElement} input
 * @returns {number | null}
 */
function percentOf(input) {
  const n = Number(input.value);
  return input.value.trim() !== '' && Number.isInteger(n) && n >= 0 && n <= 100 ? n : null;
}

/** @returns {HTMLInputElement} */
function percentInput() {
  return h('input', { type: 'number', min: 0, max: 100, step: 1, value: RECOMMENDED_ACCEPTANCE, inputmode: 'numeric', required: true });
}

/**
 * @param {AdminContext} ctx
 * @returns {Section}
 */
export function mountDepartments(ctx) {
  const notice = new Notice();
  const list = h('tbody', {});
  const table = h(
    'table',
    { class: 'table' },
    h('caption', {}, 'Departments'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Smart User Liveliness'),
      h('th', { scope: 'col' }, 'Acceptance Percentage'), h('th', { scope: 'col' }, 'Updated'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
    list,
  );

  // Create form.
  const name = labelled('Department name', h('input', { type: 'text', required: true, maxlength: 120 }));
  const createLive = switchField('Smart User Liveliness', { hint: 'Liveness check of signers at capture time.' });
  const createPct = labelled('Acceptance Percentage', percentInput(), ACCEPTANCE_HINT);
  const createForm = h('form', { class: 'card form', 'aria-labelledby': 'dep-create-title', novalidate: true },
    h('h3', { id: 'dep-create-title' }, 'Create department'),
    name.field, createLive.field, createPct.field,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Create department')));

  // Settings panel of the department chosen in the list.
  const settingsTitle = uid('settings');
  const settingsFor = h('p', { class: 'lead' });
  const live = switchField('Smart User Liveliness', { hint: 'When on, signers of this department whose invitation asks for it pass a liveness check scored against the acceptance percentage.' });
  const pct = labelled('Acceptance Percentage', percentInput(), ACCEPTANCE_HINT);
  const retention = labelled(FIELD_NAMES.capture_retention_days,
    h('input', { type: 'number', min: 1, max: 3650, step: 1, inputmode: 'numeric' }), 'Capture images are deleted this many days after each capture (1-3650).');
  const journeyFields = JOURNEY_FIELDS.map(([key, tag, hint]) => {
    const control = /** @type {HTMLInputElement | HTMLTextAreaElement} */ (tag === 'textarea' ? h('textarea', { rows: 3, maxlength: 4000 }) : h('input', { type: 'text', maxlength: 200 }));
    return { key, ...labelled(FIELD_NAMES[key], control, hint) };
  });
  const actor = labelled('Changed by (recorded in the history)', h('input', { type: 'text', maxlength: 80, autocomplete: 'name' }), 'Optional; the history records “api-key” when empty.');
  const settingsNotice = new Notice();
  const history = h('tbody', {});
  const settingsForm = h('form', { novalidate: true },
    h('fieldset', {}, h('legend', {}, 'Face Match Verification'), live.field, pct.field),
    h('fieldset', {}, h('legend', {}, 'Signer journey'), retention.field, ...journeyFields.map((f) => f.field)),
    actor.field,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Update')),
    settingsNotice.el);
  const settings = h('section', { class: 'card settings', 'aria-labelledby': settingsTitle, hidden: true },
    h('h3', { id: settingsTitle }, 'Invitee Configurations'),
    settingsFor,
    settingsForm,
    h('table', { class: 'table history' },
      h('caption', {}, 'Change history'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Who'),
        h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Change'))),
      history));

  const panel = h('section', {}, h('h2', {}, 'Departments'), notice.el, h('div', { class: 'scroll' }, table), createForm, settings);

  /** @type {Department | null} */
  let current = null;

  async function refresh() {
    try {
      const deps = await ctx.departments(true);
      list.replaceChildren(...deps.map(row));
      if (!deps.length) list.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No departments yet.')));
      if (current) {
        const again = deps.find((d) => d.id === current?.id);
        if (again) current = again;
      }
    } catch (e) {
      notice.error(e);
    }
  }

  /** @param {Department} d */
  function row(d) {
    const open = h('button', { type: 'button', class: 'button small', 'aria-label': `Settings for ${d.name}` }, 'Settings');
    open.addEventListener('click', () => void openSettings(d));
    return h('tr', { 'data-id': d.id },
      h('th', { scope: 'row' }, d.name),
      h('td', {}, d.smart_liveliness ? 'On' : 'Off'),
      h('td', {}, `${d.acceptance_percentage} %`),
      h('td', {}, when(d.updated_at)),
      h('td', {}, open));
  }

  /** @param {Department} d */
  async function openSettings(d) {
    current = d;
    settings.hidden = false;
    settings.dataset.department = d.id;
    settingsFor.textContent = `Department: ${d.name}`;
    live.input.checked = d.smart_liveliness;
    pct.control.value = String(d.acceptance_percentage);
    retention.control.value = String(d.capture_retention_days ?? '');
    for (const f of journeyFields) f.control.value = String(d[f.key] ?? '');
    settingsNotice.clear();
    await loadHistory();
    live.input.focus();
  }

  async function loadHistory() {
    if (!current) return;
    try {
      const { changes } = /** @type {{ changes: DepartmentChange[] }} */ (
        await ctx.api.json('GET', `/v1/departments/${encodeURIComponent(current.id)}/changes`));
      history.replaceChildren(...changes.map((c) => h('tr', {},
        h('td', {}, when(c.at)), h('td', {}, c.actor), h('td', {}, FIELD_NAMES[c.field] ?? c.field),
        h('td', { class: 'change' }, `${valueText(c.field, c.old)} → ${valueText(c.field, c.new)}`))));
      if (!changes.length) history.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'No changes recorded.')));
    } catch (e) {
      settingsNotice.error(e);
    }
  }

  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = name.control.value.trim();
    const percent = percentOf(createPct.control);
    if (!value) return notice.say('Enter a department name.', 'error');
    if (percent === null) return notice.say('The acceptance percentage must be a whole number from 0 to 100.', 'error');
    try {
      /** @type {Department} */
      const created = await ctx.api.json('POST', '/v1/departments', {
        json: { name: value, smart_liveliness: createLive.input.checked, acceptance_percentage: percent },
      });
      notice.say(`Department “${created.name}” created.`, 'ok');
      createForm.reset();
      createPct.control.value = String(RECOMMENDED_ACCEPTANCE);
      ctx.changed('departments');
      await refresh();
      await openSettings(created);
    } catch (err) {
      notice.error(err);
    }
  });

  settingsForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!current) return;
    const percent = percentOf(pct.control);
    if (percent === null) return settingsNotice.say('The acceptance percentage must be a whole number from 0 to 100.', 'error');
    /** @type {Record<string, unknown>} */
    const patch = {};
    if (live.input.checked !== current.smart_liveliness) patch.smart_liveliness = live.input.checked;
    if (percent !== current.acceptance_percentage) patch.acceptance_percentage = percent;
    const days = Number(retention.control.value);
    if (retention.control.value.trim() !== '' && days !== current.capture_retention_days) patch.capture_retention_days = days;
    for (const f of journeyFields) {
      const value = f.control.value.trim();
      if (value !== (current[f.key] ?? '')) patch[f.key] = value;
    }
    if (!Object.keys(patch).length) return settingsNotice.say('Nothing to update: the settings are unchanged.', 'info');
    /** @type {Record<string, string>} */
    const headers = {};
    const who = actor.control.value.trim();
    if (who) headers['x-livegate-actor'] = who;
    try {
      current = /** @type {Department} */ (await ctx.api.json('PATCH', `/v1/departments/${encodeURIComponent(current.id)}`, { json: patch, headers }));
      settingsNotice.say(`Updated: Smart User Liveliness ${current.smart_liveliness ? 'on' : 'off'}, acceptance ${current.acceptance_percentage} %.`, 'ok');
      ctx.changed('departments');
      await refresh();
      await loadHistory();
    } catch (err) {
      settingsNotice.error(err);
    }
  });

  return { id: 'departments', label: 'Departments', panel, activate: () => void refresh() };
}
