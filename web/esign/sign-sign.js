// @ts-check
/**
 * Signing journey steps "sign" (the document preview, a typed name or a drawn signature, the
 * consent, Sign), "done" (thank you, the signed PDF once the whole document is completed, and
 * Continue to the document's redirect_url) and "failed" (the reason the journey ended).
 */

import { h, saveBlob, stepChanged } from './common.js';
import { guidanceFor } from './sign-capture.js';
import { SignaturePad } from './sign-pad.js';

/** @typedef {import('./sign.js').Journey} Journey */
/** @typedef {import('./types.js').JourneyState} JourneyState */

export const CONSENT = 'I agree to sign this document electronically';

/**
 * @param {Journey} j
 * @param {JourneyState} state
 */
export function renderSign(j, state) {
  const preview = h('a', { class: 'button', href: '#', 'aria-disabled': 'true', target: '_blank', rel: 'noopener' }, 'Loading the document…');
  const typedRadio = h('input', { type: 'radio', name: 'sig-kind', value: 'typed', id: 'sig-typed', checked: true });
  const drawnRadio = h('input', { type: 'radio', name: 'sig-kind', value: 'drawn', id: 'sig-drawn' });
  const typed = h('input', { id: 'sig-name', type: 'text', autocomplete: 'name', maxlength: 120, placeholder: state.invitee?.name ?? '' });
  const typedBox = h('div', { class: 'field' }, h('label', { for: typed.id }, 'Type your full name'), typed,
    h('p', { class: 'typed-preview', 'aria-hidden': 'true' }));
  /** @type {SignaturePad | null} */
  let pad = null;
  const drawnBox = h('div', { class: 'field', hidden: true });
  const consent = h('input', { type: 'checkbox', id: 'sig-consent', required: true });
  const sign = h('button', { type: 'submit', class: 'button primary' }, 'Sign');
  const form = h('form', { class: 'card form', novalidate: true },
    h('fieldset', {}, h('legend', {}, 'Your signature'),
      h('div', { class: 'inline' },
        h('label', { for: typedRadio.id }, typedRadio, ' Type your name'),
        h('label', { for: drawnRadio.id }, drawnRadio, ' Draw your signature')),
      typedBox, drawnBox),
    h('div', { class: 'field check' }, h('label', { for: consent.id }, consent, ` ${CONSENT}`)),
    h('div', { class: 'actions end' }, sign));
  j.body.replaceChildren(h('section', { 'aria-labelledby': 'sign-title' },
    h('h2', { id: 'sign-title' }, 'Sign the document'),
    h('p', {}, 'Read the document before you sign it. ', preview),
    form));

  // The preview is fetched with the journey token (a link cannot carry it) into an object URL.
  /** @type {string | null} */
  let docUrl = null;
  j.onLeave(() => {
    if (docUrl) URL.revokeObjectURL(docUrl);
  });
  j.api.blob('/v1/sign/document.pdf').then((blob) => {
    docUrl = URL.createObjectURL(blob);
    preview.href = docUrl;
    preview.removeAttribute('aria-disabled');
    preview.textContent = `Open the document (PDF, ${state.document?.pages ?? '?'} ${state.document?.pages === 1 ? 'page' : 'pages'})`;
  }, (e) => {
    preview.textContent = 'The document could not be loaded';
    j.notice.error(e);
  });
  preview.addEventListener('click', (e) => {
    if (!docUrl) e.preventDefault();
  });

  const preview2 = /** @type {HTMLElement} */ (typedBox.querySelector('.typed-preview'));
  typed.addEventListener('input', () => (preview2.textContent = typed.value));

  function syncKind() {
    const drawn = drawnRadio.checked;
    typedBox.hidden = drawn;
    drawnBox.hidden = !drawn;
    if (drawn && !pad) {
      try {
        pad = new SignaturePad();
        drawnBox.append(h('p', { class: 'hint' }, 'Draw your signature in the box with a finger, pen or mouse.'), pad.el);
      } catch (e) {
        j.notice.error(e);
        typedRadio.checked = true;
        syncKind();
      }
    }
  }
  typedRadio.addEventListener('change', syncKind);
  drawnRadio.addEventListener('change', syncKind);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    /** @type {{ kind: 'typed' | 'drawn', typed_name?: string, drawn_png?: string, consent: boolean }} */
    let body;
    if (drawnRadio.checked) {
      if (!pad || pad.isEmpty()) return j.notice.say('Draw your signature in the box first, or type your name instead.', 'error');
      body = { kind: 'drawn', drawn_png: pad.png(), consent: consent.checked };
    } else {
      const name = typed.value.trim();
      if (!name) {
        typed.focus();
        return j.notice.say('Type your full name to sign.', 'error');
      }
      body = { kind: 'typed', typed_name: name, consent: consent.checked };
    }
    if (!consent.checked) {
      consent.focus();
      return j.notice.say(`To sign, tick “${CONSENT}”.`, 'error');
    }
    sign.disabled = true;
    try {
      /** @type {{ step: string, document_status: string }} */
      const answer = await j.api.json('POST', '/v1/sign/sign', { json: body });
      j.saved.document_status = answer.document_status;
      j.save();
      j.notice.say('Signed.', 'ok');
      await j.go();
    } catch (err) {
      if (stepChanged(err)) return j.go();
      j.notice.error(err);
      sign.disabled = false;
    }
  });
}

/**
 * @param {Journey} j
 * @param {JourneyState} state
 */
export function renderDone(j, state) {
  const completed = state.document?.status === 'completed' || j.saved.document_status === 'completed';
  const parts = [h('h2', { id: 'done-title' }, 'Thank you'),
    h('p', {}, `You have signed “${state.document?.title ?? 'the document'}”.`)];
  if (completed) {
    const download = h('button', { type: 'button', class: 'button primary' }, 'Download signed PDF');
    download.addEventListener('click', async () => {
      download.disabled = true;
      try {
        saveBlob(await j.api.blob('/v1/sign/signed.pdf'), `${(state.document?.title ?? 'document').replace(/[^\w.-]+/g, '_')}-signed.pdf`);
        j.notice.say('The signed PDF was downloaded.', 'ok');
      } catch (e) {
        j.notice.error(e);
      } finally {
        download.disabled = false;
      }
    });
    parts.push(h('p', {}, 'Everyone has signed: the document is complete.'), h('div', { class: 'actions' }, download));
  } else {
    parts.push(h('p', {}, 'The document is complete once everyone has signed. Open your invitation link again then to download the signed copy.'));
  }
  // The server accepts only https (or http on loopback) redirect URLs; checked again here.
  if (state.redirect_url && /^https:\/\/|^http:\/\/(localhost|127\.|\[::1\])/i.test(state.redirect_url)) {
    parts.push(h('div', { class: 'actions end' }, h('a', { class: 'button primary continue', href: state.redirect_url, rel: 'noopener noreferrer' }, 'Continue')));
  }
  j.body.replaceChildren(h('section', { class: 'card done', 'data-link-state': 'signed', 'aria-labelledby': 'done-title' }, ...parts));
}

/** @type {Record<string, string>} */
const FAILURES = {
  attempts_exhausted: 'The face verification did not pass and no attempts are left. The sender has been notified and may send you a new invitation.',
  invitation_expired: 'This invitation has expired. Ask the sender for a new one.',
};

/**
 * @param {Journey} j
 * @param {JourneyState} state
 */
export function renderFailed(j, state) {
  const f = state.failure;
  const codes = state.capture?.reasons ?? [];
  j.body.replaceChildren(h('section', { class: 'card failed', 'aria-labelledby': 'failed-title' },
    h('h2', { id: 'failed-title' }, 'Signing stopped'),
    h('p', { class: 'reason' }, f ? f.message : 'This signing journey cannot continue.'),
    f && FAILURES[f.code] ? h('p', {}, FAILURES[f.code]) : '',
    f?.code === 'attempts_exhausted' ? h('ul', {}, ...guidanceFor(codes).map((g) => h('li', {}, g))) : ''));
  if (f) j.notice.say(f.message, 'error');
}
