// @ts-check
/**
 * Admin section "New document": title, department, the PDF (uploaded, sent as base64 in the
 * JSON) or a template, the invitees with their security features, and "Save and send"; then
 * each invitee's invitation link, which the server shows only in this answer.
 */

import { ApiError, Notice, base64Of, h, labelled } from './common.js';
import { AUTOMATED_NOTE, InviteeForm, isAutomated } from './admin-invitee.js';

/** @typedef {import('./admin.js').AdminContext} AdminContext */
/** @typedef {import('./admin.js').Section} Section */
/** @typedef {import('./types.js').Department} Department */
/** @typedef {import('./types.js').DocumentDetail} DocumentDetail */
/** @typedef {import('./types.js').DocumentRequest} DocumentRequest */
/** @typedef {import('./types.js').Invitee} Invitee */

/**
 * Fills a `<select>` with departments (keeping the choice when it still exists).
 * @param {HTMLSelectElement} select
 * @param {Department[]} departments
 */
export function fillDepartments(select, departments) {
  const keep = select.value;
  select.replaceChildren(h('option', { value: '' }, departments.length ? 'Choose a department' : 'No departments yet'));
  for (const d of departments) {
    select.append(h('option', { value: d.id }, `${d.name} (Smart User Liveliness ${d.smart_liveliness ? `on, ${d.acceptance_percentage} %` : 'off'})`));
  }
  if (departments.some((d) => d.id === keep)) select.value = keep;
}

/**
 * Fills a `<select>` with templates.
 * @param {HTMLSelectElement} select
 * @param {import('./types.js').Template[]} templates
 */
export function fillTemplates(select, templates) {
  const keep = select.value;
  select.replaceChildren(h('option', { value: '' }, templates.length ? 'Choose a template' : 'No templates yet'));
  for (const t of templates) select.append(h('option', { value: t.id }, `${t.name} (${t.pages} ${t.pages === 1 ? 'page' : 'pages'})`));
  if (templates.some((t) => t.id === keep)) select.value = keep;
}

/**
 * The invitation links of a sent document, one item per invitee.
 * @param {DocumentDetail} doc
 * @returns {HTMLElement}
 */
export function invitationList(doc) {
  return h('ul', { class: 'links' }, ...doc.invitees.map((inv) => {
    const label = `${inv.name} (signing order ${inv.signing_order})`;
    if (!inv.invitation_url) {
      const why = isAutomated(inv.signer_type)
        ? 'signed automatically by the server when their turn comes'
        : 'no invitation link in this answer';
      return h('li', { 'data-invitee': inv.id }, `${label}: ${why}.`);
    }
    const url = new URL(inv.invitation_url, location.origin).href;
    const copy = h('button', { type: 'button', class: 'button small', 'aria-label': `Copy the link for ${inv.name}` }, 'Copy');
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(url).then(() => (copy.textContent = 'Copied'), () => (copy.textContent = 'Copy failed'));
    });
    return h('li', { 'data-invitee': inv.id }, `${label}: `,
      h('a', { class: 'invitation-link', href: url, target: '_blank', rel: 'noopener noreferrer' }, url), ' ', copy);
  }));
}

/**
 * @param {AdminContext} ctx
 * @returns {Section}
 */
export function mountSend(ctx) {
  const notice = new Notice();
  const title = labelled('Document title', h('input', { type: 'text', required: true, maxlength: 200 }));
  const department = labelled('Department', h('select', { required: true }));
  const sender = labelled('Sender email (optional)', h('input', { type: 'email', autocomplete: 'email', spellcheck: 'false' }),
    'Told when a signer fails verification with no attempts left.');
  const sourcePdf = h('input', { type: 'radio', name: 'send-source', value: 'pdf', id: 'send-source-pdf', checked: true });
  const sourceTpl = h('input', { type: 'radio', name: 'send-source', value: 'template', id: 'send-source-template' });
  const pdf = labelled('PDF file', h('input', { type: 'file', accept: 'application/pdf,.pdf' }));
  const template = labelled('Template', h('select', {}));
  const invitees = h('div', { class: 'invitees' });
  const addButton = h('button', { type: 'button', class: 'button' }, 'Add invitee');
  const sendButton = h('button', { type: 'submit', class: 'button primary' }, 'Save and send');
  const result = h('section', { class: 'card result', 'aria-labelledby': 'send-result-title', hidden: true },
    h('h3', { id: 'send-result-title', tabindex: '-1' }, 'Document sent'));
  const form = h('form', { class: 'card form', novalidate: true },
    title.field,
    department.field,
    sender.field,
    h('fieldset', {}, h('legend', {}, 'Document'),
      h('div', { class: 'inline' },
        h('label', { for: sourcePdf.id }, sourcePdf, ' Upload a PDF'),
        h('label', { for: sourceTpl.id }, sourceTpl, ' Use a template')),
      pdf.field, template.field),
    h('h3', {}, 'Invitees'),
    invitees,
    h('div', { class: 'actions' }, addButton),
    h('div', { class: 'actions end' }, sendButton));
  const panel = h('section', {}, h('h2', {}, 'New document'), form, notice.el, result);

  /** @type {InviteeForm[]} */
  let rows = [];
  /** @type {Department[]} */
  let departments = [];

  const chosenDepartment = () => departments.find((d) => d.id === department.control.value) ?? null;

  function syncSource() {
    pdf.field.hidden = !sourcePdf.checked;
    template.field.hidden = !sourceTpl.checked;
  }
  sourcePdf.addEventListener('change', syncSource);
  sourceTpl.addEventListener('change', syncSource);
  syncSource();

  function addInvitee() {
    const row = new InviteeForm(rows.length + 1, chosenDepartment(), (gone) => {
      if (rows.length === 1) return notice.say('A document needs at least one invitee.', 'error');
      rows = rows.filter((r) => r !== gone);
      gone.el.remove();
      rows.forEach((r, i) => r.setPosition(i + 1));
      rows[Math.min(rows.length - 1, gone.position - 1)]?.name.control.focus();
    });
    rows.push(row);
    invitees.append(row.el);
    return row;
  }
  addButton.addEventListener('click', () => addInvitee().name.control.focus());
  addInvitee();

  department.control.addEventListener('change', () => {
    const d = chosenDepartment();
    for (const r of rows) r.setDepartment(d);
  });

  async function load() {
    try {
      departments = await ctx.departments();
      fillDepartments(department.control, departments);
      fillTemplates(template.control, await ctx.templates());
      const d = chosenDepartment();
      for (const r of rows) r.setDepartment(d);
    } catch (e) {
      notice.error(e);
    }
  }
  ctx.on('departments', () => void load());
  ctx.on('templates', () => void load());

  /** @returns {Promise<DocumentRequest>} */
  async function request() {
    const t = title.control.value.trim();
    if (!t) throw new Error('Enter a document title.');
    if (!department.control.value) throw new Error('Choose a department.');
    /** @type {DocumentRequest} */
    const body = { department_id: department.control.value, title: t, invitees: [] };
    const senderEmail = sender.control.value.trim();
    if (senderEmail) body.sender_email = senderEmail;
    if (sourcePdf.checked) {
      const file = pdf.control.files?.[0];
      if (!file) throw new Error('Choose the PDF file to send.');
      body.pdf = await base64Of(file);
    } else {
      if (!template.control.value) throw new Error('Choose a template.');
      body.template_id = template.control.value;
    }
    for (const r of rows) body.invitees.push(await r.toRequest());
    return body;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    result.hidden = true;
    /** @type {DocumentRequest} */
    let body;
    try {
      body = await request();
    } catch (err) {
      return notice.error(err);
    }
    sendButton.disabled = true;
    notice.say('Sending…');
    try {
      /** @type {DocumentDetail} */
      const doc = await ctx.api.json('POST', '/v1/documents', { json: body });
      notice.say(`“${doc.title}” was sent (${doc.id}).`, 'ok');
      result.replaceChildren(
        h('h3', { id: 'send-result-title', tabindex: '-1' }, `Document sent: ${doc.title}`),
        h('p', {}, 'Invitation links (shown only now; the first signing order has been sent theirs):'),
        invitationList(doc));
      result.dataset.document = doc.id;
      result.hidden = false;
      ctx.changed('documents');
      /** @type {HTMLElement} */ (result.firstElementChild).focus();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'liveliness_not_available') {
        notice.say(`${AUTOMATED_NOTE}: the server refused the document. ${err.message} (${err.code})`, 'error');
      } else {
        notice.error(err);
      }
    } finally {
      sendButton.disabled = false;
    }
  });

  return { id: 'send', label: 'New document', panel, activate: () => void load() };
}
