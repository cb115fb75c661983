// @ts-check
/**
 * Livegate capture SDK: camera preview with a face oval, challenge prompts with a countdown,
 * live quality hints, frame capture and upload, and result screens with retry.
 *
 * Plain ES modules with no build step; their types are JSDoc, checked with `tsc -p web`, and
 * `livegate.d.ts` beside them declares this entry's exports for TypeScript users. This entry
 * holds the public API; the rest lives in text.js (words), api.js (HTTP), camera.js,
 * view.js (DOM) and flow.js (the verification flow).
 *
 *     import { start } from '/sdk/livegate.js';
 *     const run = start({ apiBase: location.origin, sessionToken, element });
 *     const result = await run;        // the final result; run.stop() ends early
 */

import { Flow } from './flow.js';

export { hintText, promptText, reasonText } from './text.js';

/** SDK version. @type {string} */
export const VERSION = '1.0.0';

/** @typedef {'smile' | 'blink' | 'head_left' | 'head_right'} ChallengeName */

/**
 * @typedef {Object} PlannedChallenge
 * @property {ChallengeName} challenge
 * @property {number} time_frame_s
 */

/**
 * @typedef {Object} ChallengePlan
 * @property {PlannedChallenge[]} challenges
 * @property {'randomized' | 'fixed'} order
 * @property {string} nonce
 */

/**
 * @typedef {Object} SessionProfile
 * @property {'passive' | 'active'} liveness_mode
 * @property {ChallengeName[]} [liveness_challenges]
 * @property {number} [liveness_threshold]
 * @property {number} [frames]
 * @property {number} [challenge_time_frame_s]
 * @property {number} [retries]
 * @property {boolean} [fixed_order]
 * @property {string[]} [steps]
 */

/**
 * @typedef {Object} SelfieResult
 * @property {number} liveness_score
 * @property {boolean} liveness_passed
 * @property {number} liveness_threshold
 * @property {string[]} challenges_completed
 * @property {number} [frames_captured]
 */

/**
 * @typedef {Object} FaceMatch
 * @property {boolean} attempted
 * @property {boolean | null} matched
 * @property {number | null} [similarity]
 * @property {number | null} [threshold]
 */

/**
 * @typedef {Object} AuditImage
 * @property {number} index
 * @property {string} url
 * @property {string} sha256
 * @property {number} [t]
 */

/**
 * @typedef {'created' | 'in_progress' | 'approved' | 'declined' | 'review' | 'expired'} SessionStatus
 */

/**
 * The session as `GET /v1/client/session` and `POST /v1/sessions/{id}/complete` answer it.
 * @typedef {Object} SessionDetail
 * @property {string} id
 * @property {SessionStatus} status
 * @property {number} attempt
 * @property {number} max_attempts
 * @property {number} attempts_remaining
 * @property {number} expires_at
 * @property {number} [frames_received]
 * @property {SessionProfile} profile
 * @property {ChallengePlan} plan
 * @property {SelfieResult | null} [selfie]
 * @property {string[]} [reasons]
 * @property {FaceMatch | null} [face_match]
 * @property {AuditImage[]} [audit_images]
 */

/**
 * @typedef {Object} FrameAnswer
 * @property {number} seq
 * @property {number} t
 * @property {number} face_count
 * @property {{ ok: boolean, codes: string[], messages: string[] }} quality
 * @property {boolean} duplicate
 * @property {{ challenges_completed: string[], next: string | null } | null} [progress]
 */

/**
 * What a verification ended with.
 * @typedef {Object} LivegateResult
 * @property {SessionStatus | 'error' | 'stopped'} status
 * @property {string | null} sessionId
 * @property {number} attempt
 * @property {number} attemptsRemaining
 * @property {boolean} canRetry
 * @property {string[]} reasons
 * @property {string} message
 * @property {SessionDetail | null} session
 * @property {{ code: string, message: string } | null} error
 */

/**
 * @typedef {Object} LivegateOptions
 * @property {string} apiBase
 * @property {string} sessionToken
 * @property {HTMLElement} element
 * @property {number} [fps]
 * @property {number} [jpegQuality]
 * @property {(result: LivegateResult) => void} [onResult]
 * @property {(constraints: MediaStreamConstraints) => Promise<MediaStream>} [getUserMedia]
 * @property {Storage} [storage]
 */

/** @typedef {Promise<LivegateResult> & { stop(): void }} LivegateRun */

/**
 * Starts a verification in `options.element`: camera preview, prompts, capture, result.
 * The promise settles with the final result: approval, a failure with no retry left, an
 * unusable link, or `stop()`. Each attempt's result is also passed to `onResult`.
 * @param {LivegateOptions} options
 * @returns {LivegateRun}
 */
export function start(options) {
  if (!options || typeof options.apiBase !== 'string' || typeof options.sessionToken !== 'string' || !(options.element instanceof HTMLElement)) {
    const failed = Promise.reject(new TypeError('start() needs apiBase, sessionToken and element'));
    return Object.assign(failed, { stop() {} });
  }
  const flow = new Flow(options);
  const promise = flow.run();
  return Object.assign(promise, { stop: () => flow.stop() });
}
