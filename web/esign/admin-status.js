// @ts-check
/**
 * The status page of one document, per invitee: the state of each step (invitation, OTP,
 * capture, signature), attempts used and left, the liveness score against its threshold, the
 * face match, the reasons, and the capture thumbnails (fetched with the API key).
 */

import { h, show, when } from './common.js';

/** @typedef {import('./types.js').Invitee} Invitee */
/** @typedef {import('./types.js').CaptureStep} CaptureStep */

const STATES = /** @type {Record<string, string>} */ ({
  waiting: 'Waiting for an earlier signer',
  invited: 'Invited',
  otp_verified: 'OTP verified',
  verified: 'Verified',
  signed: 'Signed',
  failed: 'Failed',
});
const SIGNER_TYPES = /** @type {Record<string, string>} */ ({
  person: 'Person',
  virtual_signer: 'Virtual signer (automated)',
  doc_signer: 'Document signer (automated)',
});

/** @param {string} state @returns {string} */
export function stateText(state) {
  return STATES[state] ?? state;
}

/**
 * A two-column list of facts ('—' for empty values).
 * @param {[string, string | Node][]} pairs
 * @returns {HTMLElement}
 */
function facts(pairs) {
  return h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v === '' ? '—' : v)]));
}

/** @param {number | null | undefined} n @returns {string} */
function num(n) {
  return n === null || n === undefined ? '—' : String(Math.round(n * 10) / 10);
}

/** @param {boolean | null | undefined} b @param {string} yes @param {string} no @returns {string} */
function yesNo(b, yes, no) {
  return b === true ? yes : b === false ? no : 'not yet';
}

/**
 * @param {CaptureStep} c
 * @returns {[string, string][]}
 */
function captureFacts(c) {
  /** @type {[string, string][]} */
  const pairs = [['Attempts', `${c.attempts_used} used of ${c.max_attempts}, ${c.attempts_left} left`]];
  const l = c.liveness;
  if (l?.enabled) {
    pairs.push(['Liveness', `score ${num(l.score)} vs threshold ${num(l.threshold)}: ${yesNo(l.passed, 'passed', 'not passed')} (${l.attempts_used} used, ${l.attempts_left} left)`]);
  } else {
    pairs.push(['Liveness', 'not required (photo capture only)']);
  }
  const f = c.face_match;
  if (f?.enabled) {
    const sim = f.similarity === null || f.similarity === undefined ? '' : `, similarity ${f.similarity.toFixed(3)}`;
    pairs.push(['Face match', `${f.attempted ? yesNo(f.matched, 'matched', 'not matched') : 'not attempted'}${sim} (${f.attempts_used} used, ${f.attempts_left} left)`]);
  }
  // Staff see the detailed codes (the signer is told the generic, person-facing texts).
  pairs.push(['Reasons', c.reasons?.length ? c.reasons.map((r) => r.replace(/_/g, ' ')).join('; ') : '—']);
  return pairs;
}

/**
 * One invitee's card. Thumbnails are fetched through `loadImage`, which returns object URLs
 * (the caller revokes them when the page is left).
 * @param {Invitee} inv
 * @param {(url: string) => Promise<string>} loadImage
 * @returns {HTMLElement}
 */
export function inviteeCard(inv, loadImage) {
  const titleId = `inv-${inv.id}`;
  const badge = h('span', { class: `badge state-${inv.state}` }, stateText(inv.state));
  const steps = inv.steps ?? {};
  const sec = inv.security;
  const rows = [];
  const invitation = steps.invitation;
  rows.push(step('Invitation', invitation?.opened_at ? 'opened' : invitation?.sent_at ? 'sent' : 'not sent yet', facts([
    ['Sent', when(invitation?.sent_at)], ['Opened', when(invitation?.opened_at)], ['Expires', when(invitation?.expires_at)],
  ])));
  const otp = steps.otp;
  if (otp) {
    /** @type {[string, string][]} */
    const pairs = [['Channel', otp.channel], ['Verified', when(otp.verified_at)], ['Tries left', show(otp.tries_left)]];
    if (otp.sends !== undefined) pairs.push(['Codes sent', show(otp.sends)]);
    rows.push(step('OTP', otp.verified_at ? 'verified' : 'not verified', facts(pairs)));
  }
  const capture = steps.capture;
  if (capture && sec?.capture_photo) {
    const done = capture.liveness?.passed === true || (!capture.liveness?.enabled && capture.captures?.length > 0);
    const thumbs = h('div', { class: 'thumbs' });
    const captures = capture.captures ?? [];
    captures.forEach((c, i) => {
      const img = h('img', { alt: `${inv.name}: capture ${i + 1} of ${captures.length}`, width: 96, height: 128, 'data-sha256': c.sha256 });
      thumbs.append(img);
      loadImage(c.url).then((url) => (img.src = url), () => img.replaceWith(h('span', { class: 'hint' }, `Capture ${i + 1} could not be loaded.`)));
    });
    const state = capture.attempts_used === 0 ? 'not started' : done ? 'passed' : inv.state === 'failed' ? 'failed' : 'in progress';
    rows.push(step('Capture', state, h('div', {}, facts(captureFacts(capture)), captures.length ? thumbs : '')));
  }
  const signature = steps.signature;
  rows.push(step('Signature', signature?.signed_at ? `signed (${signature.kind})` : 'not signed',
    facts([['Kind', signature?.kind ?? '—'], ['Signed', when(signature?.signed_at)]])));

  const security = sec
    ? [sec.capture_photo && 'capture photo', sec.smart_liveliness && `Smart User Liveliness (${sec.liveliness_retries} retries)`,
      sec.face_match && `face match (${sec.face_match_retries} retries)`].filter(Boolean).join(', ') || 'none'
    : 'none';
  return h('article', { class: 'card invitee-status', 'aria-labelledby': titleId, 'data-invitee': inv.id, 'data-state': inv.state },
    h('h4', { id: titleId }, `${inv.signing_order}. ${inv.name} `, badge),
    facts([
      ['Contact', [inv.email, inv.phone].filter(Boolean).join(', ')],
      ['Signer type', SIGNER_TYPES[inv.signer_type] ?? inv.signer_type],
      ['Security features', security],
    ]),
    inv.failure ? h('p', { class: 'failure', role: 'note' }, `Failed: ${inv.failure.message} (${inv.failure.code})`) : '',
    h('div', { class: 'steps' }, ...rows));
}

/**
 * @param {string} name
 * @param {string} state
 * @param {Node} detail
 * @returns {HTMLElement}
 */
function step(name, state, detail) {
  return h('details', { class: 'step', open: true, 'data-step': name.toLowerCase() },
    h('summary', {}, h('strong', {}, name), `: ${state}`), detail);
}
