// @ts-check
/**
 * Livegate eSign signing journey (`/sign/<invitation token>`). Loading the link opens it
 * (`POST /v1/sign/open`) and keeps the journey token in this tab's sessionStorage; a reload
 * resumes with `GET /v1/sign/state`. The link stays usable until the signer signs, fails or it
 * expires: opened again (another tab or device) it resumes at the journey's step after a new
 * code, and the tab that held the old token offers to continue here. Every state of the link
 * has its own page (LINK_STATES). Each step is drawn from the server's `step`; the steps live
 * in sign-otp.js, sign-consent.js, sign-capture.js and sign-sign.js.
 */

import { Api, ApiError, Notice, byId, h } from './common.js';
import { renderCapture, renderInstructions } from './sign-capture.js';
import { renderConsent } from './sign-consent.js';
import { renderOtp } from './sign-otp.js';
import { renderDone, renderFailed, renderSign } from './sign-sign.js';

/** @typedef {import('./types.js').JourneyState} JourneyState */
/** @typedef {import('./types.js').OtpInfo} OtpInfo */
/** @typedef {import('./types.js').Step} Step */

/**
 * What this tab remembers of the journey.
 * @typedef {Object} Saved
 * @property {string} journey_token
 * @property {OtpInfo | null} otp
 * @property {string | null} document_status
 */

/**
 * What the steps share.
 * @typedef {Object} Journey
 * @property {Api} api requests with the journey token
 * @property {Notice} notice the page's live region for messages and errors
 * @property {HTMLElement} body where a step draws itself
 * @property {Saved} saved
 * @property {() => void} save stores `saved`
 * @property {(fn: () => void) => void} onLeave runs `fn` when the step is left
 * @property {(state?: JourneyState) => Promise<void>} go draws the server's current step
 */

const STEPS = /** @type {[Step, string][]} */ ([
  ['otp', 'Verify code'],
  ['instructions', 'Face capture'],
  ['sign', 'Sign'],
  ['done', 'Done'],
]);

const invitation = decodeURIComponent(location.pathname.replace(/^\/sign\/?/, '').split('/')[0] ?? '');
const storageKey = `livegate.esign.journey.${invitation}`;
const body = byId('step', HTMLElement);
const notice = new Notice(byId('notice', HTMLElement));
const titleEl = byId('doc-title', HTMLElement);
const brandEl = byId('brand', HTMLElement);
const greeting = byId('greeting', HTMLElement);
const progress = byId('progress', HTMLOListElement);

/** @returns {Saved | null} */
function load() {
  try {
    const raw = sessionStorage.getItem(storageKey);
    const saved = raw ? JSON.parse(raw) : null;
    return saved && typeof saved.journey_token === 'string' ? saved : null;
  } catch {
    return null;
  }
}

/** @type {(() => void)[]} */
let leaving = [];

/** @type {Journey} */
const journey = {
  api: new Api(() => journey.saved.journey_token || null),
  notice,
  body,
  saved: load() ?? { journey_token: '', otp: null, document_status: null },
  save() {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(journey.saved));
    } catch {
      // Private mode without storage: the journey still works until the tab is reloaded.
    }
  },
  onLeave(fn) {
    leaving.push(fn);
  },
  async go(state) {
    if (!state) {
      try {
        state = /** @type {JourneyState} */ (await journey.api.json('GET', '/v1/sign/state'));
      } catch (e) {
        return showStateError(e);
      }
    }
    for (const fn of leaving) fn();
    leaving = [];
    header(state);
    const step = state.step;
    if (step === 'otp') renderOtp(journey, state);
    else if (step === 'consent') renderConsent(journey, state);
    else if (step === 'instructions') renderInstructions(journey, state);
    else if (step === 'capture') await renderCapture(journey, state);
    else if (step === 'sign') renderSign(journey, state);
    else if (step === 'done') renderDone(journey, state);
    else renderFailed(journey, state);
    const heading = body.querySelector('h2');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  },
};

/**
 * The document title, the greeting and where the signer is in the journey.
 * @param {{ step: Step, invitee?: { name: string }, document?: { title: string, pages: number }, security?: JourneyState['security'], branding?: JourneyState['branding'] }} state
 */
function header(state) {
  if (state.branding) brand(state.branding);
  if (state.document) {
    titleEl.textContent = state.document.title;
    document.title = `Sign: ${state.document.title}`;
  }
  if (state.invitee) {
    const pages = state.document ? ` (${state.document.pages} ${state.document.pages === 1 ? 'page' : 'pages'})` : '';
    greeting.textContent = `Hello ${state.invitee.name}, you are invited to sign this document${pages}.`;
  }
  const at = state.step === 'capture' || state.step === 'consent' ? 'instructions' : state.step;
  // Without a photo capture the journey goes from the code straight to signing.
  const steps = state.security && !state.security.capture_photo ? STEPS.filter(([s]) => s !== 'instructions') : STEPS;
  const index = steps.findIndex(([s]) => s === at);
  progress.hidden = state.step === 'failed';
  progress.replaceChildren(...steps.map(([s, label], i) => {
    const status = i < index ? 'done' : i === index ? 'current' : 'todo';
    const li = h('li', { class: `progress-${status}`, 'data-step': s }, label, status === 'done' ? h('span', { class: 'sr-only' }, ' (done)') : '');
    if (status === 'current') li.setAttribute('aria-current', 'step');
    return li;
  }));
}

/**
 * The department's name above the title, and its colour as the pages' accent (set through the
 * CSSOM, which the Content-Security-Policy allows), with the text colour that contrasts most.
 * @param {import('./types.js').Branding} b
 */
function brand(b) {
  brandEl.textContent = b.name;
  brandEl.hidden = !b.name;
  const colour = b.colour ?? '';
  if (/^#[0-9a-f]{6}$/i.test(colour)) {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    const lum = 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    const root = document.documentElement.style;
    root.setProperty('--accent', colour);
    root.setProperty('--accent-fg', (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? '#000000' : '#ffffff');
  }
}

/**
 * A page that says what happened and what to do, with an optional action.
 * @param {string} title @param {string} text @param {string} [state] its `data-link-state`
 * @param {HTMLElement} [action]
 */
function stop(title, text, state = 'ended', action) {
  for (const fn of leaving) fn();
  leaving = [];
  progress.hidden = true;
  body.replaceChildren(h('section', { class: 'card link-state', 'data-link-state': state, 'aria-labelledby': 'stop-title' },
    h('h2', { id: 'stop-title', tabindex: '-1' }, title), h('p', {}, text), action ? h('div', { class: 'actions' }, action) : ''));
  /** @type {HTMLElement} */ (body.querySelector('h2')).focus();
}

/** @param {unknown} e */
function showStateError(e) {
  // The link was opened again elsewhere: this tab's token is revoked, the link still works.
  if (e instanceof ApiError && e.code === 'invalid_credentials') {
    sessionStorage.removeItem(storageKey);
    const here = h('button', { type: 'button', class: 'button primary' }, 'Continue here');
    here.addEventListener('click', () => {
      journey.saved = { journey_token: '', otp: null, document_status: null };
      void boot();
    });
    return stop('You continued in another window', 'This signing link was opened again in another tab or on another device, so this tab stopped. Continue there, or continue here with a new code.', 'moved', here);
  }
  const known = e instanceof ApiError ? LINK_STATES[e.code] : undefined;
  if (known && e instanceof ApiError) {
    sessionStorage.removeItem(storageKey);
    notice.error(e);
    return stop(known[0], known[2] ? e.message : known[1], e.code);
  }
  const ended = e instanceof ApiError && (e.status === 401 || e.status === 404 || e.status === 410 || (e.status === 403 && e.code !== 'otp_required'));
  if (ended) {
    sessionStorage.removeItem(storageKey);
    notice.error(e);
    return stop('This signing session has ended', 'It has expired or is no longer valid. Ask the sender for a new invitation.');
  }
  notice.error(e);
  const again = h('button', { type: 'button', class: 'button primary' }, 'Try again');
  again.addEventListener('click', () => void journey.go());
  body.replaceChildren(h('div', { class: 'actions' }, again));
}

/**
 * The link states where the journey cannot go on, by the server's code: title, what to do,
 * and whether the server's message (which names whom to contact) is the text.
 * @type {Record<string, [string, string, boolean?]>}
 */
const LINK_STATES = {
  invitation_invalid: ['This link is not valid', 'Check that you opened the whole link from your invitation.'],
  invitation_expired: ['This invitation has expired', 'Ask the sender for a new invitation.'],
  invitation_failed: ['Verification did not pass', 'No attempts are left. Contact the sender for a new invitation.', true],
  document_cancelled: ['This document was cancelled', 'The sender cancelled this document, so there is nothing to sign. Contact the sender if you think this is a mistake.'],
};

async function boot() {
  if (!invitation) return stop('This link is incomplete', 'It has no invitation token. Open the whole link from your invitation again.');
  if (journey.saved.journey_token) return journey.go();
  /** @type {JourneyState} */
  let opened;
  try {
    opened = await new Api(() => null).json('POST', '/v1/sign/open', { json: { invitation_token: invitation } });
  } catch (e) {
    if (e instanceof ApiError && LINK_STATES[e.code]) return showStateError(e);
    notice.error(e);
    const again = h('button', { type: 'button', class: 'button primary' }, 'Try again');
    again.addEventListener('click', () => void boot());
    body.replaceChildren(h('div', { class: 'actions' }, again));
    return;
  }
  journey.saved = { journey_token: opened.journey_token ?? '', otp: opened.otp ?? null, document_status: null };
  journey.save();
  if (opened.link === 'resumed') notice.say('Welcome back. Enter the new code we sent you to continue where you left off.', 'info');
  return journey.go(opened);
}

void boot();
