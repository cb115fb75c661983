// @ts-check
/**
 * Livegate SDK view: the DOM of one verification (stage with the face oval, live regions,
 * steps, buttons and result panel) and what is shown in it.
 */

import { GUIDANCE, promptText, reasonText, resultText } from './text.js';

/** @typedef {import('./livegate.js').PlannedChallenge} PlannedChallenge */
/** @typedef {import('./livegate.js').SessionDetail} SessionDetail */
/** @typedef {import('./livegate.js').AuditImage} AuditImage */

let instances = 0;

/**
 * Creates an element with attributes and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | boolean>} [attrs]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children);
  return node;
}

/** The SDK's DOM: one root with the stage, live regions, actions and result panel. */
export class View {
  /** @param {HTMLElement} host */
  constructor(host) {
    const id = `lg${++instances}`;
    this.host = host;
    this.video = h('video', { class: 'lg-video', playsinline: true, muted: true, autoplay: true });
    this.video.muted = true;
    this.video.playsInline = true;
    const overlay = h('div', { class: 'lg-overlay', 'aria-hidden': 'true' });
    overlay.innerHTML =
      `<svg viewBox="0 0 300 400" preserveAspectRatio="xMidYMid slice" focusable="false">` +
      `<defs><mask id="${id}-mask"><rect width="300" height="400" fill="#fff"/>` +
      `<ellipse cx="150" cy="190" rx="102" ry="138" fill="#000"/></mask></defs>` +
      `<rect class="lg-shade" width="300" height="400" mask="url(#${id}-mask)"/>` +
      `<ellipse class="lg-oval" cx="150" cy="190" rx="102" ry="138"/></svg>`;
    this.countdown = h('div', { class: 'lg-countdown', role: 'timer', 'aria-live': 'off', hidden: true });
    this.bar = h('div', { class: 'lg-bar-fill' });
    this.barTrack = h('div', { class: 'lg-bar', 'aria-hidden': 'true', hidden: true }, this.bar);
    this.stage = h('div', { class: 'lg-stage' }, this.video, overlay, this.countdown, this.barTrack);
    this.prompt = h('p', { class: 'lg-prompt', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.hint = h('p', { class: 'lg-hint', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.steps = h('ol', { class: 'lg-steps', 'aria-label': 'Steps', hidden: true });
    this.startButton = h('button', { type: 'button', class: 'lg-button lg-primary lg-start', hidden: true }, 'Start');
    this.switchButton = h(
      'button',
      { type: 'button', class: 'lg-button lg-switch', hidden: true, 'aria-label': 'Switch camera' },
      'Switch camera',
    );
    this.tryAgainButton = h('button', { type: 'button', class: 'lg-button lg-primary lg-try-again', hidden: true }, 'Try again');
    this.actions = h('div', { class: 'lg-actions' }, this.startButton, this.switchButton, this.tryAgainButton);
    this.resultTitle = h('h2', { class: 'lg-result-title', tabindex: '-1' });
    this.reasons = h('ul', { class: 'lg-reasons' });
    this.note = h('p', { class: 'lg-note' });
    this.capturesTitle = h('h3', { class: 'lg-captures-title' });
    this.captures = h('div', { class: 'lg-captures' });
    this.guidance = h('div', { class: 'lg-guidance' });
    this.retryButton = h('button', { type: 'button', class: 'lg-button lg-primary lg-retry', hidden: true }, 'Retry');
    this.result = h(
      'section',
      { class: 'lg-result', hidden: true, 'aria-labelledby': `${id}-title` },
      this.resultTitle,
      this.reasons,
      this.note,
      this.capturesTitle,
      this.captures,
      this.guidance,
      this.retryButton,
    );
    this.resultTitle.id = `${id}-title`;
    this.root = h(
      'div',
      { class: 'livegate', 'data-state': 'loading' },
      this.stage,
      this.prompt,
      this.hint,
      this.steps,
      this.actions,
      this.result,
    );
    host.replaceChildren(this.root);
    /** Object URLs of the captures shown. @type {string[]} */
    this.objectUrls = [];
    this.stopped = false;
  }

  /** @param {string} state loading | ready | capturing | submitting | result | error | stopped */
  setState(state) {
    this.root.dataset.state = state;
    const live = state === 'ready' || state === 'capturing';
    this.stage.hidden = !(live || state === 'loading' || state === 'submitting');
    this.result.hidden = state !== 'result';
    this.startButton.hidden = state !== 'ready';
    if (state !== 'error') this.tryAgainButton.hidden = true;
    if (state !== 'ready') this.switchButton.hidden = true;
    if (state !== 'capturing') {
      this.countdown.hidden = true;
      this.barTrack.hidden = true;
    }
    if (state !== 'capturing' && state !== 'ready') this.steps.hidden = true;
  }

  /**
   * Sets a live region's text (only when it changes, so nothing is announced twice).
   * @param {HTMLElement} region
   * @param {string} text
   */
  say(region, text) {
    if (region.textContent !== text) region.textContent = text;
  }

  /** @param {'ok' | 'warn' | 'idle'} tone */
  setTone(tone) {
    this.root.dataset.tone = tone;
  }

  /**
   * @param {PlannedChallenge[]} challenges
   * @param {number} current index of the challenge under way (challenges.length when all done)
   */
  showSteps(challenges, current) {
    if (!challenges.length) {
      this.steps.hidden = true;
      return;
    }
    this.steps.hidden = false;
    this.steps.replaceChildren(
      ...challenges.map((c, i) => {
        const state = i < current ? 'done' : i === current ? 'current' : 'todo';
        const label = `${promptText(c.challenge)}${state === 'done' ? ' (done)' : ''}`;
        const item = h('li', { class: `lg-step lg-step-${state}`, 'data-challenge': c.challenge }, label);
        if (state === 'current') item.setAttribute('aria-current', 'step');
        return item;
      }),
    );
  }

  /**
   * @param {number} remainingS
   * @param {number} totalS
   */
  showCountdown(remainingS, totalS) {
    this.countdown.hidden = false;
    this.barTrack.hidden = false;
    const secs = Math.max(0, Math.ceil(remainingS));
    const text = `${secs} s`;
    if (this.countdown.textContent !== text) {
      this.countdown.textContent = text;
      this.countdown.setAttribute('aria-label', `${secs} seconds left`);
    }
    const fraction = totalS > 0 ? Math.max(0, Math.min(1, remainingS / totalS)) : 0;
    this.bar.style.transform = `scaleX(${fraction.toFixed(3)})`;
  }

  /**
   * The preview with the Start button: the steps to come and what to do.
   * @param {PlannedChallenge[]} challenges
   */
  showReady(challenges) {
    this.setState('ready');
    this.setTone('idle');
    this.showSteps(challenges, -1);
    this.say(this.prompt, 'Place your face in the oval, then press Start.');
    this.say(
      this.hint,
      challenges.length
        ? `You will be asked to: ${challenges.map((c) => promptText(c.challenge).toLowerCase()).join(', then ')}.`
        : 'Then look at the camera and hold still for a moment.',
    );
  }

  /**
   * The prompt during a capture: the challenge under way and the steps, or, with no
   * challenges (passive mode), just to look at the camera.
   * @param {PlannedChallenge[]} challenges
   * @param {number} current index of the challenge under way
   */
  showProgress(challenges, current) {
    if (challenges.length > 0) {
      this.showSteps(challenges, current);
      if (current >= challenges.length) this.say(this.prompt, 'Done — hold still…');
      else this.say(this.prompt, `${promptText(challenges[current].challenge)} (step ${current + 1} of ${challenges.length})`);
    } else {
      this.say(this.prompt, 'Look at the camera');
    }
  }

  /**
   * Shows an error with its message; `canTry` shows (and focuses) the Try again button.
   * @param {string} code
   * @param {string} message
   * @param {boolean} canTry
   */
  showError(code, message, canTry) {
    this.setState('error');
    this.setTone('warn');
    this.root.dataset.error = code;
    this.say(this.prompt, message);
    this.say(this.hint, '');
    this.tryAgainButton.hidden = !canTry;
    if (canTry) this.tryAgainButton.focus({ preventScroll: true });
  }

  /**
   * Shows the result screen of a finished session.
   * @param {SessionDetail} detail
   * @param {string[]} codes reason codes to show
   * @param {boolean} retry whether the Retry button is offered
   * @returns {string} the result's message
   */
  showResult(detail, codes, retry) {
    this.revokeUrls();
    this.setState('result');
    const { title, message, note, tone } = resultText(detail, codes, retry);
    this.setTone(tone);
    this.resultTitle.textContent = title;
    /** @type {Map<string, string>} */
    const shown = new Map();
    for (const c of codes) if (![...shown.values()].includes(reasonText(c))) shown.set(c, reasonText(c));
    this.reasons.replaceChildren(...[...shown].map(([c, text]) => h('li', { 'data-reason': c }, text)));
    this.reasons.hidden = codes.length === 0 || detail.status === 'approved';
    const failed = detail.status !== 'approved';
    this.note.textContent = note;
    this.guidance.replaceChildren();
    if (failed && detail.status !== 'expired') {
      this.guidance.append(
        h('h3', {}, 'For the best result'),
        h('ul', {}, ...GUIDANCE.map((g) => h('li', {}, g))),
      );
    }
    this.retryButton.hidden = !retry;
    this.retryButton.disabled = false;
    const statusLine = failed ? `${title}: ${message}` : `${title}. ${message}`;
    this.say(this.prompt, statusLine);
    this.say(this.hint, '');
    this.resultTitle.focus({ preventScroll: false });
    return message;
  }

  /**
   * Shows the face captures; `load` fetches each into an object URL, which the view revokes.
   * @param {AuditImage[]} images
   * @param {(url: string) => Promise<string>} load
   * @returns {Promise<void>}
   */
  async showCaptures(images, load) {
    this.captures.replaceChildren();
    this.capturesTitle.textContent = images.length
      ? `${images.length} face ${images.length === 1 ? 'capture' : 'captures'}`
      : '';
    this.capturesTitle.hidden = images.length === 0;
    await Promise.all(
      images.map(async (image, i) => {
        const img = h('img', { class: 'lg-capture', alt: `Face capture ${i + 1} of ${images.length}` });
        this.captures.append(img);
        try {
          const url = await load(image.url);
          if (this.stopped) return URL.revokeObjectURL(url);
          this.objectUrls.push(url);
          img.src = url;
        } catch {
          img.replaceWith(h('p', { class: 'lg-capture-missing' }, `Capture ${i + 1} could not be loaded.`));
        }
      }),
    );
  }

  revokeUrls() {
    for (const url of this.objectUrls) URL.revokeObjectURL(url);
    this.objectUrls = [];
  }

  /** Removes the captures of the previous attempt. */
  clearCaptures() {
    this.revokeUrls();
    this.captures.replaceChildren();
  }

  /** Shows that the verification was stopped (and lets go of the captures). */
  showStopped() {
    this.stopped = true;
    this.revokeUrls();
    this.setState('stopped');
    this.say(this.prompt, 'Stopped.');
    this.say(this.hint, '');
  }
}

/**
 * Shows a hint only once the same one came twice in a row, so it does not flicker.
 */
export class HintDebouncer {
  constructor() {
    this.shown = '';
    this.candidate = '';
    this.count = 0;
  }

  /**
   * @param {string} hint
   * @returns {string | null} the hint to show now, or null for no change
   */
  push(hint) {
    if (hint === this.shown) {
      this.count = 0;
      return null;
    }
    if (hint === this.candidate) this.count++;
    else {
      this.candidate = hint;
      this.count = 1;
    }
    if (this.count >= 2) {
      this.shown = hint;
      this.count = 0;
      return hint;
    }
    return null;
  }
}
