// @ts-check
/**
 * Signing journey steps "instructions" (the best practices, then "Start face capture") and
 * "capture": the liveness session of the invitee runs in the Livegate capture SDK (camera
 * preview, oval, gate, countdown, and the one ending screen with the 3 captures and Retry while
 * attempts remain). Below it this page shows only what the journey adds: the attempts left,
 * "Proceed" once an attempt passed, or — when no attempt is left — that signing is blocked and
 * the sender knows. What happened and what to do is said once, by the SDK's ending screen.
 */

import { h, stepChanged } from './common.js';
import { reasonText, shownReasons } from '../sdk/text.js';

/** @typedef {import('./sign.js').Journey} Journey */
/** @typedef {import('./types.js').JourneyState} JourneyState */
/** @typedef {import('./types.js').CaptureStep} CaptureStep */
/** @typedef {typeof import('../sdk/livegate.js')} Sdk */
/** @typedef {import('../sdk/livegate.js').LivegateResult} LivegateResult */

/** Where the SDK is served; a variable, so the import is resolved by the browser only. */
const SDK_URL = '/sdk/livegate.js';
const GENERAL_GUIDANCE = 'Use good, even light on your face, keep only your face in view, and look straight at the camera.';

/**
 * What to do next time, for the reason codes of a failed capture: the person-facing text of
 * the most telling one (attack evidence gives the generic text; see sdk/text.js).
 * @param {string[]} codes
 * @returns {string[]}
 */
export function guidanceFor(codes) {
  return [reasonText(shownReasons(codes)[0] ?? 'not_verified')];
}

/**
 * @param {Journey} j
 * @param {JourneyState} state
 */
export function renderInstructions(j, state) {
  const practices = state.best_practices?.length ? state.best_practices : [GENERAL_GUIDANCE];
  const start = h('button', { type: 'button', class: 'button primary' }, 'Start face capture');
  j.body.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'instructions-title' },
    h('h2', { id: 'instructions-title' }, 'Before the face capture'),
    h('p', {}, 'Next, your camera takes a short capture to confirm that you are present. For the best result:'),
    h('ul', { class: 'practices' }, ...practices.map((p) => h('li', {}, p))),
    h('div', { class: 'actions end' }, start)));
  start.addEventListener('click', () => {
    start.disabled = true;
    void renderCapture(j, { ...state, step: 'capture' });
  });
}

/**
 * @param {Journey} j
 * @param {JourneyState} state
 * @returns {Promise<void>}
 */
export async function renderCapture(j, state) {
  const host = h('div', { class: 'sdk-host' });
  const attempts = h('p', { class: 'attempts', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const outcome = h('div', { class: 'outcome', hidden: true });
  const proceed = h('button', { type: 'button', class: 'button primary proceed', hidden: true }, 'Proceed');
  j.body.replaceChildren(h('section', { 'aria-labelledby': 'capture-title' },
    h('h2', { id: 'capture-title' }, 'Face capture'),
    host, attempts, outcome,
    h('div', { class: 'actions end' }, proceed)));

  // Back on this page after an attempt passed (e.g. a reload before Proceed): no new attempt.
  const before = state.capture;
  const passedBefore = !!before && before.attempts_used > 0 &&
    (before.liveness?.enabled ? before.liveness.passed === true : before.captures?.length > 0) &&
    before.face_match?.matched !== false;
  if (passedBefore) {
    showAttempts(attempts, before.attempts_left, before.max_attempts);
    host.replaceChildren(h('p', { class: 'card' }, 'Your face verification has passed.'));
    proceed.hidden = false;
    proceed.addEventListener('click', () => void goProceed());
    return;
  }

  /** @type {{ client_token: string, attempts_left: number, max_attempts: number }} */
  let session;
  try {
    session = await j.api.json('POST', '/v1/sign/capture');
  } catch (e) {
    if (stepChanged(e)) return j.go();
    j.notice.error(e);
    const again = h('button', { type: 'button', class: 'button primary' }, 'Try again');
    again.addEventListener('click', () => void renderCapture(j, state));
    host.replaceChildren(h('div', { class: 'actions' }, again));
    return;
  }
  showAttempts(attempts, session.attempts_left, session.max_attempts);

  /** @type {Sdk} */
  let sdk;
  try {
    sdk = await import(SDK_URL);
  } catch {
    return j.notice.say('The face capture could not be loaded. Reload the page to try again.', 'error');
  }

  /** @param {LivegateResult} result */
  const onResult = async (result) => {
    // Stopped by this page, or an ending that used no attempt (camera, connection, the face
    // never fitted the oval): the SDK's screen says it all.
    if (result.status === 'cancelled') return;
    // The SDK's ending is the message; nothing older stays beside it.
    if (result.status !== 'approved') j.notice.clear();
    /** @type {JourneyState | null} */
    let now = null;
    try {
      now = await j.api.json('GET', '/v1/sign/state');
    } catch (e) {
      j.notice.error(e);
    }
    const capture = now?.capture ?? null;
    if (capture) showAttempts(attempts, capture.attempts_left, capture.max_attempts);
    if (result.status === 'camera_error' || result.status === 'error' || (result.status === 'timeout' && result.stage === 'gate')) return;
    const faceFailed = capture?.face_match?.enabled && capture.face_match.matched === false;
    if (result.status === 'approved' && !faceFailed) {
      proceed.hidden = false;
      outcome.hidden = true;
      j.notice.say('Verification passed. Press Proceed to continue to signing.', 'ok');
      return;
    }
    const left = capture ? capture.attempts_left : result.attemptsRemaining;
    if (left > 0) return; // the SDK's screen offers Retry
    // No attempt left for the journey: the SDK's ending stays, without buttons.
    run.stop();
    showBlocked(outcome);
  };

  const run = sdk.start({
    apiBase: location.origin,
    sessionToken: session.client_token,
    element: host,
    // This page has its own Proceed; a review is not a pass for signing; seed 000: "Retry if
    // unhappy" after a pass while attempts remain.
    doneButton: false,
    reviewAsFailure: true,
    retryApproved: true,
    onResult: (r) => void onResult(r),
  });
  run.catch((e) => j.notice.error(e));
  j.onLeave(() => run.stop());

  // A new attempt (the SDK's Retry leaves its result screen) hides this attempt's outcome and
  // shows the attempts left after it.
  let lastState = '';
  const observer = new MutationObserver(() => {
    const root = host.querySelector('.livegate');
    const now = root instanceof HTMLElement ? root.dataset.state ?? '' : '';
    if (now === lastState) return;
    if (lastState === 'result') {
      proceed.hidden = true;
      outcome.hidden = true;
      void refreshAttempts();
    }
    lastState = now;
  });
  observer.observe(host, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  j.onLeave(() => observer.disconnect());

  async function refreshAttempts() {
    try {
      /** @type {JourneyState} */
      const now = await j.api.json('GET', '/v1/sign/state');
      if (now.capture) showAttempts(attempts, now.capture.attempts_left, now.capture.max_attempts);
    } catch {
      // Shown again with the attempt's result.
    }
  }

  proceed.addEventListener('click', () => void goProceed());

  async function goProceed() {
    proceed.disabled = true;
    try {
      await j.api.json('POST', '/v1/sign/proceed');
      j.notice.say('Verified. Now sign the document.', 'ok');
      await j.go();
    } catch (e) {
      j.notice.error(e);
      if (stepChanged(e)) return j.go();
      proceed.disabled = false;
    }
  }
}

/**
 * @param {HTMLElement} el
 * @param {number} left
 * @param {number} max
 */
function showAttempts(el, left, max) {
  el.dataset.left = String(left);
  el.textContent = left > 0
    ? `Attempts left: ${left} of ${max}`
    : `Attempts left: 0 of ${max} — no attempts left`;
}

/**
 * The blocked state after the last failed attempt: signing cannot go on, and the sender knows
 * (what happened is on the SDK's ending screen above).
 * @param {HTMLElement} el
 */
function showBlocked(el) {
  el.replaceChildren(
    h('h3', {}, 'Signing is blocked'),
    h('p', {}, 'No attempts are left, so this document cannot be signed from this invitation.'),
    h('p', { class: 'notified' }, 'The sender has been notified and may send you a new invitation.'));
  el.dataset.failed = 'true';
  el.setAttribute('role', 'status');
  el.hidden = false;
}
