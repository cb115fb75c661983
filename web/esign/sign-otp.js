// @ts-check
/**
 * Signing journey step "otp": the 6-digit code sent by email or SMS, Verify, and Resend once
 * its cooldown has passed. Errors are the server's messages (a wrong code says how many tries
 * are left; an expired or locked code asks for a new one).
 */

import { ApiError, h } from './common.js';

/** @typedef {import('./sign.js').Journey} Journey */
/** @typedef {import('./types.js').JourneyState} JourneyState */
/** @typedef {import('./types.js').OtpInfo} OtpInfo */

const CHANNELS = /** @type {Record<string, string>} */ ({ email: 'by email', sms: 'by SMS' });

/** @type {Record<string, string>} */
const FOLLOW_UP = {
  otp_expired: 'Press “Resend code” for a new one.',
  otp_locked: 'Press “Resend code” for a new code.',
  otp_resend_too_soon: '',
};

/**
 * @param {Journey} j
 * @param {JourneyState} state
 */
export function renderOtp(j, state) {
  // The state's OTP details, when the server gives them, are the freshest (another tab may
  // have asked for a new code).
  if (state.otp?.resend_after !== undefined && state.otp.to_masked) {
    j.saved.otp = state.otp;
    j.save();
  }
  const sentTo = h('p', {});
  const input = h('input', {
    id: 'otp-code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}',
    maxlength: 6, required: true, spellcheck: 'false', 'aria-describedby': 'otp-help',
  });
  const verify = h('button', { type: 'submit', class: 'button primary' }, 'Verify');
  const resend = h('button', { type: 'button', class: 'button' }, 'Resend code');
  const form = h('form', { class: 'card form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: input.id }, '6-digit code'), input,
      h('p', { class: 'hint', id: 'otp-help' }, 'Codes are valid for 5 minutes.')),
    h('div', { class: 'actions' }, verify, resend));
  j.body.replaceChildren(h('section', { 'aria-labelledby': 'otp-title' },
    h('h2', { id: 'otp-title' }, 'Verify it’s you'), sentTo, form));

  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  j.onLeave(() => clearInterval(timer));

  /** @param {OtpInfo | null} otp */
  function describe(otp) {
    sentTo.textContent = otp
      ? `We sent a 6-digit code ${CHANNELS[otp.channel] ?? `by ${otp.channel}`} to ${otp.to_masked}. Enter it to continue.`
      : 'Enter the 6-digit code we sent you.';
  }

  // Resend stays disabled (with the seconds left in its name) until the server allows it.
  function tick() {
    const after = j.saved.otp?.resend_after ?? 0;
    const left = Math.ceil((after - Date.now()) / 1000);
    if (left > 0) {
      resend.disabled = true;
      resend.textContent = `Resend code (in ${left} s)`;
    } else {
      resend.disabled = false;
      resend.textContent = 'Resend code';
      clearInterval(timer);
    }
  }
  function startCooldown() {
    clearInterval(timer);
    tick();
    timer = setInterval(tick, 1000);
  }

  describe(j.saved.otp);
  startCooldown();

  /** @param {unknown} e */
  function showError(e) {
    if (e instanceof ApiError && e.code in FOLLOW_UP) {
      const next = FOLLOW_UP[e.code];
      j.notice.say(next ? `${e.message} ${next}` : e.message, 'error');
    } else if (e instanceof ApiError && e.status !== 0) {
      j.notice.say(e.message, 'error');
    } else {
      j.notice.error(e);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = input.value.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(code)) {
      j.notice.say('Enter the 6 digits of the code.', 'error');
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    verify.disabled = true;
    try {
      await j.api.json('POST', '/v1/sign/otp/verify', { json: { code } });
      j.notice.say('Code verified.', 'ok');
      await j.go();
    } catch (err) {
      showError(err);
      input.setAttribute('aria-invalid', 'true');
      input.select();
    } finally {
      verify.disabled = false;
    }
  });

  resend.addEventListener('click', async () => {
    resend.disabled = true;
    try {
      /** @type {{ otp: OtpInfo }} */
      const answer = await j.api.json('POST', '/v1/sign/otp/resend');
      j.saved.otp = answer.otp;
      j.save();
      describe(answer.otp);
      j.notice.say(`A new code was sent to ${answer.otp.to_masked}.`, 'ok');
      input.value = '';
      input.focus();
    } catch (err) {
      showError(err);
    }
    startCooldown();
  });
}
