// @ts-check
/**
 * Admin section "Templates": upload a PDF as a named template (`POST /v1/templates?name=`,
 * body `application/pdf`) and list the templates.
 */

import { Notice, h, labelled, when } from './common.js';

/** @typedef {import('./admin.js').AdminContext} AdminContext */
/** @typedef {import('./admin.js').Section} Section */
/** @typedef {import('./types.js').Template} Template */

/** @param {number} bytes @returns {string} */
function size(bytes) {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/**
 * @param {AdminContext} ctx
 * @returns {Section}
 */
export function mountTemplates(ctx) {
  const notice = new Notice();
  const name = labelled('Template name', h('input', { type: 'text', required: true, maxlength: 120 }));
  const pdf = labelled('PDF file', h('input', { type: 'file', accept: 'application/pdf,.pdf' }));
  const upload = h('button', { type: 'submit', class: 'button primary' }, 'Upload template');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-label': 'Upload a template' },
    name.field, pdf.field, h('div', { class: 'actions end' }, upload));
  const list = h('tbody', {});
  const panel = h('section', {}, h('h2', {}, 'Templates'), form, notice.el,
    h('div', { class: 'scroll' }, h('table', { class: 'table' },
      h('caption', {}, 'Templates'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Pages'),
        h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Uploaded'), h('th', { scope: 'col' }, 'SHA-256'))),
      list)));

  async function refresh() {
    try {
      const templates = await ctx.templates(true);
      list.replaceChildren(...templates.map((t) => h('tr', { 'data-id': t.id },
        h('th', { scope: 'row' }, t.name), h('td', {}, String(t.pages)), h('td', {}, size(t.bytes)),
        h('td', {}, when(t.created_at)), h('td', { class: 'hash' }, t.sha256.slice(0, 16) + '…'))));
      if (!templates.length) list.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No templates yet.')));
    } catch (e) {
      notice.error(e);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = pdf.control.files?.[0];
    const value = name.control.value.trim();
    if (!value) return notice.say('Enter a template name.', 'error');
    if (!file) return notice.say('Choose the PDF file.', 'error');
    upload.disabled = true;
    try {
      /** @type {Template} */
      const t = await ctx.api.json('POST', `/v1/templates?${new URLSearchParams({ name: value })}`, { body: file, type: 'application/pdf' });
      notice.say(`Template “${t.name}” uploaded (${t.pages} ${t.pages === 1 ? 'page' : 'pages'}).`, 'ok');
      form.reset();
      ctx.changed('templates');
      await refresh();
    } catch (err) {
      notice.error(err);
    } finally {
      upload.disabled = false;
    }
  });

  return { id: 'templates', label: 'Templates', panel, activate: () => void refresh() };
}
