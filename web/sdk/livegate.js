// @ts-check
/**
 * Livegate capture SDK: the whole camera picture with a face oval placed by the server, live
 * guidance until the face fits (the pre-capture gate), challenge prompts with a countdown and
 * live cues, frame capture and upload, and one ending screen for every way it can end.
 *
 * Plain ES modules with no build step; their types are JSDoc, checked with `tsc -p web`, and
 * `livegate.d.ts` beside them declares this entry's exports for TypeScript users. This entry
 * holds the public API; the rest lives in text.js (every person-facing word), api.js (HTTP),
 * camera.js, stage.js (preview and oval), view.js (DOM), capture.js (the capture loop),
 * ending.js (results and ending screens) and flow.js (the verification flow).
 *
 *     import { start } from '/sdk/livegate.js';
 *     const run = start({ apiBase: location.origin, sessionToken, element });
 *     const result = await run;        // always resolves, once, with the final outcome
 */

import { Flow } from './flow.js';

export { DEFAULT_TEXTS, hintText, promptText, reasonText } from './text.js';

/** SDK version. @type {string} */
export const VERSION = '1.0.0';

/** @typedef {'smile' | 'blink' | 'head_left' | 'head_right' | 'color_flash'} ChallengeName */

/**
 * One colour of a session's flash sequence.
 * @typedef {Object} FlashStep
 * @property {string} color palette name
 * @property {string} css `#rrggbb`
 * @property {number} duration_s
 */

/**
 * The colours the screen shows for `color_flash`, in order.
 * @typedef {Object} FlashSequence
 * @property {FlashStep[]} steps
 */

/**
 * @typedef {Object} PlannedChallenge
 * @property {ChallengeName} challenge
 * @property {number} time_frame_s
 * @property {ChallengeName} [replaces] the challenge this one replaced (an accessible alternative)
 * @property {boolean} [alternative] the workflow offers an alternative to it ("I can't do this")
 */

/**
 * An accessible alternative the session used.
 * @typedef {Object} AlternativeUsed
 * @property {string} reason `no_flash`, `no_smile`, `no_head_turn` or `no_blink`
 * @property {ChallengeName} challenge
 * @property {ChallengeName} replacement
 * @property {string[]} risk_flags
 */

/**
 * @typedef {Object} ChallengePlan
 * @property {PlannedChallenge[]} challenges
 * @property {'randomized' | 'fixed'} order
 * @property {string} nonce
 * @property {FlashSequence} [flash]
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
 * @property {AlternativeUsed[]} [accessibility]
 * @property {AuditImage[]} [audit_images]
 * @property {string | null} [redirect_url]
 */

/**
 * @typedef {Object} Oval
 * @property {number} cx
 * @property {number} cy
 * @property {number} rx
 * @property {number} ry
 */

/**
 * @typedef {Object} GateState
 * @property {boolean} passed
 * @property {number | null} t
 * @property {boolean} ok
 * @property {string | null} hint
 * @property {number} held_s
 */

/**
 * @typedef {Object} ChallengeProgress
 * @property {string} challenge
 * @property {number} fraction
 * @property {'move' | 'return'} phase
 */

/**
 * @typedef {Object} FrameAnswer
 * @property {number} seq
 * @property {number} t
 * @property {number} face_count
 * @property {{ ok: boolean, codes: string[], messages: string[] }} quality
 * @property {boolean} duplicate
 * @property {{ box: [number, number, number, number] | null } | null} [face]
 * @property {Oval | null} [oval]
 * @property {GateState | null} [gate]
 * @property {{ challenges_completed: string[], next: string | null, current?: ChallengeProgress | null } | null} [progress]
 */

/** @typedef {'approved' | 'review' | 'declined' | 'timeout' | 'cancelled' | 'camera_error' | 'error'} LivegateStatus */

/** @typedef {'session' | 'camera' | 'ready' | 'gate' | 'challenge' | 'capture' | 'upload' | 'complete' | 'retry'} LivegateStage */

/** @typedef {Record<string, string>} LivegateTexts */

/**
 * What a verification ended with.
 * @typedef {Object} LivegateResult
 * @property {LivegateStatus} status
 * @property {LivegateStage} [stage]
 * @property {string | null} [hint]
 * @property {string[]} reasons
 * @property {number} attempts_remaining
 * @property {string | null} session_id
 * @property {string} message
 * @property {{ code: string, message: string }} [error]
 * @property {string | null} sessionId
 * @property {number} attempt
 * @property {number} attemptsRemaining
 * @property {boolean} canRetry
 * @property {SessionDetail | null} session
 */

/**
 * @typedef {Object} LivegateOptions
 * @property {string} apiBase
 * @property {string} sessionToken
 * @property {HTMLElement} element
 * @property {number} [fps]
 * @property {number} [jpegQuality]
 * @property {number} [gateTimeoutS]
 * @property {LivegateTexts} [texts]
 * @property {(result: LivegateResult) => void} [onResult]
 * @property {(result: LivegateResult) => void} [onDone]
 * @property {boolean} [doneButton]
 * @property {boolean} [redirect]
 * @property {boolean} [retryApproved]
 * @property {boolean} [reviewAsFailure]
 * @property {(constraints: MediaStreamConstraints) => Promise<MediaStream>} [getUserMedia]
 * @property {Storage} [storage]
 */

/** @typedef {Promise<LivegateResult> & { stop(): void }} LivegateRun */

/**
 * Starts a verification in `options.element`: camera preview, gate, prompts, capture, ending.
 * The promise resolves exactly once with the final outcome: at an ending that offers no other
 * go, or — where Retry / Try again is offered — when the person presses Done, `stop()` is
 * called or the page is left. Every ending is also passed to `onResult`.
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
