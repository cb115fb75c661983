// @ts-check
/**
 * Livegate SDK colour flash (`color_flash`): shows the session's colour sequence over the whole
 * page with the camera preview still in view, and says which step is on screen (and since when)
 * so each uploaded frame carries it (`X-Flash-Step`, `X-Flash-Since`).
 *
 * The sequence comes from the server (colours and durations); the SDK never draws one. The
 * server's draw is photosensitive-safe (at most 3 changes a second, no saturated red); the page
 * adds nothing to it. Screen-reader users hear one announcement when it starts and one when it
 * ends, not every colour. The way out stays above the colour while it runs: the SDK's
 * "Use a check without flashing" button (and Escape) end the run at once.
 */

/** @typedef {import('./livegate.js').FlashSequence} FlashSequence */
/** @typedef {import('./text.js').Texts} Texts */

/** The step on screen and how long it has been shown. @typedef {{ step: number, since: number }} FlashState */

export class FlashDisplay {
  /**
   * @param {HTMLElement} root the SDK's root element (its stage stays above the colour)
   * @param {Texts} tx
   * @param {HTMLButtonElement} exit the way out, shown above the colour while it runs
   */
  constructor(root, tx, exit) {
    this.root = root;
    this.tx = tx;
    this.exit = exit;
    /** @param {KeyboardEvent} e */
    this.onKey = (e) => {
      if (e.key === 'Escape') this.exit.click();
    };
    /** @type {HTMLElement | null} */
    this.layer = null;
    /** performance.now() at which each step's colour was set. @type {number[]} */
    this.shownAt = [];
    /** @type {FlashSequence | null} */
    this.sequence = null;
    this.running = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
  }

  /**
   * Runs the sequence once; resolves when its last colour has been shown for its duration (or
   * at `stop()`).
   * @param {FlashSequence} sequence
   * @returns {Promise<void>}
   */
  run(sequence) {
    const { t } = this.tx;
    this.sequence = sequence;
    this.shownAt = [];
    this.running = true;
    const layer = document.createElement('div');
    layer.className = 'lg-flash';
    layer.setAttribute('role', 'status');
    layer.setAttribute('aria-live', 'polite');
    layer.textContent = t('flash.running');
    this.layer = layer;
    this.root.dataset.flash = 'on';
    this.root.appendChild(layer);
    this.exit.hidden = false;
    document.addEventListener('keydown', this.onKey);
    return new Promise((resolve) => {
      /** @param {number} k */
      const show = (k) => {
        if (!this.running || k >= sequence.steps.length) {
          this.stop();
          resolve();
          return;
        }
        layer.style.background = sequence.steps[k].css;
        layer.dataset.step = String(k);
        // The colour is on screen from the next paint.
        requestAnimationFrame(() => {
          this.shownAt[k] = performance.now();
          this.timer = setTimeout(() => show(k + 1), sequence.steps[k].duration_s * 1000);
        });
      };
      show(0);
    });
  }

  /** The step on screen now, or null when the flash is not showing. @returns {FlashState | null} */
  current() {
    if (!this.running || !this.shownAt.length) return null;
    const step = this.shownAt.length - 1;
    return { step, since: Math.max(0, (performance.now() - this.shownAt[step]) / 1000) };
  }

  /** Removes the colour. */
  stop() {
    this.running = false;
    clearTimeout(this.timer);
    document.removeEventListener('keydown', this.onKey);
    if (this.layer) {
      this.exit.hidden = true;
      this.layer.remove();
      this.layer = null;
      this.root.dataset.flash = 'done';
    }
  }
}
