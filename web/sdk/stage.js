// @ts-check
/**
 * Livegate SDK stage: the camera preview (the whole picture, `object-fit: contain`, mirrored for
 * a front camera) with the face oval drawn in the picture's own coordinates from the server's
 * `oval` fractions, the countdown and its bar. The stage takes the picture's aspect ratio, and
 * the overlay is an SVG whose viewBox is the picture's size with `xMidYMid meet` — the same
 * mapping as `object-fit: contain` — so the oval sits exactly where the server judges it, in
 * portrait, landscape, after a rotation or a camera switch.
 */

/** @typedef {import('./livegate.js').Oval} Oval */

const SVG = 'http://www.w3.org/2000/svg';
let instances = 0;

/**
 * The oval shown before the server's first answer: centred and sized from the picture's short
 * side as the server's gate sizes it (half-width 0.34, half-height 0.44 of the short side).
 * @param {number} w
 * @param {number} h
 * @returns {Oval}
 */
export function defaultOval(w, h) {
  const short = Math.min(w, h);
  const rx = Math.min(0.34 * short, w / 2);
  const ry = Math.min(0.44 * short, h / 2);
  return { cx: 0.5, cy: 0.5, rx: rx / w, ry: ry / h };
}

/**
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string>} attrs
 * @returns {SVGElementTagNameMap[K]}
 */
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/** The preview, its oval overlay, the countdown and the bar. */
export class Stage {
  constructor() {
    const id = `lgm${++instances}`;
    this.video = document.createElement('video');
    this.video.className = 'lg-video';
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.autoplay = true;
    this.video.setAttribute('playsinline', '');
    this.video.setAttribute('muted', '');
    this.svg = svg('svg', { class: 'lg-overlay', 'aria-hidden': 'true', focusable: 'false', preserveAspectRatio: 'xMidYMid meet' });
    const mask = svg('mask', { id: `${id}-mask` });
    this.maskRect = svg('rect', { fill: '#fff' });
    this.maskHole = svg('ellipse', { fill: '#000' });
    mask.append(this.maskRect, this.maskHole);
    const defs = svg('defs', {});
    defs.append(mask);
    this.shade = svg('rect', { class: 'lg-shade', mask: `url(#${id}-mask)` });
    this.oval = svg('ellipse', { class: 'lg-oval' });
    this.svg.append(defs, this.shade, this.oval);
    this.countdown = document.createElement('div');
    this.countdown.className = 'lg-countdown';
    this.countdown.setAttribute('role', 'timer');
    this.countdown.setAttribute('aria-live', 'off');
    this.countdown.hidden = true;
    // Screen readers hear the time once per challenge, when 5 seconds are left (the timer
    // itself is silent: a number a second would drown the prompts).
    this.timeNote = document.createElement('p');
    this.timeNote.className = 'lg-sr-only';
    this.timeNote.setAttribute('role', 'status');
    this.timeNote.setAttribute('aria-live', 'polite');
    this.bar = document.createElement('div');
    this.bar.className = 'lg-bar-fill';
    this.barTrack = document.createElement('div');
    this.barTrack.className = 'lg-bar';
    this.barTrack.setAttribute('aria-hidden', 'true');
    this.barTrack.hidden = true;
    this.barTrack.append(this.bar);
    this.root = document.createElement('div');
    this.root.className = 'lg-stage';
    this.root.dataset.oval = 'neutral';
    this.root.append(this.video, this.svg, this.countdown, this.barTrack, this.timeNote);
    /** The picture's size (px) the overlay is drawn in. */
    this.size = { w: 640, h: 480 };
    /** The server's latest oval (fractions), or null for the default one. @type {Oval | null} */
    this.serverOval = null;
    this.mirrored = false;
    this.video.addEventListener('resize', () => this.fit());
    this.video.addEventListener('loadedmetadata', () => this.fit());
    this.fit();
  }

  /** @param {boolean} mirrored whether the preview is mirrored (a front camera) */
  setMirrored(mirrored) {
    this.mirrored = mirrored;
    this.video.classList.toggle('lg-mirror', mirrored);
    this.svg.classList.toggle('lg-mirror', mirrored);
  }

  /** Follows the picture's size (a new camera, a rotation): aspect, viewBox, oval. */
  fit() {
    const w = this.video.videoWidth || this.size.w;
    const h = this.video.videoHeight || this.size.h;
    if (w !== this.size.w || h !== this.size.h) {
      // Another geometry: the server's oval of the old one no longer applies.
      this.serverOval = null;
      this.setOk(false);
    }
    this.size = { w, h };
    this.root.style.setProperty('--lg-aspect', `${w} / ${h}`);
    this.root.style.setProperty('--lg-aspect-n', String(w / h));
    this.root.dataset.orientation = h > w ? 'portrait' : 'landscape';
    this.svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    for (const r of [this.maskRect, this.shade]) {
      r.setAttribute('width', String(w));
      r.setAttribute('height', String(h));
    }
    this.draw();
  }

  /**
   * The server's oval (fractions of the uploaded frame, which is the whole picture scaled), or
   * null/undefined to keep the current one.
   * @param {Oval | null | undefined} oval
   */
  setOval(oval) {
    if (!oval || ![oval.cx, oval.cy, oval.rx, oval.ry].every((v) => typeof v === 'number' && Number.isFinite(v))) return;
    this.serverOval = oval;
    this.draw();
  }

  /** Back to the default oval (a new capture). */
  resetOval() {
    this.serverOval = null;
    this.setOk(false);
    this.draw();
  }

  draw() {
    const { w, h } = this.size;
    const o = this.serverOval ?? defaultOval(w, h);
    const attrs = { cx: String(o.cx * w), cy: String(o.cy * h), rx: String(o.rx * w), ry: String(o.ry * h) };
    for (const e of [this.oval, this.maskHole]) for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  }

  /** @param {boolean} ok green only when the latest answer's gate conditions all hold */
  setOk(ok) {
    this.root.dataset.oval = ok ? 'ok' : 'neutral';
  }

  /**
   * @param {number} remainingS
   * @param {number} totalS
   * @param {string} label for screen readers, e.g. "5 seconds left"
   */
  showCountdown(remainingS, totalS, label) {
    this.countdown.hidden = false;
    this.barTrack.hidden = false;
    const secs = Math.max(0, Math.ceil(remainingS));
    const text = `${secs} s`;
    if (this.countdown.textContent !== text) {
      this.countdown.textContent = text;
      this.countdown.setAttribute('aria-label', label.replace('{s}', String(secs)));
      const note = secs === 5 && totalS > 6 ? label.replace('{s}', '5') : secs > 5 ? '' : this.timeNote.textContent;
      if (this.timeNote.textContent !== note) this.timeNote.textContent = note;
    }
    this.showBar(totalS > 0 ? remainingS / totalS : 0);
  }

  /** @param {number} fraction 0-1 of the bar shown (without the countdown badge) */
  showBar(fraction) {
    this.barTrack.hidden = false;
    const f = Math.max(0, Math.min(1, fraction));
    this.bar.style.transform = `scaleX(${f.toFixed(3)})`;
  }

  hideClock() {
    this.countdown.hidden = true;
    this.barTrack.hidden = true;
  }
}
