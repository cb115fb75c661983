// @ts-check
/**
 * Livegate SDK words: every person-facing text (prompts, live hints and cues, endings, reasons,
 * tips, camera errors, buttons) in one table, overridable with the `texts` option, and the
 * functions that pick them. Reason codes map to a kind; every code that describes attack
 * evidence (and any unknown code) maps to the same generic, kind text, so a person is told one
 * concrete next step and an attacker learns nothing. `checkTexts` verifies that for a table.
 */

/** @typedef {import('./livegate.js').LivegateTexts} LivegateTexts */

/**
 * The default texts. `{name}` marks a value filled in when the text is used.
 * @type {Readonly<Record<string, string>>}
 */
export const DEFAULT_TEXTS = Object.freeze({
  // Challenge prompts and the words around them.
  'prompt.head_left': 'Turn your head to your left',
  'prompt.head_right': 'Turn your head to your right',
  'prompt.smile': 'Smile',
  'prompt.blink': 'Blink',
  'prompt.color_flash': 'Hold still while the colours change',
  'prompt.flash_done': 'Colours done — hold still…',
  // The colour flash: the warning before Start, the way out, and what a screen reader hears.
  'flash.warning':
    'This check fills the page with changing colours for about {s} seconds (never more than 3 changes a second, no flashing red). If flashing light could affect you, choose the check without flashing.',
  'flash.no_flash': 'Use a check without flashing',
  'flash.running': 'The colours are changing. Keep your face in view and hold still.',
  'flash.no_flash_none': 'I can’t do a check with flashing',
  // Accessible alternatives: the way out of a challenge the workflow offers one for, what a
  // screen reader hears when it is taken, and where to get help when there is none.
  'alt.cant': 'I can’t do this',
  'alt.cant_label': 'I can’t do this: {prompt}. Ask for another check',
  'alt.swapped': 'Changed to another check: {prompt}.',
  'alt.refused': 'Another check is not available for this step.',
  'alt.none': 'If you cannot do this check, contact whoever asked you to verify for another way.',
  'prompt.step': '{prompt} (step {n} of {total})',
  'prompt.plan_done': 'Done — hold still…',
  'prompt.loading': 'Loading…',
  'prompt.camera': 'Starting the camera…',
  'prompt.ready': 'Place your face in the oval, then press Start.',
  'prompt.ready_plan': 'You will be asked to: {list}.',
  'prompt.ready_plan_join': ', then ',
  'prompt.ready_passive': 'Then look at the camera and hold still for a moment.',
  'prompt.gate': 'Fit your face in the oval',
  'prompt.passive': 'Look at the camera and hold still',
  'prompt.submitting': 'Checking…',
  'prompt.time_up': 'Time is up. Checking…',
  'prompt.interrupted': 'Your previous capture was interrupted. Checking it…',
  'prompt.retrying': 'Starting a new attempt…',
  'steps.label': 'Steps',
  'steps.done': '{prompt} (done)',
  'countdown.label': '{s} seconds left',
  // Live guidance before the challenge clock starts (the server's gate hint codes).
  'hint.quality_no_face': 'Put your face in the oval',
  'hint.quality_multiple_faces': 'Only you in the picture',
  'hint.quality_face_too_small': 'Move closer',
  'hint.quality_face_too_large': 'Move back a little',
  'hint.quality_face_off_center': 'Centre your face',
  'hint.quality_face_cut_off': 'Centre your face',
  'hint.quality_too_dark': 'Find more light',
  'hint.quality_too_bright': 'Too bright — move away from direct light',
  'hint.quality_uneven_lighting': 'Face the light evenly',
  'hint.quality_blurry': 'Hold still',
  'hint.gate_look_straight': 'Look straight at the camera',
  'hint.gate_hold_still': 'Hold still',
  'hint.gate_ok': 'That’s it — hold still',
  // Live cues while a challenge is under way.
  'cue.turn_further': 'A little further',
  'cue.smile_bigger': 'A bit bigger',
  'cue.turn_return': 'Now back to the centre',
  'cue.smile_return': 'And relax',
  'cue.blink_return': 'Open your eyes',
  // What happened (reason.*) and the one next step (step.*), by reason kind.
  'reason.not_verified': 'We couldn’t verify you this time.',
  'step.not_verified': 'Find even light, look straight at the camera, and try again.',
  'reason.timeout': 'You ran out of time for that step.',
  'step.timeout': 'Try again and follow each prompt as it appears.',
  'reason.challenge_missing': 'We didn’t see one of the steps you were asked to do.',
  'step.challenge_missing': 'Try again and follow each prompt as it appears.',
  'reason.multiple_faces': 'More than one face was in the picture.',
  'step.multiple_faces': 'Make sure only you are in view, then try again.',
  'reason.no_face': 'We couldn’t see your face.',
  'step.no_face': 'Put your face in the oval, then try again.',
  'reason.not_enough_frames': 'Too few pictures reached us.',
  'step.not_enough_frames': 'Check your connection, then try again.',
  'reason.face_mismatch': 'Your face didn’t match the picture on file.',
  'step.face_mismatch': 'The check must be done by the person it is for. Try again if that is you.',
  'reason.too_dark': 'The picture was too dark.',
  'step.too_dark': 'Find more light, then try again.',
  'reason.too_bright': 'The picture was too bright.',
  'step.too_bright': 'Move away from direct light, then try again.',
  'reason.uneven_lighting': 'The light on your face was uneven.',
  'step.uneven_lighting': 'Face the light evenly, then try again.',
  'reason.blurry': 'The picture was blurry.',
  'step.blurry': 'Hold still, then try again.',
  'reason.too_far': 'Your face was too far from the camera.',
  'step.too_far': 'Move closer, then try again.',
  'reason.too_close': 'Your face was too close to the camera.',
  'step.too_close': 'Move back a little, then try again.',
  'reason.off_center': 'Your face wasn’t fully inside the oval.',
  'step.off_center': 'Centre your face in the oval, then try again.',
  'reason.look_straight': 'You weren’t looking straight at the camera.',
  'step.look_straight': 'Look straight at the camera, then try again.',
  'reason.hold_still': 'The picture kept moving.',
  'step.hold_still': 'Hold still, then try again.',
  // Endings: a title, what happened, and the next step.
  'ending.approved.title': 'Verification complete',
  'ending.approved.message': 'Thank you — you have been verified.',
  'ending.review.title': 'Thank you — we’re checking it',
  'ending.review.message': 'Your verification needs a manual check; you will hear back once it is done.',
  'ending.declined.title': 'Not verified this time',
  'ending.timeout.title': 'Time ran out',
  'ending.gate.title': 'Let’s try that again',
  'ending.gate.message': 'We couldn’t see your face well enough.',
  'ending.cancelled.title': 'Stopped',
  'ending.cancelled.message': 'The verification was stopped.',
  'ending.camera_error.title': 'The camera could not be used',
  'ending.error.title': 'Something went wrong',
  'ending.expired.title': 'This link has expired',
  // The line under an ending: attempts, or where to go from here.
  'note.retry_one': 'Press Retry when you are ready (1 attempt left).',
  'note.retry_other': 'Press Retry when you are ready ({n} attempts left).',
  'note.retry_approved_one': 'Not happy with it? You can retry (1 attempt left).',
  'note.retry_approved_other': 'Not happy with it? You can retry ({n} attempts left).',
  'note.try_again': 'Press Try again when you are ready.',
  'note.no_attempts': 'No attempts are left. Contact whoever asked you to verify for help.',
  'note.done': 'Press Done to continue.',
  'note.close': 'You can close this page now.',
  // Tips on a failed ending.
  'tips.title': 'Tips for the best result',
  'tips.1': 'Use good, even light on your face, with no bright light behind you.',
  'tips.2': 'Make sure only you are in view.',
  'tips.3': 'Take off hats and sunglasses.',
  'tips.4': 'Look straight at the camera and follow each prompt as it appears.',
  // The audit images of a finished attempt.
  'captures.title_one': '1 face capture',
  'captures.title_other': '{n} face captures',
  'captures.alt': 'Face capture {i} of {n}',
  'captures.missing': 'Capture {i} could not be loaded.',
  // Camera errors (error.code of a camera_error ending).
  'camera.insecure_context': 'The camera can only be used on a secure page. Open this page with an https:// address.',
  'camera.camera_denied': 'Camera access was denied. Allow this site to use the camera in your browser settings, then press Try again.',
  'camera.camera_not_found': 'No camera was found. Connect a camera or use a device that has one, then press Try again.',
  'camera.camera_busy': 'The camera is busy or could not be started. Close other apps or tabs that use it, then press Try again.',
  'camera.camera_error': 'The camera could not be started. Press Try again.',
  'camera.switched': 'Switched to {label}.',
  'camera.switched_unnamed': 'Switched to the next camera.',
  'camera.switch_failed': 'That camera could not be started; staying with the previous one.',
  'camera.no_canvas': 'This browser cannot take camera pictures. Try another browser.',
  // Other errors (error.code of an error ending).
  'error.unreachable': 'The server could not be reached. Check your connection, then press Try again.',
  'error.connection_lost': 'The connection was lost while sending pictures. Check your connection, then press Try again.',
  'error.link_invalid': 'This verification link is not valid or has expired. Ask for a new link.',
  'error.expired': 'This verification session has expired. Ask for a new link.',
  'error.retry_exhausted': 'No attempts are left.',
  'error.retry_not_allowed': 'This verification cannot be retried.',
  'error.generic': 'Something went wrong on our side. Press Try again.',
  // Buttons.
  'button.start': 'Start',
  'button.switch': 'Switch camera',
  'button.retry': 'Retry',
  'button.try_again': 'Try again',
  'button.done': 'Done',
});

/** Every reason code the server can give (client view included), for checks. */
export const REASON_CODES = Object.freeze([
  'timeout',
  'threshold_not_matched',
  'challenge_missing',
  'challenge_out_of_order',
  'multiple_faces',
  'no_face',
  'face_changed',
  'presentation_attack',
  'replay_suspected',
  'static_stream',
  'not_enough_frames',
  'flash_response_mismatch',
  'not_verified',
  'face_mismatch',
]);

/** Codes that describe attack evidence: all shown as the one generic `not_verified` text. */
export const ATTACK_CODES = Object.freeze([
  'not_verified',
  'presentation_attack',
  'replay_suspected',
  'static_stream',
  'face_changed',
  'challenge_out_of_order',
  'threshold_not_matched',
  'flash_response_mismatch',
]);

/** @type {Record<string, string>} code → kind (of `reason.<kind>` / `step.<kind>`) */
const KINDS = {
  timeout: 'timeout',
  challenge_missing: 'challenge_missing',
  multiple_faces: 'multiple_faces',
  no_face: 'no_face',
  not_enough_frames: 'not_enough_frames',
  face_mismatch: 'face_mismatch',
  quality_no_face: 'no_face',
  quality_multiple_faces: 'multiple_faces',
  quality_face_too_small: 'too_far',
  quality_face_too_large: 'too_close',
  quality_face_off_center: 'off_center',
  quality_face_cut_off: 'off_center',
  quality_too_dark: 'too_dark',
  quality_too_bright: 'too_bright',
  quality_uneven_lighting: 'uneven_lighting',
  quality_blurry: 'blurry',
  gate_look_straight: 'look_straight',
  gate_hold_still: 'hold_still',
};

/**
 * The live hint of each frame quality / gate code (defaults; `texts` overrides `hint.<code>`).
 * @type {Readonly<Record<string, string>>}
 */
export const HINTS = Object.freeze(
  Object.fromEntries(
    Object.entries(DEFAULT_TEXTS)
      .filter(([k]) => k.startsWith('hint.') && k !== 'hint.gate_ok')
      .map(([k, v]) => [k.slice(5), v]),
  ),
);

/**
 * Which reason kinds come first when only one is shown: what the person can act on, then the
 * generic `not_verified` (a low score follows from the others), then a lack of frames.
 */
const PRIORITY = [
  'face_mismatch', 'multiple_faces', 'no_face', 'timeout', 'challenge_missing', 'too_dark', 'too_bright', 'uneven_lighting',
  'too_far', 'too_close', 'off_center', 'blurry', 'look_straight', 'hold_still', 'not_verified', 'not_enough_frames',
];

/**
 * The kind of a reason code: its own for known codes, `not_verified` for attack evidence and
 * anything unknown.
 * @param {string} code
 * @returns {string}
 */
export function reasonKind(code) {
  return KINDS[code] ?? 'not_verified';
}

/**
 * A text table: the defaults with `overrides` merged over them, and `t(key, values)`.
 * @param {LivegateTexts} [overrides]
 */
export function makeTexts(overrides) {
  /** @type {Record<string, string>} */
  const table = { ...DEFAULT_TEXTS };
  for (const [k, v] of Object.entries(overrides ?? {})) if (typeof v === 'string') table[k] = v;
  /**
   * @param {string} key
   * @param {Record<string, string | number>} [values]
   * @returns {string}
   */
  const t = (key, values) => {
    const text = table[key] ?? '';
    return values ? text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m)) : text;
  };
  /** `key_one` or `key_other` by `n`. @param {string} key @param {number} n */
  const plural = (key, n) => t(`${key}_${n === 1 ? 'one' : 'other'}`, { n });
  return { table, t, plural };
}

/** @typedef {ReturnType<typeof makeTexts>} Texts */

const DEFAULT = makeTexts();

/** @param {LivegateTexts | undefined} texts */
const tableOf = (texts) => (texts && typeof texts === 'object' ? makeTexts(texts) : DEFAULT);

/**
 * What happened, in plain words, for a reason code.
 * @param {string} code
 * @param {Texts} tx
 */
export function reasonWhat(code, tx) {
  return tx.t(`reason.${reasonKind(code)}`);
}

/**
 * The one next step for a reason code.
 * @param {string} code
 * @param {Texts} tx
 */
export function reasonStep(code, tx) {
  return tx.t(`step.${reasonKind(code)}`);
}

/**
 * Plain words for a result reason code: what happened and the next step ("We couldn't verify
 * you this time. Find even light, …"). Codes of attack evidence and unknown codes all give the
 * same generic text.
 * @param {string} code
 * @param {LivegateTexts} [texts] overrides of the default texts
 * @returns {string}
 */
export function reasonText(code, texts) {
  const tx = tableOf(texts);
  return `${reasonWhat(code, tx)} ${reasonStep(code, tx)}`.trim();
}

/**
 * The live hint for a frame quality or gate code ("Move closer"), or null when it has none.
 * @param {string} code
 * @param {LivegateTexts} [texts] overrides of the default texts
 * @returns {string | null}
 */
export function hintText(code, texts) {
  return tableOf(texts).t(`hint.${code}`) || null;
}

/**
 * The prompt shown for a challenge ("Smile", "Turn your head to your left").
 * @param {string} challenge
 * @param {LivegateTexts} [texts] overrides of the default texts
 * @returns {string}
 */
export function promptText(challenge, texts) {
  const text = tableOf(texts).t(`prompt.${challenge}`);
  if (text) return text;
  const words = challenge.replace(/_/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : '';
}

/**
 * The reason codes worth showing, most useful first: `not_enough_frames` only when it is the
 * only one, each kind once.
 * @param {string[]} codes
 * @returns {string[]}
 */
export function shownReasons(codes) {
  const rank = (/** @type {string} */ c) => PRIORITY.indexOf(reasonKind(c));
  let list = [...new Set(codes)];
  if (list.some((c) => c !== 'not_enough_frames')) list = list.filter((c) => c !== 'not_enough_frames');
  list.sort((a, b) => rank(a) - rank(b));
  /** @type {Set<string>} */
  const kinds = new Set();
  return list.filter((c) => {
    const k = reasonKind(c);
    if (kinds.has(k)) return false;
    kinds.add(k);
    return true;
  });
}

/** Words a person must never be shown (they describe attack evidence or are jargon). */
const FORBIDDEN = [/presentation/i, /attack/i, /replay/i, /spoof/i, /recording/i, /detected/i, /threshold/i, /time out/i, /suspect/i, /fake/i, /\bphoto\b/i, /\bscreen\b/i];

/**
 * Checks a text table (the defaults with `overrides`): every reason code, quality code and gate
 * hint code has a text; every attack code gives exactly the generic `not_verified` text; no
 * text uses attack wording or jargon; no text is empty. Returns the problems found (none: []).
 * @param {LivegateTexts} [overrides]
 * @returns {string[]}
 */
export function checkTexts(overrides) {
  const tx = makeTexts(overrides);
  /** @type {string[]} */
  const problems = [];
  for (const [key, text] of Object.entries(tx.table)) {
    if (!text.trim()) problems.push(`${key}: empty`);
    for (const bad of FORBIDDEN) if (bad.test(text)) problems.push(`${key}: "${text}" uses ${bad}`);
  }
  const generic = reasonText('not_verified', overrides);
  const codes = [...REASON_CODES, ...Object.keys(HINTS).filter((c) => c.startsWith('quality_'))];
  for (const code of codes) {
    const text = reasonText(code, overrides);
    if (!reasonWhat(code, tx) || !reasonStep(code, tx)) problems.push(`${code}: no reason text`);
    if (ATTACK_CODES.includes(code) && text !== generic) problems.push(`${code}: "${text}" is not the generic text`);
    if (!ATTACK_CODES.includes(code) && !(code in KINDS)) problems.push(`${code}: no kind of its own`);
  }
  for (const code of Object.keys(HINTS)) {
    if (!hintText(code, overrides)) problems.push(`hint ${code}: no text`);
    if (!(code in KINDS)) problems.push(`hint ${code}: no reason kind (gate timeout step)`);
  }
  for (const kind of new Set(Object.values(KINDS))) if (!PRIORITY.includes(kind)) problems.push(`kind ${kind}: not ranked`);
  if (reasonText('some_new_code', overrides) !== generic) problems.push('an unknown code does not give the generic text');
  return problems;
}
