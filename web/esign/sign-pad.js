// @ts-check
/**
 * A signature pad: a canvas drawn on with pointer events (mouse, pen and touch alike), with
 * Clear. The typed signature is the keyboard alternative to it.
 */

import { h } from './common.js';

const INK = '#10243e';

export class SignaturePad {
  constructor() {
    this.canvas = h('canvas', {
      class: 'pad', width: 600, height: 200, role: 'img',
      'aria-label': 'Signature drawing area: draw with a finger, pen or mouse',
    });
    this.clearButton = h('button', { type: 'button', class: 'button small' }, 'Clear');
    this.el = h('div', { class: 'pad-box' }, this.canvas, h('div', { class: 'actions' }, this.clearButton));
    this.strokes = 0;
    /** @type {number | null} */
    this.pointer = null;
    this.last = { x: 0, y: 0 };
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('This browser cannot draw a signature; type your name instead.');
    this.ctx = ctx;
    this.clearButton.addEventListener('click', () => this.clear());
    this.canvas.addEventListener('pointerdown', (e) => this.down(e));
    this.canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
      this.canvas.addEventListener(type, (e) => {
        if (/** @type {PointerEvent} */ (e).pointerId === this.pointer) this.pointer = null;
      });
    }
  }

  /** @param {PointerEvent} e @returns {{ x: number, y: number }} canvas pixels */
  at(e) {
    const r = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * this.canvas.width) / Math.max(1, r.width),
      y: ((e.clientY - r.top) * this.canvas.height) / Math.max(1, r.height),
    };
  }

  /** @param {PointerEvent} e */
  down(e) {
    if (this.pointer !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    this.pointer = e.pointerId;
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // Synthetic events have no capturable pointer; drawing still follows them.
    }
    const { x, y } = this.at(e);
    const c = this.ctx;
    c.strokeStyle = INK;
    c.fillStyle = INK;
    c.lineWidth = 3.2;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.arc(x, y, 1.6, 0, Math.PI * 2);
    c.fill();
    this.last = { x, y };
    this.strokes++;
    this.canvas.dispatchEvent(new Event('change'));
  }

  /** @param {PointerEvent} e */
  move(e) {
    if (e.pointerId !== this.pointer) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    const c = this.ctx;
    c.beginPath();
    c.moveTo(this.last.x, this.last.y);
    for (const p of events.length ? events : [e]) {
      this.last = this.at(p);
      c.lineTo(this.last.x, this.last.y);
    }
    c.stroke();
  }

  clear() {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.strokes = 0;
    this.canvas.dispatchEvent(new Event('change'));
  }

  /** @returns {boolean} */
  isEmpty() {
    return this.strokes === 0;
  }

  /** @returns {string} the drawing as base64 PNG, without the `data:` prefix */
  png() {
    return this.canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  }
}
