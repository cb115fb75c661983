// @ts-check
/**
 * Livegate SDK flow: one verification and its retries — loading the session, the camera, the
 * capture (capture.js), completing, and the endings (ending.js).
 *
 * Every ending shows one screen and is passed to `onResult` (and `window.__livegateAttempts`).
 * The run's promise resolves exactly once, with the final outcome: at an ending that offers no
 * other go (no Retry / Try again), or — when one is offered — once the person presses Done,
 * `stop()` is called or the page is left (then with the ending shown, or `cancelled` mid-way).
 */

import { ApiError, Client, activeChallenges, failureOf } from './api.js';
import { swapChallenge } from './alternative.js';
import { Camera, cameraErrorOf } from './camera.js';
import { Capture } from './capture.js';
import { endingOf } from './ending.js';
import { makeTexts, promptText } from './text.js';
import { View } from './view.js';

/** @typedef {import('./livegate.js').LivegateOptions} LivegateOptions */
/** @typedef {import('./livegate.js').LivegateResult} LivegateResult */
/** @typedef {import('./livegate.js').LivegateStage} LivegateStage */
/** @typedef {import('./livegate.js').SessionDetail} SessionDetail */
/** @typedef {import('./ending.js').Ending} Ending */
/** @typedef {import('./ending.js').EndingInput} EndingInput */
/** @typedef {import('./camera.js').CameraError} CameraError */

/** What the page exposes for automation. @typedef {Window & { __livegateStats?: object, __livegateResult?: LivegateResult, __livegateAttempts?: LivegateResult[] }} AutomationWindow */
const win = /** @type {AutomationWindow} */ (window);

/**
 * A redirect target that may be navigated to: http(s) only.
 * @param {unknown} url
 * @returns {string | null}
 */
export function safeRedirect(url) {
  if (typeof url !== 'string' || !url) return null;
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** The flow of one verification (and its retries). */
export class Flow {
  /** @param {LivegateOptions} options */
  constructor(options) {
    this.fps = options.fps && options.fps > 0 ? Math.min(options.fps, 30) : 5;
    this.jpegQuality =
      typeof options.jpegQuality === 'number' && options.jpegQuality > 0 && options.jpegQuality <= 1 ? options.jpegQuality : 0.85;
    this.gateTimeoutS = typeof options.gateTimeoutS === 'number' && options.gateTimeoutS > 0 ? options.gateTimeoutS : 25;
    this.tx = makeTexts(options.texts);
    this.policy = { retryApproved: options.retryApproved === true, reviewAsFailure: options.reviewAsFailure === true };
    this.onResult = options.onResult;
    this.onDone = options.onDone;
    this.redirect = options.redirect === true;
    this.doneButton = options.doneButton !== false;
    this.view = new View(options.element, this.tx);
    this.aborter = new AbortController();
    this.api = new Client(options.apiBase, options.sessionToken, this.aborter.signal);
    this.camera = new Camera(this.view, options, () => this.stopped, this.tx);
    /** @type {SessionDetail | null} */
    this.session = null;
    /** Sessions whose challenge countdown ran out on this page. @type {Set<string>} */
    this.timedOutSessions = new Set();
    /** @type {Capture | null} */
    this.capturing = null;
    /** Where the flow is (for a `cancelled` result). @type {LivegateStage} */
    this.stage = 'session';
    /** The ending shown, while it is. @type {Ending | null} */
    this.ending = null;
    /** What the ending's Retry / Try again button does. @type {(() => Promise<void>) | null} */
    this.again = null;
    /** The session clock: capture time 0 of `sessionId` (kept across gate restarts). */
    this.clock = { sessionId: '', t0: 0 };
    this.stopped = false;
    /** The person chose the check without flashing. */
    this.noFlash = false;
    this.resolved = false;
    /** @type {(r: LivegateResult) => void} */
    this.resolve = () => {};
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
    /** @type {LivegateResult[]} */
    this.attempts = [];
    win.__livegateAttempts = this.attempts;
    delete win.__livegateResult;
    this.stats = { sessionId: '', captured: 0, uploaded: 0, retried: 0, duplicates: 0, dropped: 0, skipped: 0, firstT: 0, lastT: 0 };
    this.onDeviceChange = () => {
      const state = this.view.root.dataset.state;
      if (state === 'ready' || state === 'gate') void this.camera.refresh();
    };
    this.onPageHide = () => this.stop();
    this.wire();
  }

  wire() {
    const v = this.view;
    v.startButton.addEventListener('click', () => void this.startCapture());
    v.switchButton.addEventListener('click', () => void this.switchCamera());
    v.againButton.addEventListener('click', () => {
      const again = this.again;
      if (!again || this.stopped) return;
      this.again = null;
      v.againButton.disabled = true;
      v.doneButton.hidden = true;
      void again();
    });
    v.doneButton.addEventListener('click', () => this.pressDone());
    // The way out of the colour flash: the workflow's alternative when it offers one (README
    // "Accessible challenges"); otherwise the run ends `cancelled` with hint `no_flash`, so the
    // integrator can start a session from a workflow without it (README "Colour flash").
    v.noFlashButton.addEventListener('click', () => void this.cantDo('color_flash'));
    v.cantButton.addEventListener('click', () => void this.cantDo(''));
    navigator.mediaDevices?.addEventListener?.('devicechange', this.onDeviceChange);
    window.addEventListener('pagehide', this.onPageHide);
  }

  /**
   * "I can't do this": asks for the alternative to the challenge under way (before Start: to
   * `flash`, the plan's first); when there is none the flash's way out ends the run.
   * @param {string} flash `color_flash` for the flash's way out, '' for the challenge under way
   * @returns {Promise<void>}
   */
  async cantDo(flash) {
    const session = this.session;
    if (!session || this.stopped) return;
    let granted = false;
    if (this.capturing) granted = await this.capturing.cantDo();
    else if (this.view.root.dataset.state === 'ready') {
      const asked = activeChallenges(session).find((c) => c.challenge === flash && c.alternative);
      granted = !!asked && (await swapChallenge(this.api, session, flash).catch(() => false));
      if (granted && !this.stopped) {
        const v = this.view;
        const flashSeconds = (session.plan?.flash?.steps ?? []).reduce((sum, s) => sum + s.duration_s, 0);
        v.showReady(activeChallenges(session), flashSeconds);
        const first = activeChallenges(session)[0];
        v.say(v.prompt, this.tx.t('alt.swapped', { prompt: first ? promptText(first.challenge, this.tx.table) : '' }));
        v.startButton.focus({ preventScroll: true });
      }
    }
    if (!granted && flash && !this.stopped) {
      this.noFlash = true;
      this.stop();
    }
  }

  /** @returns {Promise<LivegateResult>} */
  run() {
    void this.boot();
    return this.done;
  }

  /** Ends the run: mid-way as `cancelled`; on an ending with the result shown. */
  stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.aborter.abort(new DOMException('stopped', 'AbortError'));
    if (this.capturing) this.stage = this.capturing.phase;
    this.capturing?.stop();
    this.camera.close();
    if (this.ending) {
      // The ending shown stays (with its captures), without buttons.
      this.view.settle('');
      this.finishRun(this.ending.result);
      return;
    }
    const e = endingOf({ kind: 'cancelled', session: this.session, stage: this.stage }, this.policy, this.tx);
    if (this.noFlash) {
      e.result.hint = 'no_flash';
      // Not left stuck: where to get another way to verify.
      e.next = this.tx.t('alt.none');
    }
    this.view.showEnding(e, { done: false, closeNote: '' });
    this.attempts.push(e.result);
    this.finishRun(e.result);
    this.view.release();
  }

  /** @param {LivegateResult} result */
  finishRun(result) {
    if (this.resolved) return;
    this.resolved = true;
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.onDeviceChange);
    window.removeEventListener('pagehide', this.onPageHide);
    win.__livegateResult = result;
    this.view.root.dataset.final = 'true';
    this.resolve(result);
  }

  /** The session's redirect_url, when it may be navigated to. */
  redirectUrl() {
    return safeRedirect(this.session?.redirect_url);
  }

  /**
   * Shows an ending, reports it, and resolves the run when no other go is offered.
   * @param {EndingInput} input
   * @param {(() => Promise<void>) | null} again what Retry / Try again does
   * @param {boolean} [report] passed to onResult (false for an ending shown again)
   */
  end(input, again, report = true) {
    if (this.stopped) return;
    this.capturing = null;
    this.camera.close();
    const e = endingOf(input, this.policy, this.tx);
    this.ending = e;
    this.again = e.action ? again : null;
    if (!this.again) {
      e.action = null;
      e.result.canRetry = false;
    }
    const final = !e.result.canRetry;
    const url = this.redirectUrl();
    const { t } = this.tx;
    let done = this.doneButton && (this.redirect ? !!url : final ? !!this.onDone : true);
    let closeNote = '';
    if (this.redirect && final) closeNote = url ? t('note.done') : t('note.close');
    if (e.state === 'cancelled') done = false;
    this.view.showEnding(e, { done, closeNote });
    if (report) {
      this.attempts.push(e.result);
      try {
        this.onResult?.(e.result);
      } catch (err) {
        console.error('livegate onResult callback failed', err);
      }
    }
    if (final) this.finishRun(e.result);
  }

  /** Done: the ending shown is the final outcome. */
  pressDone() {
    const e = this.ending;
    if (!e) return;
    this.again = null;
    this.finishRun(e.result);
    const url = this.redirect ? this.redirectUrl() : null;
    this.view.settle(this.redirect && !url ? this.tx.t('note.close') : '');
    try {
      this.onDone?.(e.result);
    } catch (err) {
      console.error('livegate onDone callback failed', err);
    }
    if (url) location.assign(url);
  }

  /** @returns {Promise<void>} */
  async boot() {
    const v = this.view;
    const { t } = this.tx;
    this.ending = null;
    this.stage = 'session';
    v.setState('loading');
    v.say(v.prompt, t('prompt.loading'));
    v.say(v.hint, '');
    /** @type {SessionDetail} */
    let session;
    try {
      session = await this.api.json('GET', '/v1/client/session');
    } catch (e) {
      return this.fail(e, 'session', () => this.boot());
    }
    if (this.stopped) return;
    this.session = session;
    if (session.id !== this.stats.sessionId) this.resetStats();
    if (session.status === 'created') return this.prepare(false);
    if (session.status === 'in_progress') {
      // A capture was interrupted (the page was reloaded or closed): finish it so that a
      // retry, if the profile allows one, starts cleanly.
      v.say(v.prompt, t('prompt.interrupted'));
      return this.complete();
    }
    return this.showSession(session);
  }

  /**
   * Opens the camera and shows the preview with Start (or, with `autoStart`, goes straight to
   * the gate: Try again after a gate timeout).
   * @param {boolean} autoStart
   * @returns {Promise<void>}
   */
  async prepare(autoStart) {
    const v = this.view;
    this.ending = null;
    this.stage = 'camera';
    v.setState('loading');
    v.say(v.prompt, this.tx.t('prompt.camera'));
    try {
      await this.camera.open();
    } catch (e) {
      if (this.stopped) return;
      return this.cameraFailed(cameraErrorOf(e), autoStart);
    }
    if (this.stopped) return;
    this.stage = 'ready';
    const session = /** @type {SessionDetail} */ (this.session);
    const flashSeconds = (session.plan?.flash?.steps ?? []).reduce((sum, s) => sum + s.duration_s, 0);
    v.showReady(activeChallenges(session), flashSeconds);
    this.camera.updateSwitch();
    if (autoStart) return this.startCapture();
    v.startButton.focus({ preventScroll: true });
  }

  /** @returns {Promise<void>} */
  async switchCamera() {
    const error = await this.camera.switchNext();
    if (error) {
      this.capturing?.stop();
      this.cameraFailed(error, false);
    }
  }

  resetStats() {
    const s = this.stats;
    Object.assign(s, { sessionId: this.session?.id ?? '', captured: 0, uploaded: 0, retried: 0, duplicates: 0, dropped: 0, skipped: 0, firstT: 0, lastT: 0 });
    win.__livegateStats = s;
  }

  /** Captures (gate, then challenges or a burst), then completes — or ends at the gate. */
  /** @returns {Promise<void>} */
  async startCapture() {
    const session = this.session;
    if (!session || this.view.root.dataset.state !== 'ready' || this.stopped) return;
    if (this.clock.sessionId !== session.id) this.clock = { sessionId: session.id, t0: performance.now() };
    this.stage = 'gate';
    const capture = new Capture({
      api: this.api,
      session,
      camera: this.camera,
      view: this.view,
      tx: this.tx,
      fps: this.fps,
      jpegQuality: this.jpegQuality,
      gateTimeoutS: this.gateTimeoutS,
      t0: this.clock.t0,
      stats: this.stats,
      isStopped: () => this.stopped,
    });
    this.capturing = capture;
    /** @type {import('./capture.js').CaptureOutcome} */
    let out;
    try {
      out = await capture.run();
    } catch (e) {
      this.capturing = null;
      return this.failWith('capture_error', e instanceof Error ? e.message : this.tx.t('error.generic'), 'gate', null);
    }
    this.capturing = null;
    if (out.end === 'stopped' || this.stopped) return;
    if (out.end === 'fatal') return this.fail(out.fatal, 'upload', null);
    if (out.end === 'network') {
      // The session stays open; Try again reloads it, and an interrupted capture is completed
      // so that a retry can follow.
      return this.failWith('network_error', this.tx.t('error.connection_lost'), 'upload', () => this.boot());
    }
    if (out.end === 'closed') return this.loadResult();
    if (out.end === 'gate_timeout') {
      // Nothing is completed: Try again restarts the gate on the same session while it is open.
      return this.end({ kind: 'gate_timeout', session, hint: out.hint }, () => this.prepare(true));
    }
    if (out.timedOut) this.timedOutSessions.add(session.id);
    return this.complete();
  }

  /** Completes the session and shows its result. */
  /** @returns {Promise<void>} */
  async complete() {
    const v = this.view;
    const session = /** @type {SessionDetail} */ (this.session);
    this.stage = 'complete';
    v.setState('submitting');
    v.say(v.prompt, this.tx.t('prompt.submitting'));
    v.say(v.hint, '');
    this.camera.close();
    /** @type {SessionDetail} */
    let detail;
    try {
      detail = await this.api.json('POST', `/v1/sessions/${encodeURIComponent(session.id)}/complete`);
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'session_completed' || e.code === 'session_expired')) return this.loadResult();
      return this.fail(e, 'complete', () => this.complete());
    }
    return this.showSession(detail);
  }

  /** @returns {Promise<void>} */
  async loadResult() {
    try {
      const detail = await this.api.json('GET', '/v1/client/session');
      return this.showSession(detail);
    } catch (e) {
      return this.fail(e, 'complete', () => this.loadResult());
    }
  }

  /**
   * The ending of a finished session (its audit images with it).
   * @param {SessionDetail} detail
   */
  showSession(detail) {
    if (this.stopped) return;
    // The complete answer may lack what the session read had (redirect_url).
    const known = this.session && this.session.id === detail.id ? this.session : null;
    this.session = known && detail.redirect_url === undefined ? { ...detail, redirect_url: known.redirect_url } : detail;
    if (detail.status === 'created' || detail.status === 'in_progress') {
      // Not finished after all (e.g. completed elsewhere and re-opened): start again.
      return void this.prepare(false);
    }
    this.end({ kind: 'session', detail: this.session, timedOut: this.timedOutSessions.has(detail.id) }, () => this.retry());
    void this.view.showCaptures(detail.audit_images ?? [], (path) => this.api.objectUrl(path));
  }

  /** Starts the next attempt with a new token. */
  /** @returns {Promise<void>} */
  async retry() {
    const v = this.view;
    v.say(v.prompt, this.tx.t('prompt.retrying'));
    /** @type {{ client_token: string }} */
    let created;
    try {
      // Not repeated after a lost answer: the server may have started the attempt already.
      created = await this.api.json('POST', '/v1/client/retry', false);
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'attempts_exhausted' || e.code === 'retry_not_allowed') && this.session) {
        // The server takes no retry: the same ending, without Retry, is final.
        const session = { ...this.session, attempts_remaining: 0 };
        this.session = session;
        return this.end({ kind: 'session', detail: session, timedOut: this.timedOutSessions.has(session.id) }, null, false);
      }
      return this.fail(e, 'retry', () => this.retry());
    }
    this.api.token = created.client_token;
    return this.boot();
  }

  /**
   * @param {CameraError} error
   * @param {boolean} autoStart what Try again does: back to the preview, or straight to the gate
   */
  cameraFailed(error, autoStart) {
    const message = this.tx.t(`camera.${error.code}`) || error.message;
    this.end({ kind: 'camera_error', session: this.session, code: error.code, message }, () => this.prepare(autoStart));
  }

  /**
   * A failure that is not the camera's; `again` (when given) backs a Try again button.
   * @param {unknown} e
   * @param {LivegateStage} stage
   * @param {(() => Promise<void>) | null} again
   */
  fail(e, stage, again) {
    if (this.stopped) return;
    if (!(e instanceof ApiError)) console.error('livegate', e);
    const { code, message, terminal } = failureOf(e, !!again, this.tx);
    this.failWith(code, message, stage, terminal ? null : again);
  }

  /**
   * @param {string} code
   * @param {string} message
   * @param {LivegateStage} stage
   * @param {(() => Promise<void>) | null} again
   */
  failWith(code, message, stage, again) {
    if (this.stopped) return;
    this.end({ kind: 'error', session: this.session, code, message, stage, again: !!again }, again);
  }
}
