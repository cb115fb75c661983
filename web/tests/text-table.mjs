#!/usr/bin/env node
// Checks the SDK's person-facing text table (web/sdk/text.js) without a browser: every reason
// code the server can give and every quality / gate hint code has a text; every code of attack
// evidence (and any unknown code) gives the one generic text; no text uses attack wording or
// jargon; `not_enough_frames` is not shown beside another reason; and the endings built from
// redacted and unredacted session answers never show more than one reason.
//
//   node web/tests/text-table.mjs
import assert from 'node:assert/strict';
import { ATTACK_CODES, DEFAULT_TEXTS, HINTS, REASON_CODES, checkTexts, hintText, reasonText, shownReasons } from '../sdk/text.js';
import { endingOf } from '../sdk/ending.js';
import { makeTexts } from '../sdk/text.js';

let checks = 0;
const ok = (name, fn) => {
  try {
    fn();
    checks++;
  } catch (e) {
    console.error(`FAIL ${name}: ${e.message}`);
    process.exitCode = 1;
  }
};

const EVERY_REASON = [
  'timeout', 'threshold_not_matched', 'challenge_missing', 'challenge_out_of_order', 'multiple_faces', 'no_face',
  'face_changed', 'presentation_attack', 'replay_suspected', 'static_stream', 'not_enough_frames', 'not_verified',
  'face_mismatch', 'flash_response_mismatch',
];
const QUALITY = Object.keys(HINTS).filter((c) => c.startsWith('quality_'));
const GENERIC = 'We couldn’t verify you this time. Find even light, look straight at the camera, and try again.';

ok('the table checks itself', () => assert.deepEqual(checkTexts(), []));
ok('every reason code is listed', () => assert.deepEqual([...REASON_CODES].sort(), [...EVERY_REASON].sort()));
ok('quality codes', () => assert.equal(QUALITY.length, 10, QUALITY.join(',')));
ok('every reason and quality code has a sentence with a next step', () => {
  for (const code of [...EVERY_REASON, ...QUALITY]) {
    const text = reasonText(code);
    assert.match(text, /^[A-Z].+\. .+\.$/u, `${code}: "${text}"`);
  }
});
ok('attack codes give the generic text', () => {
  for (const code of [...ATTACK_CODES, 'some_code_added_later']) assert.equal(reasonText(code), GENERIC, code);
});
ok('no attack wording or jargon anywhere', () => {
  const bad = /presentation|attack|replay|spoof|recording|detected|threshold|time out|suspect|fake|\bphoto\b|\bscreen\b/i;
  for (const [key, text] of Object.entries(DEFAULT_TEXTS)) assert.doesNotMatch(text, bad, key);
});
ok('the texts the issue names', () => {
  assert.equal(reasonText('timeout'), 'You ran out of time for that step. Try again and follow each prompt as it appears.');
  const hints = {
    quality_face_too_small: 'Move closer',
    quality_face_too_large: 'Move back a little',
    quality_face_off_center: 'Centre your face',
    quality_face_cut_off: 'Centre your face',
    quality_too_dark: 'Find more light',
    quality_too_bright: 'Too bright — move away from direct light',
    quality_multiple_faces: 'Only you in the picture',
    quality_no_face: 'Put your face in the oval',
    gate_look_straight: 'Look straight at the camera',
    gate_hold_still: 'Hold still',
  };
  for (const [code, text] of Object.entries(hints)) assert.equal(hintText(code), text, code);
});
ok('not_enough_frames only alone', () => {
  assert.deepEqual(shownReasons(['not_enough_frames', 'quality_too_dark']), ['quality_too_dark']);
  assert.deepEqual(shownReasons(['not_enough_frames']), ['not_enough_frames']);
  // What the person can act on first; attack codes collapse into one generic reason after it.
  assert.deepEqual(shownReasons(['presentation_attack', 'quality_too_dark', 'replay_suspected']), ['quality_too_dark', 'presentation_attack']);
  assert.deepEqual(shownReasons(['not_verified', 'challenge_missing', 'timeout']), ['timeout', 'challenge_missing', 'not_verified']);
});
ok('an override is merged over the defaults and checked too', () => {
  assert.deepEqual(checkTexts({ 'hint.quality_too_dark': 'Mehr Licht' }), []);
  assert.equal(hintText('quality_too_dark', { 'hint.quality_too_dark': 'Mehr Licht' }), 'Mehr Licht');
  assert.notDeepEqual(checkTexts({ 'reason.not_verified': 'A presentation attack was detected.' }), []);
});

// Endings from session answers (no DOM needed).
const tx = makeTexts();
const policy = { retryApproved: false, reviewAsFailure: false };
const session = (over) => ({
  id: 'ses_1', status: 'declined', attempt: 1, max_attempts: 2, attempts_remaining: 1, expires_at: Date.now() + 60000,
  profile: { liveness_mode: 'active' }, plan: { challenges: [], order: 'fixed', nonce: 'n' }, reasons: [], ...over,
});
ok('a redacted decline: the generic text, Retry, one reason', () => {
  const e = endingOf({ kind: 'session', detail: session({ reasons: ['not_verified', 'not_enough_frames'] }), timedOut: false }, policy, tx);
  assert.equal(e.result.status, 'declined');
  assert.deepEqual(e.result.reasons, ['not_verified']);
  assert.equal(e.action, 'retry');
  assert.equal(e.result.message, `${GENERIC} Press Retry when you are ready (1 attempt left).`);
});
ok('an unredacted decline (older server) says the same', () => {
  const e = endingOf({ kind: 'session', detail: session({ reasons: ['replay_suspected', 'static_stream', 'not_enough_frames'], attempts_remaining: 0 }), timedOut: false }, policy, tx);
  assert.equal(e.message, 'We couldn’t verify you this time.');
  assert.equal(e.action, null);
  assert.match(e.next, /No attempts are left/);
  assert.doesNotMatch(e.result.message, /try again/i);
});
ok('a countdown that ran out: timeout at the challenge', () => {
  const e = endingOf({ kind: 'session', detail: session({ reasons: ['challenge_missing', 'not_verified'] }), timedOut: true }, policy, tx);
  assert.equal(e.result.status, 'timeout');
  assert.equal(e.result.stage, 'challenge');
  assert.equal(e.message, 'You ran out of time for that step.');
});
ok('review: no Retry, no failure words; as a failure when asked', () => {
  const e = endingOf({ kind: 'session', detail: session({ status: 'review' }), timedOut: false }, policy, tx);
  assert.equal(e.result.status, 'review');
  assert.equal(e.action, null);
  const f = endingOf({ kind: 'session', detail: session({ status: 'review' }), timedOut: false }, { ...policy, reviewAsFailure: true }, tx);
  assert.equal(f.result.status, 'review');
  assert.equal(f.action, 'retry');
  assert.equal(f.title, tx.t('ending.declined.title'));
});
ok('approved: Retry only with retryApproved', () => {
  const a = endingOf({ kind: 'session', detail: session({ status: 'approved' }), timedOut: false }, policy, tx);
  assert.equal(a.result.canRetry, false);
  const b = endingOf({ kind: 'session', detail: session({ status: 'approved' }), timedOut: false }, { ...policy, retryApproved: true }, tx);
  assert.equal(b.action, 'retry');
});
ok('gate timeout: the hint, its step, Try again on the open session', () => {
  const e = endingOf({ kind: 'gate_timeout', session: session({ status: 'in_progress' }), hint: 'quality_too_dark' }, policy, tx);
  assert.equal(e.result.status, 'timeout');
  assert.equal(e.result.stage, 'gate');
  assert.equal(e.result.hint, 'quality_too_dark');
  assert.equal(e.action, 'try_again');
  assert.equal(e.result.message, 'We couldn’t see your face well enough. Find more light, then try again.');
});

if (!process.exitCode) console.log(`text table: ${checks} checks passed`);
