// @ts-check
/**
 * Livegate eSign signing journey (`/sign/<invitation token>`). The invitation link is single
 * use: the first load opens it (`POST /v1/sign/open`) and keeps the journey token in this
 * tab's sessionStorage; a reload resumes with `GET /v1/sign/state`. Each step is drawn from
 * the server's `step`; the steps live in sign-otp.js, sign-capture.js and sign-sign.js.
 */

import { Api, ApiError, Notice, byId, h } from './common.js';
import { renderCapture, renderInstructions } from './sign-capture.js';
import { renderOtp } from './sign-otp.js';
import { renderDone, renderFailed, renderSign } from './sign-sign.js';

/** @typedef {import('./types.js').JourneyState} JourneyState */
/** @typedef {import('./types.js').OpenAnswer} OpenAnswer */
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
 * @param {{ step: Step, invitee?: { name: string }, document?: { title: string, pages: number }, security?: JourneyState['security'] }} state
 */
function header(state) {
  if (state.document) {
    titleEl.textContent = state.document.title;
    document.title = `Sign: ${state.document.title}`;
  }
  if (state.invitee) {
    const pages = state.document ? ` (${state.document.pages} ${state.document.pages === 1 ? 'page' : 'pages'})` : '';
    greeting.textContent = `Hello ${state.invitee.name}, you are invited to sign this document${pages}.`;
  }
  const at = state.step === 'capture' ? 'instructions' : state.step;
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

/** @param {string} title @param {string} text */
function stop(title, text) {
  for (const fn of leaving) fn();
  leaving = [];
  progress.hidden = true;
  body.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'stop-title' }, h('h2', { id: 'stop-title', tabindex: '-1' }, title), h('p', {}, text)));
  /** @type {HTMLElement} */ (body.querySelector('h2')).focus();
}

/** @param {unknown} e */
function showStateError(e) {
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

/** @type {Record<string, [string, string]>} */
const OPEN_ERRORS = {
  invitation_invalid: ['This link is not valid', 'Check that you opened the whole link from your invitation.'],
  invitation_used: ['This link has already been used', 'For your security an invitation link opens once. Continue in the browser tab where you first opened it, or ask the sender for a new invitation.'],
  invitation_expired: ['This invitation has expired', 'Ask the sender for a new invitation.'],
  not_your_turn: ['It is not your turn yet', 'Someone earlier in the signing order has not signed yet. You will get a new message when it is your turn; this link will work then.'],
};

async function boot() {
  if (!invitation) return stop('This link is incomplete', 'It has no invitation token. Open the whole link from your invitation again.');
  if (journey.saved.journey_token) return journey.go();
  /** @type {OpenAnswer} */
  let opened;
  try {
    opened = await new Api(() => null).json('POST', '/v1/sign/open', { json: { invitation_token: invitation } });
  } catch (e) {
    notice.error(e);
    const known = e instanceof ApiError ? OPEN_ERRORS[e.code] : undefined;
    if (known) return stop(known[0], known[1]);
    const again = h('button', { type: 'button', class: 'button primary' }, 'Try again');
    again.addEventListener('click', () => void boot());
    body.replaceChildren(h('div', { class: 'actions' }, again));
    return;
  }
  journey.saved = { journey_token: opened.journey_token, otp: opened.otp ?? null, document_status: null };
  journey.save();
  if (opened.step === 'otp') {
    return journey.go({ step: 'otp', invitee: opened.invitee, document: opened.document });
  }
  return journey.go();
}

void boot();
