// Type declarations of the Livegate capture SDK (`/sdk/livegate.js`), written by hand to
// match the module's exports.

/** SDK version. */
export declare const VERSION: string;

/** A challenge of active liveness. */
export type ChallengeName = 'smile' | 'blink' | 'head_left' | 'head_right';

/** One challenge of the server-issued plan, with the seconds allowed for it. */
export interface PlannedChallenge {
  challenge: ChallengeName;
  time_frame_s: number;
}

/** The challenge plan of a session (empty `challenges` in passive mode). */
export interface ChallengePlan {
  challenges: PlannedChallenge[];
  order: 'randomized' | 'fixed';
  nonce: string;
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
  audit_images?: AuditImage[];
}

/** The answer to one uploaded frame. */
export interface FrameAnswer {
  seq: number;
  t: number;
  face_count: number;
  quality: { ok: boolean; codes: string[]; messages: string[] };
  duplicate: boolean;
  progress?: { challenges_completed: string[]; next: string | null } | null;
}

/** What a verification (or one attempt of it, for `onResult`) ended with. */
export interface LivegateResult {
  /** The session's status, `error` (unusable link, lost connection) or `stopped` (`stop()`). */
  status: SessionStatus | 'error' | 'stopped';
  sessionId: string | null;
  attempt: number;
  attemptsRemaining: number;
  /** Whether a Retry is offered (a finished attempt, approved or not, with attempts remaining). */
  canRetry: boolean;
  /**
   * Reason codes shown: the server's `reasons`, led by `timeout` when the page's countdown ran
   * out (replacing the server's `challenge_missing`), plus `face_mismatch` when
   * `face_match.matched === false`.
   */
  reasons: string[];
  /** The outcome in plain words. */
  message: string;
  session: SessionDetail | null;
  error: { code: string; message: string } | null;
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
  /** Called with each attempt's result (before the user decides to retry). */
  onResult?: (result: LivegateResult) => void;
  /** Replaces `navigator.mediaDevices.getUserMedia` (tests, custom camera sources). */
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  /** Where the chosen camera is remembered (default `localStorage`). */
  storage?: Storage;
}

/** A running verification: the promise of its final result, and `stop()`. */
export type LivegateRun = Promise<LivegateResult> & {
  /** Stops the camera and uploads; the promise resolves with status `stopped`. */
  stop(): void;
};

/**
 * Starts a verification in `options.element`: camera preview, prompts, capture, result.
 * The promise resolves with the final result: approval, a failure with no retry left, an
 * unusable link, or `stop()`. Each attempt's result is also passed to `onResult`.
 */
export declare function start(options: LivegateOptions): LivegateRun;

/** Plain words for a result reason code (`timeout` → "Time Out"). */
export declare function reasonText(code: string): string;

/** The on-screen hint for a frame quality code, or null when it needs none. */
export declare function hintText(code: string): string | null;

/** The prompt shown for a challenge ("Smile", "Turn your head to your left"). */
export declare function promptText(challenge: string): string;
