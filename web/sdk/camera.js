// @ts-check
/**
 * Livegate SDK camera: getUserMedia, the preview stream, listing, switching and remembering
 * cameras, frame grabs, and camera error codes.
 */

import { DEFAULT_TEXTS } from './text.js';

/** @typedef {import('./livegate.js').LivegateOptions} LivegateOptions */
/** @typedef {import('./view.js').View} View */
/** @typedef {import('./text.js').Texts} Texts */

const STORAGE_KEY = 'livegate.cameraDeviceId';
/** Long side of an uploaded frame at most (px); a larger picture is scaled down, never cropped. */
export const MAX_LONG_SIDE = 1280;

/** A camera failure with its code (`camera.<code>` in the text table). */
export class CameraError extends Error {
  /**
   * @param {string} code
   * @param {string} [detail]
   */
  constructor(code, detail) {
    super(detail || DEFAULT_TEXTS[`camera.${code}`] || code);
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
   * @param {Texts} tx
   */
  constructor(view, options, isStopped, tx) {
    this.view = view;
    this.tx = tx;
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
   * The camera asked for without forcing an aspect ratio (the whole field of view is kept):
   * only an ideal width, and the device or the front camera.
   * @param {string | null} deviceId
   * @returns {MediaStreamConstraints}
   */
  constraints(deviceId) {
    /** @type {MediaTrackConstraints} */
    const video = { width: { ideal: MAX_LONG_SIDE } };
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
    // A front camera (or one that does not say) is mirrored, like a mirror; a back camera not.
    this.view.stage.setMirrored(settings.facingMode !== 'environment');
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
    this.view.stage.fit();
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
    const state = this.view.root.dataset.state;
    const usable = this.cameras.length > 1 && (state === 'ready' || state === 'gate');
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
      v.say(v.hint, next.label ? this.tx.t('camera.switched', { label: next.label }) : this.tx.t('camera.switched_unnamed'));
    } catch {
      v.say(v.hint, this.tx.t('camera.switch_failed'));
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
   * The preview's current picture as a JPEG at the camera's own aspect ratio (portrait stays
   * portrait): the whole picture, scaled down so its long side is at most MAX_LONG_SIDE, never
   * cropped and never enlarged (except up to the server's 320x240 minimum). Null before the
   * camera has a picture.
   * @param {HTMLCanvasElement} canvas
   * @param {CanvasRenderingContext2D} ctx
   * @param {number} quality
   * @returns {Promise<Blob | null>}
   */
  async grab(canvas, ctx, quality) {
    const video = this.view.video;
    const size = frameSize(video.videoWidth, video.videoHeight);
    if (!size) return null;
    if (canvas.width !== size.w || canvas.height !== size.h) {
      canvas.width = size.w;
      canvas.height = size.h;
    }
    ctx.drawImage(video, 0, 0, size.w, size.h);
    /** @type {Blob | null} */
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    return blob;
  }
}

/**
 * The size an uploaded frame has for a camera picture of `w`x`h`: the same aspect ratio, the
 * long side at most MAX_LONG_SIDE, never enlarged beyond the camera's own size unless it is
 * below the server's minimum (long side 320, short side 240). Null without a picture.
 * @param {number} w
 * @param {number} h
 * @returns {{ w: number, h: number } | null}
 */
export function frameSize(w, h) {
  if (!w || !h) return null;
  const long = Math.max(w, h);
  const short = Math.min(w, h);
  const scale = Math.max(Math.min(1, MAX_LONG_SIDE / long), 320 / long, 240 / short);
  return { w: Math.round(w * scale), h: Math.round(h * scale) };
}
