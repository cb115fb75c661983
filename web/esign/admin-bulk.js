// @ts-check
/**
 * Admin section "Bulk send": one document per CSV row from a template. When any row is
 * invalid the server sends nothing and lists every invalid row (`csv_invalid`, `error.rows`),
 * shown here as a table of line and reason.
 */

import { ApiError, Notice, h, labelled } from './common.js';
import { fillDepartments, fillTemplates, invitationList } from './admin-send.js';

/** @typedef {import('./admin.js').AdminContext} AdminContext */
/** @typedef {import('./admin.js').Section} Section */
/** @typedef {import('./types.js').DocumentDetail} DocumentDetail */

const COLUMNS = 'name,email,phone,signer_type,capture_photo,smart_liveliness,liveliness_retries,face_match_retries,reference_image';

/**
 * @param {AdminContext} ctx
 * @returns {Section}
 */
export function mountBulk(ctx) {
  const notice = new Notice();
  const template = labelled('Template', h('select', { required: true }));
  const department = labelled('Department', h('select', { required: true }));
  const title = labelled('Document title', h('input', { type: 'text', required: true, maxlength: 200 }));
  const sender = labelled('Sender email (optional)', h('input', { type: 'email', autocomplete: 'email', spellcheck: 'false' }),
    'Told when a signer fails verification with no attempts left.');
  const csv = labelled('CSV file', h('input', { type: 'file', accept: 'text/csv,.csv' }),
    `Header row required. Columns (any order): ${COLUMNS}. Booleans: true/false, yes/no, 1/0.`);
  const sendButton = h('button', { type: 'submit', class: 'button primary' }, 'Send to every row');
  const form = h('form', { class: 'card form', novalidate: true },
    template.field, department.field, title.field, sender.field, csv.field, h('div', { class: 'actions end' }, sendButton));
  const errorsTitle = 'bulk-errors-title';
  const errors = h('section', { class: 'card errors', 'aria-labelledby': errorsTitle, hidden: true });
  const result = h('section', { class: 'card result', 'aria-labelledby': 'bulk-result-title', hidden: true });
  const panel = h('section', {}, h('h2', {}, 'Bulk send'), form, notice.el, errors, result);

  async function load() {
    try {
      fillTemplates(template.control, await ctx.templates());
      fillDepartments(department.control, await ctx.departments());
    } catch (e) {
      notice.error(e);
    }
  }
  ctx.on('departments', () => void load());
  ctx.on('templates', () => void load());

  /** @param {{ line: number, reason: string }[]} rows */
  function showRows(rows) {
    errors.replaceChildren(
      h('h3', { id: errorsTitle }, `${rows.length} invalid ${rows.length === 1 ? 'row' : 'rows'} — nothing was sent`),
      h('table', { class: 'table csv-errors' },
        h('caption', { class: 'sr-only' }, 'Invalid CSV rows'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Line'), h('th', { scope: 'col' }, 'Reason'))),
        h('tbody', {}, ...rows.map((r) => h('tr', {}, h('td', {}, String(r.line)), h('td', {}, String(r.reason)))))));
    errors.hidden = false;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errors.hidden = true;
    result.hidden = true;
    const file = csv.control.files?.[0];
    if (!template.control.value) return notice.say('Choose a template.', 'error');
    if (!department.control.value) return notice.say('Choose a department.', 'error');
    if (!title.control.value.trim()) return notice.say('Enter a document title.', 'error');
    if (!file) return notice.say('Choose the CSV file.', 'error');
    const query = new URLSearchParams({
      department_id: department.control.value,
      template_id: template.control.value,
      title: title.control.value.trim(),
    });
    if (sender.control.value.trim()) query.set('sender_email', sender.control.value.trim());
    sendButton.disabled = true;
    notice.say('Sending…');
    try {
      /** @type {{ documents: DocumentDetail[] }} */
      const answer = await ctx.api.json('POST', `/v1/documents/bulk?${query}`, { body: file, type: 'text/csv' });
      notice.say(`${answer.documents.length} ${answer.documents.length === 1 ? 'document was' : 'documents were'} sent.`, 'ok');
      result.replaceChildren(
        h('h3', { id: 'bulk-result-title' }, 'Documents sent'),
        ...answer.documents.map((doc) => h('div', { 'data-document': doc.id }, h('h4', {}, `${doc.title} (${doc.id})`), invitationList(doc))));
      result.hidden = false;
      ctx.changed('documents');
    } catch (err) {
      notice.error(err);
      const rows = err instanceof ApiError && err.code === 'csv_invalid' ? err.detail.rows : null;
      if (Array.isArray(rows)) showRows(rows);
    } finally {
      sendButton.disabled = false;
    }
  });

  return { id: 'bulk', label: 'Bulk send', panel, activate: () => void load() };
}
