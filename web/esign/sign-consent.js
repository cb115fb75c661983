// @ts-check
/**
 * Signing journey step "consent": the department's privacy notice (what is captured and why,
 * how long it is kept, whom to contact) before the camera is ever started. "I agree" records
 * the consent (`POST /v1/sign/consent`, in the audit trail); the server refuses the capture
 * without it.
 */

import { h, stepChanged } from './common.js';

/** @typedef {import('./sign.js').Journey} Journey */
/** @typedef {import('./types.js').JourneyState} JourneyState */

export const CAPTURE_CONSENT = 'I have read this notice and agree to the face capture';

/**
 * @param {Journey} j
 * @param {JourneyState} state
 */
export function renderConsent(j, state) {
  const p = state.privacy;
  const days = p?.retention_days ?? 0;
  const agree = h('input', { type: 'checkbox', id: 'capture-consent', required: true });
  const go = h('button', { type: 'submit', class: 'button primary' }, 'Continue');
  const form = h('form', { class: 'card form privacy', novalidate: true, 'aria-labelledby': 'consent-title' },
    h('h2', { id: 'consent-title' }, 'Privacy notice'),
    h('h3', {}, 'What is captured and why'),
    h('p', { class: 'notice-text' }, p?.notice ?? ''),
    h('h3', {}, 'How long it is kept'),
    h('p', { class: 'retention' }, `The capture images are deleted ${days} ${days === 1 ? 'day' : 'days'} after the capture.`),
    h('h3', {}, 'Whom to contact'),
    h('p', { class: 'contact' }, p?.contact ? `Questions about your data: ${p.contact}.` : 'Questions about your data: the sender of this document.'),
    h('div', { class: 'field check' }, h('label', { for: agree.id }, agree, ` ${CAPTURE_CONSENT}`)),
    h('div', { class: 'actions end' }, go));
  j.body.replaceChildren(form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!agree.checked) {
      agree.focus();
      return j.notice.say(`To continue, tick “${CAPTURE_CONSENT}”.`, 'error');
    }
    go.disabled = true;
    try {
      await j.api.json('POST', '/v1/sign/consent', { json: { accept: true } });
      j.notice.clear();
      await j.go();
    } catch (err) {
      if (stepChanged(err)) return j.go();
      j.notice.error(err);
      go.disabled = false;
    }
  });
}
