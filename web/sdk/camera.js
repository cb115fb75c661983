// @ts-check
/**
 * Livegate SDK camera: getUserMedia, the preview stream, listing, switching and remembering
 * cameras, frame grabs, and camera error codes.
 */

import { CAMERA_ERRORS } from './text.js';

/** @typedef {import('./livegate.js').LivegateOptions} LivegateOptions */
/** @typedef {import('./view.js').View} View */

const STORAGE_KEY = 'livegate.cameraDeviceId';
const MAX_WIDTH = 640;

/** A camera failure with its code (one of CAMERA_ERRORS' keys). */
export class CameraError extends Error {
  /**
   * @param {string} code
   * @param {string} [detail]
   */
  constructor(code, detail) {
    super(detail || CAMERA_ERRORS[code] || code);
    this.name = 'CameraError';
    this.code = code;
  }
}

/**
 * Maps a getUserMedia rejection to a camera error code.
 * @param {unknown} e
 * @returns {CameraError}
 */
export function cameraErrorOf(e) {
  if (e instanceof CameraError) return e;
  const name = e && typeof e === 'object' && 'name' in e ? String(e.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return new CameraError('camera_denied');
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return new CameraError('camera_not_found');
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new CameraError('camera_busy');
    default:
      return new CameraError('camera_error');
  }
}

/** The camera behind the view's preview, and the Switch camera button. */
export class Camera {
  /**
   * @param {View} view
   * @param {LivegateOptions} options its getUserMedia and storage are used
   * @param {() => boolean} isStopped
   */
  constructor(view, options, isStopped) {
    this.view = view;
    this.customGetUserMedia = options.getUserMedia;
    this.isStopped = isStopped;
    /** @type {Storage | null} */
    this.storage = null;
    try {
      this.storage = options.storage ?? window.localStorage;
    } catch {
      this.storage = null; // storage disabled by the browser
    }
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {MediaDeviceInfo[]} */
    this.cameras = [];
    /** @type {string | null} */
    this.deviceId = null;
    this.switching = false;
  }

  /**
   * @param {string | null} deviceId
   * @returns {MediaStreamConstraints}
   */
  constraints(deviceId) {
    /** @type {MediaTrackConstraints} */
    const video = { width: { ideal: 640 }, height: { ideal: 480 } };
    if (deviceId) video.deviceId = { exact: deviceId };
    else video.facingMode = 'user';
    return { video, audio: false };
  }

  /**
   * @param {MediaStreamConstraints} constraints
   * @returns {Promise<MediaStream>}
   */
  getUserMedia(constraints) {
    if (this.customGetUserMedia) return this.customGetUserMedia(constraints);
    const devices = navigator.mediaDevices;
    if (!devices || typeof devices.getUserMedia !== 'function') {
      return Promise.reject(new CameraError('insecure_context'));
    }
    return devices.getUserMedia(constraints);
  }

  /** Starts the remembered camera (or the default one) unless one is running. */
  async open() {
    if (!window.isSecureContext || (!this.customGetUserMedia && !navigator.mediaDevices?.getUserMedia)) {
      throw new CameraError('insecure_context');
    }
    if (this.stream && this.stream.active) return;
    const remembered = this.readDevice();
    /** @type {MediaStream} */
    let stream;
    try {
      stream = await this.getUserMedia(this.constraints(remembered));
      this.deviceId = remembered;
    } catch (e) {
      const name = e && typeof e === 'object' && 'name' in e ? String(e.name) : '';
      if (!remembered || (name !== 'OverconstrainedError' && name !== 'NotFoundError')) throw e;
      // The remembered camera is gone: forget it and take the default one.
      this.writeDevice(null);
      stream = await this.getUserMedia(this.constraints(null));
      this.deviceId = null;
    }
    if (this.isStopped()) {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    await this.attach(stream);
    await this.refresh();
  }

  /** @param {MediaStream} stream */
  async attach(stream) {
    this.stream = stream;
    const track = stream.getVideoTracks()[0];
    const settings = track?.getSettings ? track.getSettings() : {};
    if (!this.deviceId && settings.deviceId) this.deviceId = settings.deviceId;
    const video = this.view.video;
    video.classList.toggle('lg-mirror', settings.facingMode !== 'environment');
    video.srcObject = stream;
    try {
      await video.play();
    } catch {
      // Autoplay of a muted inline video is allowed; a refusal only delays the picture.
    }
    if (!video.videoWidth) {
      await new Promise((resolve) => {
        video.addEventListener('loadedmetadata', resolve, { once: true });
        setTimeout(resolve, 3000);
      });
    }
  }

  close() {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.view.video.srcObject = null;
  }

  async refresh() {
    try {
      const all = navigator.mediaDevices?.enumerateDevices ? await navigator.mediaDevices.enumerateDevices() : [];
      this.cameras = all.filter((d) => d.kind === 'videoinput');
    } catch {
      this.cameras = [];
    }
    this.updateSwitch();
  }

  updateSwitch() {
    const button = this.view.switchButton;
    const usable = this.cameras.length > 1 && this.view.root.dataset.state === 'ready';
    button.hidden = !usable;
    button.disabled = !usable || this.switching;
    this.view.startButton.disabled = this.switching;
  }

  /** Index of the camera in use among `this.cameras` (0 when it cannot be told). */
  currentIndex() {
    const byId = this.cameras.findIndex((d) => d.deviceId && d.deviceId === this.deviceId);
    if (byId >= 0) return byId;
    const label = this.stream?.getVideoTracks()[0]?.label;
    const byLabel = label ? this.cameras.findIndex((d) => d.label === label) : -1;
    return byLabel >= 0 ? byLabel : 0;
  }

  /**
   * Moves to the next camera (and remembers it); stays with the current one when it fails.
   * @returns {Promise<CameraError | null>} the error when no camera could be started again
   */
  async switchNext() {
    if (this.switching || this.cameras.length < 2) return null;
    const v = this.view;
    const next = this.cameras[(this.currentIndex() + 1) % this.cameras.length];
    this.switching = true;
    this.updateSwitch();
    const previous = this.deviceId;
    this.close();
    try {
      const stream = await this.getUserMedia(this.constraints(next.deviceId));
      this.deviceId = next.deviceId;
      this.writeDevice(next.deviceId);
      await this.attach(stream);
      v.say(v.hint, `Switched to ${next.label || 'the next camera'}.`);
    } catch {
      v.say(v.hint, 'That camera could not be started; staying with the previous one.');
      try {
        const stream = await this.getUserMedia(this.constraints(previous));
        await this.attach(stream);
      } catch (e) {
        this.switching = false;
        return cameraErrorOf(e);
      }
    } finally {
      this.switching = false;
    }
    this.updateSwitch();
    v.switchButton.focus({ preventScroll: true });
    return null;
  }

  /** @returns {string | null} */
  readDevice() {
    try {
      return this.storage?.getItem(STORAGE_KEY) || null;
    } catch {
      return null;
    }
  }

  /** @param {string | null} id */
  writeDevice(id) {
    try {
      if (id) this.storage?.setItem(STORAGE_KEY, id);
      else this.storage?.removeItem(STORAGE_KEY);
    } catch {
      // Storage full or disabled: the choice is simply not remembered.
    }
  }

  /**
   * The preview's current picture as a JPEG (at most MAX_WIDTH wide), or null before it has one.
   * @param {HTMLCanvasElement} canvas
   * @param {CanvasRenderingContext2D} ctx
   * @param {number} quality
   * @returns {Promise<Blob | null>}
   */
  async grab(canvas, ctx, quality) {
    const video = this.view.video;
    const w = video.videoWidth;
    const hgt = video.videoHeight;
    if (!w || !hgt) return null;
    const scale = Math.max(Math.min(1, MAX_WIDTH / w), 320 / w, 240 / hgt);
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(hgt * scale);
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    /** @type {Blob | null} */
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    return blob;
  }
}
