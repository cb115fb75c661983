// @ts-check
/**
 * Livegate SDK HTTP client: API errors, authenticated requests with retries, frame uploads.
 */

/** @typedef {import('./livegate.js').FrameAnswer} FrameAnswer */
/** @typedef {import('./livegate.js').SessionDetail} SessionDetail */
/** @typedef {import('./livegate.js').PlannedChallenge} PlannedChallenge */
/** @typedef {import('./text.js').Texts} Texts */
/** @typedef {{ blob: Blob, t: number, key: string, flash?: { step: number, since: number } | null }} Frame */

const MAX_UPLOAD_TRIES = 6;

/** An API answer that was not a success, or a request that never got one (status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** @returns {string} 16 random hex characters */
export function randomHex() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * @param {Response} res
 * @returns {Promise<ApiError>}
 */
export async function errorOf(res) {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = await res.json();
    if (body && typeof body === 'object' && body.error) {
      code = String(body.error.code || code);
      message = String(body.error.message || message);
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, code, message);
}

/**
 * What a failure that is not the camera's means for the person: its code, its message (from
 * the text table), and whether it ends the verification (`canTryAgain` false, or a link that is
 * no longer valid).
 * @param {unknown} e
 * @param {boolean} canTryAgain
 * @param {Texts} tx
 * @returns {{ code: string, message: string, terminal: boolean }}
 */
export function failureOf(e, canTryAgain, tx) {
  let code = 'error';
  let message = tx.t('error.generic');
  let terminal = !canTryAgain;
  if (e instanceof ApiError) {
    code = e.code;
    if (e.status === 0) message = tx.t('error.unreachable');
    else if (e.status === 401 || e.status === 403 || e.status === 404) {
      message = tx.t('error.link_invalid');
      terminal = true;
    } else if (e.status === 410) {
      message = tx.t('error.expired');
      terminal = true;
    }
  }
  return { code, message, terminal };
}

/**
 * The challenges the person is asked to do (none in passive mode).
 * @param {SessionDetail} session
 * @returns {PlannedChallenge[]}
 */
export function activeChallenges(session) {
  if (session.profile?.liveness_mode !== 'active') return [];
  return Array.isArray(session.plan?.challenges) ? session.plan.challenges : [];
}

/** Requests to the API with the session token; all of them end when `signal` aborts. */
export class Client {
  /**
   * @param {string} apiBase
   * @param {string} token
   * @param {AbortSignal} signal
   */
  constructor(apiBase, token, signal) {
    this.apiBase = String(apiBase).replace(/\/+$/, '');
    this.token = token;
    this.signal = signal;
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ body?: BodyInit, headers?: Record<string, string> }} [init]
   * @returns {Promise<Response>}
   */
  async send(method, path, init = {}) {
    const url = /^https?:\/\//.test(path) ? path : this.apiBase + path;
    try {
      return await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(init.headers ?? {}) },
        body: init.body,
        signal: this.signal,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (e) {
      if (this.signal.aborted) throw e;
      throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection.');
    }
  }

  /**
   * A JSON request, retried a few times on 503 and, when `retryLost` (the request is safe to
   * repeat), on network errors.
   * @param {string} method
   * @param {string} path
   * @param {boolean} [retryLost]
   * @returns {Promise<any>}
   */
  async json(method, path, retryLost = true) {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.send(method, path);
        if (res.ok) return await res.json();
        throw await errorOf(res);
      } catch (e) {
        const transient = e instanceof ApiError && ((retryLost && e.status === 0) || e.status === 503);
        if (!transient || attempt >= 3) throw e;
        await sleep(400 * 2 ** attempt, this.signal);
      }
    }
  }

  /**
   * Fetches a file (an audit image) into an object URL the caller revokes.
   * @param {string} path
   * @returns {Promise<string>}
   */
  async objectUrl(path) {
    const res = await this.send('GET', path);
    if (!res.ok) throw await errorOf(res);
    return URL.createObjectURL(await res.blob());
  }

  /**
   * Uploads one frame; retries (same idempotency key) on 503, 5xx and network errors.
   * @param {string} sessionId
   * @param {Frame} frame
   * @param {() => void} onRetry called before each repeated try
   * @returns {Promise<{ kind: 'ok', answer: FrameAnswer } | { kind: 'closed' | 'fatal' | 'dropped', error: ApiError }>}
   */
  async upload(sessionId, frame, onRetry) {
    const path = `/v1/sessions/${encodeURIComponent(sessionId)}/frames`;
    /** @type {ApiError} */
    let last = new ApiError(0, 'network_error', 'The server could not be reached.');
    for (let attempt = 0; attempt < MAX_UPLOAD_TRIES; attempt++) {
      if (attempt > 0) {
        onRetry();
        await sleep(Math.min(2000, 150 * 2 ** (attempt - 1)) + Math.random() * 100, this.signal);
      }
      /** @type {Response} */
      let res;
      try {
        res = await this.send('POST', path, {
          body: frame.blob,
          headers: {
            'content-type': 'image/jpeg',
            'x-capture-time': frame.t.toFixed(3),
            'idempotency-key': frame.key,
            ...(frame.flash ? { 'x-flash-step': String(frame.flash.step), 'x-flash-since': frame.flash.since.toFixed(3) } : {}),
          },
        });
      } catch (e) {
        if (e instanceof ApiError) {
          last = e;
          continue;
        }
        throw e;
      }
      if (res.status === 200 || res.status === 201) {
        return { kind: 'ok', answer: await res.json() };
      }
      last = await errorOf(res);
      if (res.status === 503 || res.status >= 500) continue;
      if (res.status === 409 || res.status === 410) return { kind: 'closed', error: last };
      if (res.status === 401 || res.status === 403 || res.status === 404) return { kind: 'fatal', error: last };
      return { kind: 'dropped', error: last };
    }
    return { kind: 'closed', error: new ApiError(0, 'network_error', last.message) };
  }
}

/** The uploads of one capture: frames are sent one at a time, in the order taken. */
export class Uploader {
  /**
   * @param {Client} client
   * @param {string} sessionId
   * @param {{ uploaded: number, retried: number, duplicates: number, dropped: number }} stats counted into
   * @param {(answer: FrameAnswer) => void} onAnswer called for each frame accepted while running
   * @param {() => void} onSettled called after each upload ends
   * @param {() => boolean} isStopped
   */
  constructor(client, sessionId, stats, onAnswer, onSettled, isStopped) {
    this.client = client;
    this.sessionId = sessionId;
    this.stats = stats;
    this.onAnswer = onAnswer;
    this.onSettled = onSettled;
    this.isStopped = isStopped;
    /** @type {Frame[]} */
    this.queue = [];
    this.inFlight = 0;
    this.accepted = 0;
    this.frameNo = 0;
    /** False once the capture ends: nothing more is sent. */
    this.running = true;
    /** Why the session took no more frames. @type {{ code: string, message: string } | null} */
    this.closed = null;
    /** An answer that makes the link unusable. @type {ApiError | null} */
    this.fatal = null;
  }

  /** Frames queued or being sent. */
  get pending() {
    return this.queue.length + this.inFlight;
  }

  /**
   * @param {Blob} blob
   * @param {number} t capture time (s)
   * @param {{ step: number, since: number } | null} [flash] the colour-flash step on screen at `t`
   */
  add(blob, t, flash = null) {
    this.frameNo++;
    this.queue.push({ blob, t, key: `f-${this.frameNo}-${randomHex()}`, flash });
    void this.pump();
  }

  async pump() {
    if (this.inFlight > 0 || this.queue.length === 0 || !this.running) return;
    const frame = /** @type {Frame} */ (this.queue.shift());
    this.inFlight++;
    try {
      const outcome = await this.client.upload(this.sessionId, frame, () => this.stats.retried++);
      if (outcome.kind === 'ok') {
        this.accepted++;
        this.stats.uploaded++;
        if (outcome.answer.duplicate) this.stats.duplicates++;
        if (this.running) this.onAnswer(outcome.answer);
      } else if (outcome.kind === 'closed' || outcome.kind === 'fatal') {
        this.closed = { code: outcome.error.code, message: outcome.error.message };
        if (outcome.kind === 'fatal') this.fatal = outcome.error;
      } else {
        this.stats.dropped++;
      }
    } catch (e) {
      if (!this.isStopped()) {
        this.closed = { code: 'network_error', message: String(e) };
      }
    } finally {
      this.inFlight--;
    }
    this.onSettled();
    void this.pump();
  }

  /** Waits until the frames being sent are answered. */
  async drain() {
    while (this.inFlight > 0) await sleep(50);
  }
}
