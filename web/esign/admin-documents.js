// @ts-check
/**
 * Admin section "Documents": the list, and the status page of one document with its
 * downloads (original PDF, signed PDF, audit trail CSV), each fetched with the API key and
 * saved from a blob.
 */

import { Notice, h, saveBlob, when } from './common.js';
import { inviteeCard } from './admin-status.js';

/** @typedef {import('./admin.js').AdminContext} AdminContext */
/** @typedef {import('./admin.js').Section} Section */
/** @typedef {import('./types.js').DocumentDetail} DocumentDetail */
/** @typedef {import('./types.js').DocumentSummary} DocumentSummary */

const STATUS = /** @type {Record<string, string>} */ ({ sent: 'Sent', completed: 'Completed', failed: 'Failed' });

/**
 * @param {AdminContext} ctx
 * @returns {Section}
 */
export function mountDocuments(ctx) {
  const notice = new Notice();
  const list = h('tbody', {});
  const refreshList = h('button', { type: 'button', class: 'button small' }, 'Refresh');
  const listView = h('div', {},
    h('div', { class: 'actions' }, refreshList),
    h('div', { class: 'scroll' }, h('table', { class: 'table' },
      h('caption', {}, 'Documents, newest first'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Title'), h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col' }, 'Completed'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      list)));
  const statusView = h('section', { class: 'status-page', 'aria-labelledby': 'doc-status-title', hidden: true });
  const panel = h('section', {}, h('h2', {}, 'Documents'), notice.el, listView, statusView);

  /** Object URLs of the thumbnails shown. @type {string[]} */
  let urls = [];
  /** @type {string | null} */
  let openId = null;

  function forgetUrls() {
    for (const u of urls) URL.revokeObjectURL(u);
    urls = [];
  }

  async function refresh() {
    try {
      /** @type {{ documents: DocumentSummary[] }} */
      const { documents } = await ctx.api.json('GET', '/v1/documents');
      const sorted = [...documents].sort((a, b) => b.created_at - a.created_at);
      list.replaceChildren(...sorted.map((d) => {
        const open = h('button', { type: 'button', class: 'button small', 'aria-label': `Status of ${d.title}` }, 'Status');
        open.addEventListener('click', () => void openDocument(d.id));
        return h('tr', { 'data-id': d.id }, h('th', { scope: 'row' }, d.title), h('td', {}, STATUS[d.status] ?? d.status),
          h('td', {}, when(d.created_at)), h('td', {}, when(d.completed_at)), h('td', {}, open));
      }));
      if (!sorted.length) list.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No documents yet.')));
    } catch (e) {
      notice.error(e);
    }
  }
  refreshList.addEventListener('click', () => void refresh());

  /**
   * A button that downloads `path` (fetched with the key) as `filename`.
   * @param {string} label
   * @param {string} path
   * @param {string} filename
   * @param {boolean} enabled
   */
  function download(label, path, filename, enabled) {
    const button = h('button', { type: 'button', class: 'button small', disabled: !enabled }, label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        saveBlob(await ctx.api.blob(path), filename);
        notice.say(`${label}: downloaded ${filename}.`, 'ok');
      } catch (e) {
        notice.error(e);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  /** @param {string} id */
  async function openDocument(id) {
    openId = id;
    /** @type {DocumentDetail} */
    let doc;
    try {
      doc = await ctx.api.json('GET', `/v1/documents/${encodeURIComponent(id)}`);
    } catch (e) {
      return notice.error(e);
    }
    forgetUrls();
    notice.clear();
    const base = `/v1/documents/${encodeURIComponent(doc.id)}`;
    const back = h('button', { type: 'button', class: 'button small' }, 'Back to documents');
    back.addEventListener('click', () => {
      openId = null;
      forgetUrls();
      statusView.hidden = true;
      listView.hidden = false;
      void refresh();
    });
    const reload = h('button', { type: 'button', class: 'button small' }, 'Refresh');
    reload.addEventListener('click', () => void openDocument(doc.id));
    const loadImage = async (/** @type {string} */ url) => {
      const objectUrl = URL.createObjectURL(await ctx.api.blob(url));
      if (openId !== doc.id) URL.revokeObjectURL(objectUrl);
      else urls.push(objectUrl);
      return objectUrl;
    };
    const invitees = [...doc.invitees].sort((a, b) => a.signing_order - b.signing_order);
    statusView.replaceChildren(
      h('div', { class: 'actions' }, back, reload),
      h('h3', { id: 'doc-status-title', tabindex: '-1' }, doc.title, ' ', h('span', { class: `badge doc-${doc.status}` }, STATUS[doc.status] ?? doc.status)),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Document'), h('dd', { class: 'hash' }, doc.id),
        h('dt', {}, 'Pages'), h('dd', {}, String(doc.pages)),
        h('dt', {}, 'Created'), h('dd', {}, when(doc.created_at)),
        h('dt', {}, 'Completed'), h('dd', {}, when(doc.completed_at)),
        h('dt', {}, 'SHA-256 (original)'), h('dd', { class: 'hash' }, doc.sha256),
        h('dt', {}, 'SHA-256 (signed)'), h('dd', { class: 'hash' }, doc.signed_sha256 ?? '—')),
      h('div', { class: 'actions' },
        download('Original PDF', `${base}/original.pdf`, `${doc.id}-original.pdf`, true),
        download('Signed PDF', `${base}/signed.pdf`, `${doc.id}-signed.pdf`, doc.status === 'completed'),
        download('Audit trail (CSV)', `${base}/audit?format=csv`, `${doc.id}-audit.csv`, true)),
      h('h4', {}, 'Invitees'),
      ...invitees.map((inv) => inviteeCard(inv, loadImage)));
    statusView.dataset.document = doc.id;
    statusView.dataset.status = doc.status;
    listView.hidden = true;
    statusView.hidden = false;
    /** @type {HTMLElement} */ (statusView.querySelector('#doc-status-title')).focus();
  }

  ctx.on('documents', () => {
    if (!panel.hidden) void refresh();
  });

  return {
    id: 'documents',
    label: 'Documents',
    panel,
    activate: () => {
      if (openId) void openDocument(openId);
      else void refresh();
    },
  };
}
