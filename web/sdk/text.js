// @ts-check
/**
 * Livegate SDK words: challenge prompts, quality hints, result reasons, guidance, camera error
 * texts and the functions that pick them.
 */

/** @typedef {import('./livegate.js').FrameAnswer} FrameAnswer */
/** @typedef {import('./livegate.js').SessionDetail} SessionDetail */

/** @type {Record<string, string>} */
const PROMPTS = {
  head_left: 'Turn your head to your left',
  head_right: 'Turn your head to your right',
  smile: 'Smile',
  blink: 'Blink',
};

/** @type {Record<string, string>} */
export const HINTS = {
  quality_no_face: 'No face found — look at the camera',
  quality_multiple_faces: 'More than one face — only you should be in view',
  quality_face_too_small: 'Move closer',
  quality_face_too_large: 'Move back a little',
  quality_face_off_center: 'Center your face in the oval',
  quality_face_cut_off: 'Keep your whole face inside the oval',
  quality_too_dark: 'Too dark — find more light',
  quality_too_bright: 'Too bright — move away from direct light',
  quality_uneven_lighting: 'Uneven light — face the light evenly',
  quality_blurry: 'Hold still',
};

/** @type {Record<string, string>} */
const REASONS = {
  timeout: 'Time Out',
  threshold_not_matched: 'Threshold not matched',
  challenge_missing: 'A requested action was not seen',
  challenge_out_of_order: 'The actions were not done in the order asked',
  multiple_faces: 'More than one face was in view',
  no_face: 'No face was found',
  face_changed: 'The face changed during the check',
  presentation_attack: 'A photo, screen or mask was detected instead of a live face',
  replay_suspected: 'The video looked like a recording played back to the camera',
  static_stream: 'The camera picture did not change, like a still image',
  not_enough_frames: 'Not enough camera pictures reached us',
  face_mismatch: 'Face does not match the reference photo',
  quality_no_face: 'No face was found in the pictures',
  quality_multiple_faces: 'More than one face was in view',
  quality_face_too_small: 'The face was too far from the camera',
  quality_face_too_large: 'The face was too close to the camera',
  quality_face_off_center: 'The face was not centered in the oval',
  quality_face_cut_off: 'The face was partly outside the picture',
  quality_too_dark: 'The picture was too dark',
  quality_too_bright: 'The picture was too bright',
  quality_uneven_lighting: 'The light on the face was uneven',
  quality_blurry: 'The picture was blurry',
};

export const GUIDANCE = [
  'Use good, even light on your face, with no bright light behind you.',
  'Make sure only you are in view.',
  'Take off hats, glasses and masks.',
  'Keep a neutral face and look straight at the camera.',
];

/** @type {Record<string, string>} */
export const CAMERA_ERRORS = {
  insecure_context:
    'The camera can only be used on a secure page. Open this page with an https:// address.',
  camera_denied:
    'Camera access was denied. Allow this site to use the camera in your browser settings, then press Try again.',
  camera_not_found:
    'No camera was found. Connect a camera or use a device that has one, then press Try again.',
  camera_busy:
    'The camera is busy or could not be started. Close other apps or tabs that use it, then press Try again.',
  camera_error: 'The camera could not be started. Press Try again.',
};

/**
 * Plain words for a result reason code (`timeout` → "Time Out").
 * @param {string} code
 * @returns {string}
 */
export function reasonText(code) {
  const known = REASONS[code];
  if (known) return known;
  const words = code.replace(/_/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : 'Unknown reason';
}

/**
 * The on-screen hint for a frame quality code, or null when it needs none.
 * @param {string} code
 * @returns {string | null}
 */
export function hintText(code) {
  return HINTS[code] ?? null;
}

/**
 * The prompt shown for a challenge ("Smile", "Turn your head to your left").
 * @param {string} challenge
 * @returns {string}
 */
export function promptText(challenge) {
  return PROMPTS[challenge] ?? reasonText(challenge);
}

/**
 * The hint for one frame's answer ('' for none): the first quality code that has one, else the
 * server's own message for a failed check, else one for a missing or extra face.
 * @param {FrameAnswer} answer
 * @returns {string}
 */
export function answerHint(answer) {
  const codes = answer.quality?.codes ?? [];
  let hint = null;
  for (const code of codes) {
    hint = hintText(code) ?? null;
    if (hint) break;
  }
  if (!hint && codes.length && !answer.quality.ok) hint = answer.quality.messages?.[0] ?? null;
  if (!hint && answer.face_count === 0) hint = HINTS.quality_no_face;
  if (!hint && answer.face_count > 1) hint = HINTS.quality_multiple_faces;
  return hint ?? '';
}

/**
 * The words of a result screen.
 * @param {SessionDetail} detail
 * @param {string[]} codes reason codes to show
 * @param {boolean} retry whether another attempt can be made
 * @returns {{ title: string, message: string, note: string, tone: 'ok' | 'warn' }}
 */
export function resultText(detail, codes, retry) {
  /** @type {string} */
  let title;
  /** @type {string} */
  let message;
  /** @type {'ok' | 'warn'} */
  let tone = 'warn';
  if (detail.status === 'approved') {
    title = 'Verification complete';
    message = 'Thank you — you have been verified.';
    tone = 'ok';
  } else if (detail.status === 'review') {
    title = 'Verification under review';
    message = 'Your verification needs a manual review.';
  } else if (detail.status === 'expired') {
    title = 'Session expired';
    message = 'This verification session has expired.';
  } else {
    title = 'Verification failed';
    message = codes.length ? [...new Set(codes.map(reasonText))].join('. ') : 'The check did not pass.';
  }
  const failed = detail.status !== 'approved';
  let note = message;
  if (failed && retry) {
    const left = detail.attempts_remaining;
    note = `You can try again (${left} ${left === 1 ? 'attempt' : 'attempts'} left).`;
  } else if (detail.status === 'review') {
    note = 'Someone will check your verification. No attempts remain.';
  } else if (failed) {
    note = 'No attempts remain.';
  }
  return { title, message, note, tone };
}

/**
 * Reason codes to show: the server's, led by `timeout` when this page's countdown ran out
 * (the server names a challenge never seen within its window `challenge_missing`), plus
 * `face_mismatch` when the face match failed.
 * @param {SessionDetail | null} session
 * @param {boolean} timedOut whether this page's countdown ran out in the session
 * @returns {string[]}
 */
export function reasonCodes(session, timedOut) {
  if (!session) return [];
  let codes = [...(session.reasons ?? [])];
  if (session.status !== 'approved' && timedOut && !codes.includes('timeout')) {
    codes = ['timeout', ...codes.filter((c) => c !== 'challenge_missing')];
  }
  if (session.face_match && session.face_match.matched === false && !codes.includes('face_mismatch')) {
    codes.push('face_mismatch');
  }
  return codes;
}
