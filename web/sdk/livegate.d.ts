// Type declarations of the Livegate capture SDK (`/sdk/livegate.js`), written by hand to
// match the module's exports.

/** SDK version. */
export declare const VERSION: string;

/** A challenge of active liveness. */
export type ChallengeName = 'smile' | 'blink' | 'head_left' | 'head_right' | 'color_flash';

/** One colour of a session's flash sequence (`color_flash`). */
export interface FlashStep {
  /** Palette name. */
  color: string;
  /** `#rrggbb`. */
  css: string;
  duration_s: number;
}

/** The colours the screen shows for `color_flash`, in order. */
export interface FlashSequence {
  steps: FlashStep[];
}

/** One challenge of the server-issued plan, with the seconds allowed for it. */
export interface PlannedChallenge {
  challenge: ChallengeName;
  time_frame_s: number;
  /** The challenge this one replaced (an accessible alternative the person asked for). */
  replaces?: ChallengeName;
  /** The workflow offers an alternative to it: the SDK shows "I can't do this". */
  alternative?: boolean;
}

/** An accessible alternative the session used, and the risk flags it raises. */
export interface AlternativeUsed {
  /** `no_flash`, `no_smile`, `no_head_turn` or `no_blink`. */
  reason: string;
  challenge: ChallengeName;
  replacement: ChallengeName;
  risk_flags: string[];
}

/** The challenge plan of a session (empty `challenges` in passive mode). */
export interface ChallengePlan {
  challenges: PlannedChallenge[];
  order: 'randomized' | 'fixed';
  nonce: string;
  /** Present when the plan asks for `color_flash`. */
  flash?: FlashSequence;
}

/** The effective liveness profile of a session. */
export interface SessionProfile {
  liveness_mode: 'passive' | 'active';
  liveness_challenges?: ChallengeName[];
  liveness_threshold?: number;
  /** Minimum frames the session must capture. */
  frames?: number;
  challenge_time_frame_s?: number;
  retries?: number;
  fixed_order?: boolean;
  steps?: string[];
}

/** Liveness result of a completed session. */
export interface SelfieResult {
  liveness_score: number;
  liveness_passed: boolean;
  liveness_threshold: number;
  challenges_completed: string[];
  frames_captured?: number;
}

/** Face match against a reference photo. */
export interface FaceMatch {
  attempted: boolean;
  matched: boolean | null;
  similarity?: number | null;
  threshold?: number | null;
}

/** An audit image of a completed session; `url` is relative to `apiBase`. */
export interface AuditImage {
  index: number;
  url: string;
  sha256: string;
  t?: number;
}

export type SessionStatus = 'created' | 'in_progress' | 'approved' | 'declined' | 'review' | 'expired';

/** The session as `GET /v1/client/session` and `POST /v1/sessions/{id}/complete` answer it. */
export interface SessionDetail {
  id: string;
  status: SessionStatus;
  attempt: number;
  max_attempts: number;
  attempts_remaining: number;
  /** Unix milliseconds. */
  expires_at: number;
  frames_received?: number;
  profile: SessionProfile;
  plan: ChallengePlan;
  selfie?: SelfieResult | null;
  /** Stable reason codes (`timeout`, `threshold_not_matched`, …). */
  reasons?: string[];
  face_match?: FaceMatch | null;
  /** Accessible alternatives used (challenge swapped, why). */
  accessibility?: AlternativeUsed[];
  audit_images?: AuditImage[];
  /** Where the hosted page's Done button returns to (set by the integrator at session create). */
  redirect_url?: string | null;
}

/** The region the gate judges, as fractions of the frame's width (`cx`, `rx`) and height (`cy`, `ry`). */
export interface Oval {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

/** The pre-capture gate in a frame answer (docs/CAPTURE.md). */
export interface GateState {
  /** The gate has passed (it stays passed), at capture time `t`: the challenge clock's zero. */
  passed: boolean;
  t: number | null;
  /** This frame meets every gate condition (the oval is green only then). */
  ok: boolean;
  /** The first gate condition this frame fails, as a text-table code, or null. */
  hint: string | null;
  /** How long the conditions have held without a break (s). */
  held_s: number;
}

/** The challenge under way. */
export interface ChallengeProgress {
  challenge: string;
  /** Movement so far relative to what completes it (>= 1 reached). */
  fraction: number;
  /** `move`: not reached yet; `return`: reached, come back to neutral to complete it. */
  phase: 'move' | 'return';
}

/** The answer to one uploaded frame (the newer fields are absent from older servers). */
export interface FrameAnswer {
  seq: number;
  t: number;
  face_count: number;
  quality: { ok: boolean; codes: string[]; messages: string[] };
  duplicate: boolean;
  /** The subject's face box `[x, y, w, h]` as fractions of the frame (null without a face). */
  face?: { box: [number, number, number, number] | null } | null;
  oval?: Oval | null;
  gate?: GateState | null;
  progress?: { challenges_completed: string[]; next: string | null; current?: ChallengeProgress | null } | null;
}

/** How a verification (or one attempt of it) ended. */
export type LivegateStatus = 'approved' | 'review' | 'declined' | 'timeout' | 'cancelled' | 'camera_error' | 'error';

/** Where the flow was when it ended. */
export type LivegateStage = 'session' | 'camera' | 'ready' | 'gate' | 'challenge' | 'capture' | 'upload' | 'complete' | 'retry';

/** Person-facing texts by key (see `DEFAULT_TEXTS`); a partial map overrides the defaults. */
export type LivegateTexts = Record<string, string>;

/** What a verification (or one attempt of it, for `onResult`) ended with. */
export interface LivegateResult {
  /**
   * `approved` / `review` / `declined`: the server's verdict; `timeout`: the gate never passed
   * (`stage: 'gate'`, with `hint`) or a challenge window ran out (`stage: 'challenge'`);
   * `cancelled`: `stop()` or the page was left mid-way; `camera_error`: the camera could not be
   * used (`error.code`); `error`: a bad or expired link, or the server could not be reached.
   */
  status: LivegateStatus;
  stage?: LivegateStage;
  /** The last gate hint code (a gate timeout). */
  hint?: string | null;
  /**
   * Reason codes as the person is told them (the server's client view: attack evidence is
   * `not_verified`), most useful first: led by `timeout` when the page's countdown ran out,
   * plus `face_mismatch` when the face match failed; `not_enough_frames` only when alone.
   */
  reasons: string[];
  attempts_remaining: number;
  session_id: string | null;
  /** What happened and the next step, in plain words (as shown). */
  message: string;
  error?: { code: string; message: string };
  /** Same as `session_id`. */
  sessionId: string | null;
  attempt: number;
  /** Same as `attempts_remaining`. */
  attemptsRemaining: number;
  /** Whether another go is offered: Retry (a new attempt) or Try again (the same session). */
  canRetry: boolean;
  session: SessionDetail | null;
}

export interface LivegateOptions {
  /** Origin (and optional path prefix) of the Livegate API, e.g. `location.origin`. */
  apiBase: string;
  /** The session's client token (`lgt_…`). */
  sessionToken: string;
  /** Where the capture UI is rendered (its content is replaced). */
  element: HTMLElement;
  /** Frames uploaded per second (default 5). */
  fps?: number;
  /** JPEG quality 0-1 (default 0.85). */
  jpegQuality?: number;
  /** Seconds the pre-capture gate has to pass before the attempt ends as `timeout` (default 25). */
  gateTimeoutS?: number;
  /** Overrides of the person-facing texts (merged over `DEFAULT_TEXTS`). */
  texts?: LivegateTexts;
  /** Called with every ending's result (before the person decides to retry). */
  onResult?: (result: LivegateResult) => void;
  /** Called once when the person presses Done (the run has resolved with `result`). */
  onDone?: (result: LivegateResult) => void;
  /** Whether a Done button is shown on endings (default true; see README). */
  doneButton?: boolean;
  /** Done returns to the session's `redirect_url` (hidden without one: "you can close this page"). */
  redirect?: boolean;
  /** Offer Retry after an approval while attempts remain ("retry if unhappy"; default false). */
  retryApproved?: boolean;
  /** Show a `review` verdict as a failure, with Retry while attempts remain (default false). */
  reviewAsFailure?: boolean;
  /** Replaces `navigator.mediaDevices.getUserMedia` (tests, custom camera sources). */
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  /** Where the chosen camera is remembered (default `localStorage`). */
  storage?: Storage;
}

/** A running verification: the promise of its final outcome, and `stop()`. */
export type LivegateRun = Promise<LivegateResult> & {
  /**
   * Stops the camera and uploads; the promise resolves with `cancelled`, or with the ending
   * shown when one is.
   */
  stop(): void;
};

/**
 * Starts a verification in `options.element`: camera preview, gate, prompts, capture, ending.
 * The promise resolves exactly once with the final outcome: at an ending that offers no other
 * go, or — where Retry / Try again is offered — when the person presses Done, `stop()` is
 * called or the page is left. Every ending is also passed to `onResult`.
 */
export declare function start(options: LivegateOptions): LivegateRun;

/** The default person-facing texts by key (`{name}` marks a value filled in). */
export declare const DEFAULT_TEXTS: Readonly<Record<string, string>>;

/**
 * Plain words for a result reason code: what happened and the next step. Codes of attack
 * evidence and unknown codes give one generic text.
 */
export declare function reasonText(code: string, texts?: LivegateTexts): string;

/** The live hint for a frame quality or gate code ("Move closer"), or null when it has none. */
export declare function hintText(code: string, texts?: LivegateTexts): string | null;

/** The prompt shown for a challenge ("Smile", "Turn your head to your left"). */
export declare function promptText(challenge: string, texts?: LivegateTexts): string;
