// @ts-check
/**
 * Admin section "Keys": the keys this admin key manages (`GET /v1/keys`: name, id,
 * scopes, tenant, created, last used, revoked), never a secret. Read-only here: keys are
 * created, rotated and revoked through the API (a secret is shown once, in that answer). A key
 * without the `admin` scope sees the server's `insufficient_scope` message instead.
 */

import { Notice, h, when } from './common.js';

/** @typedef {import('./admin.js').AdminContext} AdminContext */
/** @typedef {import('./admin.js').Section} Section */
/** @typedef {import('./types.js').ApiKey} ApiKey */

/**
 * @param {AdminContext} ctx
 * @returns {Section}
 */
export function mountKeys(ctx) {
  const notice = new Notice();
  const list = h('tbody', {});
  const columns = ['Name', 'Id', 'Scopes', 'Tenant', 'Created', 'Last used', 'Revoked'];
  const panel = h('section', {}, h('h2', {}, 'API keys'),
    h('p', { class: 'hint' }, 'Keys are created, rotated and revoked with POST /v1/keys, POST /v1/keys/{id}/rotate and DELETE /v1/keys/{id}; secrets are shown only when a key is made.'),
    notice.el,
    h('div', { class: 'scroll' }, h('table', { class: 'table' },
      h('caption', {}, 'Keys'),
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
      list)));

  async function refresh() {
    try {
      /** @type {{ keys: ApiKey[] }} */
      const { keys } = await ctx.api.json('GET', '/v1/keys');
      list.replaceChildren(...keys.map((k) => h('tr', { 'data-id': k.id },
        h('th', { scope: 'row' }, k.name), h('td', { class: 'hash' }, k.id), h('td', {}, k.scopes.join(', ')),
        h('td', {}, k.tenant), h('td', {}, when(k.created_at)), h('td', {}, when(k.last_used_at)),
        h('td', {}, k.revoked_at === null ? '—' : when(k.revoked_at)))));
      if (!keys.length) list.append(h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, 'No keys.')));
      notice.say(`${keys.length} ${keys.length === 1 ? 'key' : 'keys'}.`);
    } catch (e) {
      notice.error(e);
    }
  }

  return { id: 'keys', label: 'Keys', panel, activate: () => void refresh() };
}
