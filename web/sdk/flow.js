// @ts-check
/**
 * Livegate SDK flow: one verification and its retries, from loading the session through the
 * capture loop (frames, challenge countdowns, quality hints) to the result screens.
 */

import { ApiError, Client, Uploader, activeChallenges, canRetry, failureOf, resultOf } from './api.js';
import { Camera, CameraError, cameraErrorOf } from './camera.js';
import { answerHint, reasonCodes } from './text.js';
import { HintDebouncer, View } from './view.js';

/** @typedef {import('./livegate.js').LivegateOptions} LivegateOptions */
/** @typedef {import('./livegate.js').LivegateResult} LivegateResult */
/** @typedef {import('./livegate.js').SessionDetail} SessionDetail */
/** @typedef {import('./livegate.js').FrameAnswer} FrameAnswer */

/**
 * The capture flow of one verification (and its retries).
 */
export class Flow {
  /** @param {LivegateOptions} options */
  constructor(options) {
    this.fps = options.fps && options.fps > 0 ? Math.min(options.fps, 30) : 5;
    this.jpegQuality =
      typeof options.jpegQuality === 'number' && options.jpegQuality > 0 && options.jpegQuality <= 1
        ? options.jpegQuality
        : 0.85;
    this.onResult = options.onResult;
    this.view = new View(options.element);
    this.aborter = new AbortController();
    this.api = new Client(options.apiBase, options.sessionToken, this.aborter.signal);
    this.camera = new Camera(this.view, options, () => this.stopped);
    /** @type {SessionDetail | null} */
    this.session = null;
    /** Sessions whose challenge countdown ran out before the challenge was seen. @type {Set<string>} */
    this.timedOutSessions = new Set();
    /** @type {(() => void) | null} */
    this.stopCapture = null;
    this.stopped = false;
    /** @type {(r: LivegateResult) => void} */
    this.resolve = () => {};
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.stats = { sessionId: '', captured: 0, uploaded: 0, retried: 0, duplicates: 0, dropped: 0, skipped: 0, firstT: 0, lastT: 0 };
    this.onDeviceChange = () => {
      if (this.view.root.dataset.state === 'ready') void this.camera.refresh();
    };
    this.wire();
  }

  wire() {
    const v = this.view;
    v.startButton.addEventListener('click', () => void this.capture());
    v.switchButton.addEventListener('click', () => void this.switchCamera());
    v.retryButton.addEventListener('click', () => void this.retry());
    v.tryAgainButton.addEventListener('click', () => {
      const again = this.tryAgain;
      if (again) void again();
    });
    navigator.mediaDevices?.addEventListener?.('devicechange', this.onDeviceChange);
  }

  /** @type {(() => Promise<void>) | null} */
  tryAgain = null;

  /** @returns {Promise<LivegateResult>} */
  run() {
    void this.boot();
    return this.done;
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.aborter.abort(new DOMException('stopped', 'AbortError'));
    this.stopCapture?.();
    this.camera.close();
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.onDeviceChange);
    this.view.showStopped();
    this.resolve(this.resultOf('stopped', this.session, 'The verification was stopped.', null));
  }

  /**
   * @param {LivegateResult['status']} status
   * @param {SessionDetail | null} session
   * @param {string} message
   * @param {{ code: string, message: string } | null} error
   * @returns {LivegateResult}
   */
  resultOf(status, session, message, error) {
    return resultOf(status, session, this.reasonCodes(session), message, error);
  }

  /**
   * @param {SessionDetail | null} session
   * @returns {string[]}
   */
  reasonCodes(session) {
    return reasonCodes(session, !!session && this.timedOutSessions.has(session.id));
  }

  /** @returns {Promise<void>} */
  async boot() {
    this.view.setState('loading');
    this.view.say(this.view.prompt, 'Loading…');
    this.view.say(this.view.hint, '');
    /** @type {SessionDetail} */
    let session;
    try {
      session = await this.api.json('GET', '/v1/client/session');
    } catch (e) {
      return this.fail(e, () => this.boot());
    }
    this.session = session;
    this.resetStats();
    if (session.status === 'created') return this.prepare();
    if (session.status === 'in_progress') {
      // A capture was interrupted (the page was reloaded or closed): finish it so that a
      // retry, if the profile allows one, starts cleanly.
      this.view.say(this.view.prompt, 'Your previous capture was interrupted. Checking it…');
      return this.finish();
    }
    return this.showResult(session);
  }

  /** Opens the camera and shows the preview with the Start button. */
  /** @returns {Promise<void>} */
  async prepare() {
    const v = this.view;
    v.setState('loading');
    v.say(v.prompt, 'Starting the camera…');
    try {
      await this.camera.open();
    } catch (e) {
      if (this.stopped) return;
      return this.showCameraError(cameraErrorOf(e));
    }
    if (this.stopped) return;
    v.showReady(activeChallenges(/** @type {SessionDetail} */ (this.session)));
    this.camera.updateSwitch();
    v.startButton.focus({ preventScroll: true });
  }

  /** @returns {Promise<void>} */
  async switchCamera() {
    const error = await this.camera.switchNext();
    if (error) this.showCameraError(error);
  }

  resetStats() {
    const s = this.stats;
    Object.assign(s, { sessionId: this.session?.id ?? '', captured: 0, uploaded: 0, retried: 0, duplicates: 0, dropped: 0, skipped: 0, firstT: 0, lastT: 0 });
    /** @type {any} */ (window).__livegateStats = s;
  }

  /** Captures and uploads frames until the challenges are done or time is up, then completes. */
  /** @returns {Promise<void>} */
  async capture() {
    const session = this.session;
    if (!session || this.view.root.dataset.state !== 'ready') return;
    const v = this.view;
    v.setState('capturing');
    v.setTone('idle');
    v.say(v.hint, '');
    this.resetStats();
    const challenges = activeChallenges(session);
    const active = challenges.length > 0;
    const minFrames = Math.max(active ? 1 : 3, session.profile?.frames ?? 1);
    const interval = 1000 / this.fps;
    const maxQueue = Math.max(2, Math.ceil(this.fps));
    const t0 = performance.now();
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d');
    if (!ctx) return this.fail(new Error('This browser cannot capture camera pictures.'), null);

    let tick = 0;
    let current = 0; // index of the challenge under way
    let windowStart = 0; // ms (capture clock) when the current challenge's window began
    let timedOut = false;
    // A bound on the whole capture, should frames keep being refused (then the server decides
    // with what it has).
    const budgetMs =
      (challenges.reduce((sum, c) => sum + c.time_frame_s, 0) + (2 * minFrames) / this.fps + 15) * 1000;
    let overrun = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let tickTimer;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    let clockTimer;
    const hints = new HintDebouncer();
    /** @type {() => void} */
    let wake = () => {};
    const finished = new Promise((resolve) => {
      wake = () => resolve(undefined);
    });
    const up = new Uploader(this.api, session.id, this.stats, (a) => onAnswer(a), () => checkFinished(), () => this.stopped);

    const allDone = () => current >= challenges.length;
    const wantMore = () => {
      if (!up.running || timedOut || overrun || up.closed) return false;
      if (active) return !(allDone() && up.accepted + up.pending >= minFrames);
      return up.accepted + up.pending < minFrames;
    };
    const checkFinished = () => {
      if (!up.running) return;
      const idle = up.pending === 0;
      let end;
      if (up.closed) end = true;
      else if (timedOut || overrun) end = idle;
      else if (active) end = idle && allDone() && up.accepted >= minFrames;
      else end = idle && up.accepted >= minFrames;
      if (end) {
        up.running = false;
        wake();
      }
    };
    this.stopCapture = () => {
      up.running = false;
      wake();
    };

    const showPrompt = () => v.showProgress(challenges, current);
    showPrompt();

    const updateClock = () => {
      if (!up.running) return;
      const now = performance.now() - t0;
      if (now > budgetMs && !overrun) {
        overrun = true;
        checkFinished();
      }
      if (active && !allDone()) {
        const total = challenges[current].time_frame_s;
        const left = total - (now - windowStart) / 1000;
        v.showCountdown(left, total);
        if (left <= 0 && !timedOut) {
          timedOut = true;
          this.timedOutSessions.add(session.id);
          v.say(v.prompt, 'Time is up. Checking…');
          checkFinished();
        }
      } else if (!active) {
        const total = minFrames / this.fps;
        v.showCountdown(Math.max(0, total - now / 1000), total);
      } else {
        v.countdown.hidden = true;
        v.barTrack.hidden = true;
      }
    };
    clockTimer = setInterval(updateClock, 100);
    updateClock();

    /** @param {FrameAnswer} answer */
    const onAnswer = (answer) => {
      const shown = hints.push(answerHint(answer));
      if (shown !== null) {
        v.say(v.hint, shown);
        v.setTone(shown ? 'warn' : 'ok');
      }
      const done = answer.progress?.challenges_completed?.length ?? 0;
      if (active && done > current && !timedOut) {
        const base = Math.min(performance.now() - t0, (answer.t ?? 0) * 1000);
        current = Math.min(done, challenges.length);
        windowStart = base;
        showPrompt();
        updateClock();
      }
    };

    const onTick = async () => {
      if (!up.running) return;
      tick++;
      if (wantMore()) {
        if (up.pending >= maxQueue) {
          this.stats.skipped++;
        } else {
          const t = (performance.now() - t0) / 1000;
          const blob = await this.camera.grab(canvas, ctx, this.jpegQuality);
          if (blob && up.running) {
            this.stats.captured++;
            if (this.stats.captured === 1) this.stats.firstT = t;
            this.stats.lastT = t;
            up.add(blob, t);
          }
        }
      }
      checkFinished();
      if (up.running) tickTimer = setTimeout(onTick, Math.max(0, t0 + tick * interval - performance.now()));
    };
    void onTick();

    await finished;
    clearTimeout(tickTimer);
    clearInterval(clockTimer);
    this.stopCapture = null;
    if (this.stopped) return;
    // Let the frames already sent answer before completing (they count for the verdict).
    await up.drain();
    if (this.stopped) return;
    const ended = up.closed;
    if (ended && up.fatal) return this.fail(up.fatal, null);
    if (ended && ended.code === 'network_error') {
      // The session stays open; Try again reloads it, and an interrupted capture is completed
      // so that a retry can follow.
      return this.fail(new ApiError(0, 'network_error', 'The connection was lost while sending pictures.'), () => this.boot());
    }
    if (ended && (ended.code === 'session_completed' || ended.code === 'session_expired')) {
      return this.loadResult();
    }
    return this.finish();
  }

  /**
   * Completes the session and shows its result.
   * @returns {Promise<void>}
   */
  async finish() {
    const v = this.view;
    const session = /** @type {SessionDetail} */ (this.session);
    v.setState('submitting');
    v.say(v.prompt, 'Checking…');
    v.say(v.hint, '');
    this.camera.close();
    /** @type {SessionDetail} */
    let detail;
    try {
      detail = await this.api.json('POST', `/v1/sessions/${encodeURIComponent(session.id)}/complete`);
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'session_completed' || e.code === 'session_expired')) {
        return this.loadResult();
      }
      return this.fail(e, () => this.finish());
    }
    return this.showResult(detail);
  }

  /** @returns {Promise<void>} */
  async loadResult() {
    try {
      const detail = await this.api.json('GET', '/v1/client/session');
      return this.showResult(detail);
    } catch (e) {
      return this.fail(e, () => this.loadResult());
    }
  }

  /**
   * @param {SessionDetail} detail
   * @returns {Promise<void>}
   */
  async showResult(detail) {
    if (this.stopped) return;
    this.session = detail;
    this.camera.close();
    const retry = canRetry(detail);
    const message = this.view.showResult(detail, this.reasonCodes(detail), retry);
    void this.view.showCaptures(detail.audit_images ?? [], (path) => this.api.objectUrl(path));
    const result = this.resultOf(detail.status, detail, message, null);
    try {
      this.onResult?.(result);
    } catch (e) {
      console.error('livegate onResult callback failed', e);
    }
    if (!retry) this.resolve(result);
  }

  /** Starts the next attempt with a new token. */
  /** @returns {Promise<void>} */
  async retry() {
    const v = this.view;
    v.retryButton.disabled = true;
    v.say(v.prompt, 'Starting a new attempt…');
    /** @type {{ client_token: string }} */
    let created;
    try {
      // Not repeated after a lost answer: the server may have started the attempt already.
      created = await this.api.json('POST', '/v1/client/retry', false);
    } catch (e) {
      v.retryButton.disabled = false;
      if (e instanceof ApiError && (e.code === 'attempts_exhausted' || e.code === 'retry_not_allowed')) {
        v.retryButton.hidden = true;
        v.note.textContent = e.code === 'attempts_exhausted' ? 'No attempts remain.' : 'This verification cannot be retried.';
        v.say(v.prompt, v.note.textContent);
        const session = this.session ? { ...this.session, attempts_remaining: 0 } : null;
        this.resolve(this.resultOf(session?.status ?? 'error', session, v.note.textContent, { code: e.code, message: e.message }));
        return;
      }
      return this.fail(e, () => this.retry());
    }
    this.api.token = created.client_token;
    v.clearCaptures();
    return this.boot();
  }

  /** @param {CameraError} error */
  showCameraError(error) {
    const v = this.view;
    this.camera.close();
    const canTry = error.code !== 'insecure_context';
    this.tryAgain = canTry
      ? async () => {
          delete v.root.dataset.error;
          await this.prepare();
        }
      : null;
    v.showError(error.code, error.message, canTry);
  }

  /**
   * Shows a failure that is not the camera's; `again` (when given) backs a Try again button.
   * @param {unknown} e
   * @param {(() => Promise<void>) | null} again
   */
  fail(e, again) {
    if (this.stopped) return;
    this.camera.close();
    const { code, message, terminal } = failureOf(e, !!again);
    this.tryAgain = terminal ? null : again;
    this.view.showError(code, message, !terminal);
    if (terminal) this.resolve(this.resultOf('error', this.session, message, { code, message }));
  }
}
