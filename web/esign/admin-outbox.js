// @ts-check
/**
 * Admin section "Outbox": the development outbox (`GET /v1/outbox`), where invitations, OTPs
 * and sender notices go when no SMTP server is configured. Newest first, with the 6-digit OTPs
 * and the invitation links picked out of the message bodies.
 */

import { Notice, h, labelled, when } from './common.js';

/** @typedef {import('./admin.js').AdminContext} AdminContext */
/** @typedef {import('./admin.js').Section} Section */
/** @typedef {import('./types.js').OutboxMessage} OutboxMessage */

const KINDS = /** @type {Record<string, string>} */ ({ invitation: 'Invitation', otp: 'OTP', sender_notice: 'Sender notice' });

/**
 * @param {OutboxMessage} m
 * @returns {HTMLElement}
 */
function message(m) {
  const titleId = `msg-${m.id}`;
  const extra = [];
  if (m.kind === 'otp') {
    const code = /\b\d{6}\b/.exec(m.body)?.[0];
    if (code) extra.push(h('p', { class: 'otp' }, 'Code: ', h('strong', { class: 'otp-code' }, code)));
  }
  const link = /(https?:\/\/\S+|\/sign\/[A-Za-z0-9._~-]+)/.exec(m.body)?.[0];
  if (link) {
    const url = new URL(link, location.origin).href;
    extra.push(h('p', {}, 'Link: ', h('a', { class: 'outbox-link', href: url, target: '_blank', rel: 'noopener noreferrer' }, url)));
  }
  return h('article', { class: `card message kind-${m.kind}`, 'aria-labelledby': titleId, 'data-kind': m.kind, 'data-to': m.to },
    h('h3', { id: titleId }, h('span', { class: 'badge' }, KINDS[m.kind] ?? m.kind), ' ', m.subject),
    h('p', { class: 'meta' }, `${when(m.at)} · ${m.channel} to ${m.to}`),
    ...extra,
    h('pre', { class: 'body' }, m.body));
}

/**
 * @param {AdminContext} ctx
 * @returns {Section}
 */
export function mountOutbox(ctx) {
  const notice = new Notice();
  const to = labelled('To (email or phone; empty for all)', h('input', { type: 'search', autocomplete: 'off', spellcheck: 'false' }));
  const refreshButton = h('button', { type: 'submit', class: 'button primary' }, 'Refresh');
  const form = h('form', { class: 'card form inline-form', role: 'search', 'aria-label': 'Filter the outbox' }, to.field, refreshButton);
  const list = h('div', { class: 'messages' });
  const panel = h('section', {},
    h('h2', {}, 'Outbox'),
    h('p', { class: 'hint' }, 'Development outbox: messages the server would send by email or SMS. Newest first.'),
    form, notice.el, list);

  async function refresh() {
    const address = to.control.value.trim();
    const query = address ? `?${new URLSearchParams({ to: address })}` : '';
    try {
      /** @type {{ messages: OutboxMessage[] }} */
      const { messages } = await ctx.api.json('GET', `/v1/outbox${query}`);
      const sorted = [...messages].sort((a, b) => b.at - a.at);
      list.replaceChildren(...sorted.map(message));
      notice.say(`${sorted.length} ${sorted.length === 1 ? 'message' : 'messages'}${address ? ` to ${address}` : ''}.`);
    } catch (e) {
      notice.error(e);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void refresh();
  });

  return { id: 'outbox', label: 'Outbox', panel, activate: () => void refresh() };
}
