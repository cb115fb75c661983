// @ts-check
/**
 * Livegate SDK endings: what every way a verification can end (approved, review, declined,
 * timeout at the gate or in a challenge, cancelled, camera error, error) becomes — the typed
 * result given to `onResult` and `await run`, and the words of its one screen: a title, what
 * happened, the one next step, and which button (Retry, Try again) is offered.
 */

import { reasonStep, reasonWhat, shownReasons } from './text.js';

/** @typedef {import('./livegate.js').LivegateResult} LivegateResult */
/** @typedef {import('./livegate.js').LivegateStage} LivegateStage */
/** @typedef {import('./livegate.js').SessionDetail} SessionDetail */
/** @typedef {import('./text.js').Texts} Texts */

/**
 * How a verification ended, as the flow knows it.
 * @typedef {{ kind: 'session', detail: SessionDetail, timedOut: boolean }
 *   | { kind: 'gate_timeout', session: SessionDetail, hint: string | null }
 *   | { kind: 'cancelled', session: SessionDetail | null, stage: LivegateStage }
 *   | { kind: 'camera_error', session: SessionDetail | null, code: string, message: string }
 *   | { kind: 'error', session: SessionDetail | null, code: string, message: string, stage: LivegateStage, again: boolean }} EndingInput
 */

/**
 * The policy the endings follow (from the options).
 * @typedef {Object} EndingPolicy
 * @property {boolean} retryApproved Retry offered after an approval while attempts remain
 * @property {boolean} reviewAsFailure a `review` verdict is shown (and retried) as a failure
 */

/**
 * One ending: the result and its screen.
 * @typedef {Object} Ending
 * @property {LivegateResult} result
 * @property {'result' | 'error' | 'cancelled'} state the root's data-state
 * @property {'ok' | 'warn' | 'idle'} tone
 * @property {string} title
 * @property {string} message what happened
 * @property {string} next the one next step ('' when there is none)
 * @property {'retry' | 'try_again' | null} action the button offered for another go
 * @property {string | null} reason the reason code shown
 * @property {boolean} tips whether tips for the best result are offered
 */

/**
 * Reason codes of a finished session, for the person: the server's, led by `timeout` when this
 * page's countdown ran out (the server names a challenge never seen within its window
 * `challenge_missing`), plus `face_mismatch` when the face match failed; the most useful first,
 * and `not_enough_frames` only when nothing else explains it.
 * @param {SessionDetail} session
 * @param {boolean} timedOut
 * @returns {string[]}
 */
export function reasonCodes(session, timedOut) {
  let codes = [...(Array.isArray(session.reasons) ? session.reasons : [])];
  if (session.status !== 'approved' && timedOut && !codes.includes('timeout')) {
    codes = ['timeout', ...codes.filter((c) => c !== 'challenge_missing')];
  }
  if (session.face_match && session.face_match.matched === false && !codes.includes('face_mismatch')) {
    codes.push('face_mismatch');
  }
  return session.status === 'approved' ? codes : shownReasons(codes);
}

/**
 * Whether the server would take a retry of this finished session.
 * @param {SessionDetail | null} session
 */
export function attemptsLeft(session) {
  if (!session) return 0;
  const n = session.attempts_remaining;
  return typeof n === 'number' && n > 0 ? n : 0;
}

/**
 * @param {EndingInput} input
 * @param {EndingPolicy} policy
 * @param {Texts} tx
 * @returns {Ending}
 */
export function endingOf(input, policy, tx) {
  const { t } = tx;
  const session = input.kind === 'session' ? input.detail : input.session;
  /** @type {LivegateResult} */
  const result = {
    status: 'error',
    reasons: [],
    attempts_remaining: attemptsLeft(session),
    session_id: session?.id ?? null,
    message: '',
    sessionId: session?.id ?? null,
    attempt: session?.attempt ?? 0,
    attemptsRemaining: attemptsLeft(session),
    canRetry: false,
    session,
  };
  /** @type {Ending} */
  const e = { result, state: 'result', tone: 'warn', title: '', message: '', next: '', action: null, reason: null, tips: false };

  if (input.kind === 'session') {
    const d = input.detail;
    const left = attemptsLeft(d);
    const codes = reasonCodes(d, input.timedOut);
    result.reasons = codes;
    if (d.status === 'expired') {
      Object.assign(result, { status: 'error', stage: 'session', error: { code: 'session_expired', message: t('error.expired') } });
      Object.assign(e, { state: 'error', title: t('ending.expired.title'), message: t('error.expired') });
    } else if (d.status === 'approved') {
      result.status = 'approved';
      result.canRetry = policy.retryApproved && left > 0;
      Object.assign(e, { tone: 'ok', title: t('ending.approved.title'), message: t('ending.approved.message') });
      if (result.canRetry) Object.assign(e, { action: 'retry', next: tx.plural('note.retry_approved', left) });
    } else if (d.status === 'review' && !policy.reviewAsFailure) {
      result.status = 'review';
      Object.assign(e, { tone: 'idle', title: t('ending.review.title'), message: t('ending.review.message') });
    } else {
      // declined (or review shown as a failure): one reason, what happened and the next step.
      const reason = codes[0] ?? 'not_verified';
      result.status = d.status === 'review' ? 'review' : reason === 'timeout' ? 'timeout' : 'declined';
      if (result.status === 'timeout') result.stage = 'challenge';
      result.canRetry = left > 0;
      Object.assign(e, {
        title: t(result.status === 'timeout' ? 'ending.timeout.title' : 'ending.declined.title'),
        message: reasonWhat(reason, tx),
        reason,
        tips: true,
        action: result.canRetry ? 'retry' : null,
        next: result.canRetry ? `${reasonStep(reason, tx)} ${tx.plural('note.retry', left)}` : t('note.no_attempts'),
      });
    }
  } else if (input.kind === 'gate_timeout') {
    const open = sessionOpen(input.session);
    Object.assign(result, { status: 'timeout', stage: 'gate', hint: input.hint, canRetry: open });
    const hint = input.hint ?? 'quality_no_face';
    const step = reasonStep(hint, tx);
    // Two people in view is not "we couldn't see your face": say what it was.
    const message = reasonWhat(hint, tx) === reasonWhat('multiple_faces', tx) ? reasonWhat(hint, tx) : t('ending.gate.message');
    Object.assign(e, {
      title: t('ending.gate.title'),
      message,
      next: open ? step : t('error.expired'),
      action: open ? 'try_again' : null,
      tips: true,
    });
  } else if (input.kind === 'cancelled') {
    Object.assign(result, { status: 'cancelled', stage: input.stage });
    Object.assign(e, { state: 'cancelled', tone: 'idle', title: t('ending.cancelled.title'), message: t('ending.cancelled.message') });
  } else if (input.kind === 'camera_error') {
    const again = input.code !== 'insecure_context';
    Object.assign(result, { status: 'camera_error', stage: 'camera', canRetry: again, error: { code: input.code, message: input.message } });
    Object.assign(e, { state: 'error', title: t('ending.camera_error.title'), message: input.message, action: again ? 'try_again' : null });
  } else {
    Object.assign(result, { status: 'error', stage: input.stage, canRetry: input.again, error: { code: input.code, message: input.message } });
    Object.assign(e, { state: 'error', title: t('ending.error.title'), message: input.message, action: input.again ? 'try_again' : null });
  }
  result.message = [e.message, e.next].filter(Boolean).join(' ');
  return e;
}

/**
 * Whether frames can still be sent to the session (it is open and not about to expire).
 * @param {SessionDetail} session
 */
export function sessionOpen(session) {
  const open = session.status === 'created' || session.status === 'in_progress';
  const expires = typeof session.expires_at === 'number' ? session.expires_at : Infinity;
  return open && Date.now() < expires - 5000;
}
