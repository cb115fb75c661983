// @ts-check
/**
 * Livegate SDK view: the DOM of one verification — the stage (stage.js), the live regions
 * (prompt, hint), the challenge steps, the buttons and the one ending panel — and what is shown
 * in it. The root carries what automation reads: `data-state` (loading | ready | gate |
 * challenge | capture | submitting | result | error | cancelled), `data-hint` (the hint code
 * shown), `data-cue`, `data-status` (the ending's status), `data-final` (the run has resolved).
 */

import { Stage } from './stage.js';
import { promptText } from './text.js';

/** @typedef {import('./livegate.js').PlannedChallenge} PlannedChallenge */
/** @typedef {import('./livegate.js').AuditImage} AuditImage */
/** @typedef {import('./text.js').Texts} Texts */
/** @typedef {import('./ending.js').Ending} Ending */

let instances = 0;

/**
 * Creates an element with attributes and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | boolean>} [attrs]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children);
  return node;
}

/** @param {string} cls @param {string} label */
const button = (cls, label) => h('button', { type: 'button', class: `lg-button ${cls}`, hidden: true }, label);

const LIVE = ['ready', 'gate', 'challenge', 'capture'];

/** The SDK's DOM: one root with the stage, live regions, actions and the ending panel. */
export class View {
  /**
   * @param {HTMLElement} host
   * @param {Texts} tx
   */
  constructor(host, tx) {
    const id = `lg${++instances}`;
    this.tx = tx;
    const { t } = tx;
    this.host = host;
    this.stage = new Stage();
    this.video = this.stage.video;
    this.prompt = h('p', { class: 'lg-prompt', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.hint = h('p', { class: 'lg-hint', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.steps = h('ol', { class: 'lg-steps', 'aria-label': t('steps.label'), hidden: true });
    this.startButton = button('lg-primary lg-start', t('button.start'));
    this.switchButton = button('lg-switch', t('button.switch'));
    this.switchButton.setAttribute('aria-label', t('button.switch'));
    // The colour flash's warning and its way out, shown before Start when the plan flashes.
    this.flashWarning = h('p', { class: 'lg-flash-warning', role: 'note', hidden: true });
    this.noFlashButton = button('lg-no-flash', t('flash.no_flash'));
    this.noFlashButton.hidden = true;
    // "I can't do this" on a challenge the workflow offers an alternative for (X5).
    this.cantButton = button('lg-cant', t('alt.cant'));
    this.actions = h(
      'div',
      { class: 'lg-actions lg-main-actions' },
      this.startButton,
      this.noFlashButton,
      this.cantButton,
      this.switchButton,
    );
    this.title = h('h2', { class: 'lg-result-title', tabindex: '-1', id: `${id}-title` });
    this.message = h('p', { class: 'lg-message' });
    this.next = h('p', { class: 'lg-next' });
    this.capturesTitle = h('h3', { class: 'lg-captures-title', hidden: true });
    this.captures = h('div', { class: 'lg-captures' });
    this.tips = h(
      'details',
      { class: 'lg-tips', hidden: true },
      h('summary', {}, t('tips.title')),
      h('ul', {}, ...['tips.1', 'tips.2', 'tips.3', 'tips.4'].map((k) => t(k)).filter(Boolean).map((g) => h('li', {}, g))),
    );
    this.againButton = button('lg-primary lg-again', t('button.retry'));
    this.doneButton = button('lg-done', t('button.done'));
    this.panelActions = h('div', { class: 'lg-actions lg-result-actions' }, this.againButton, this.doneButton);
    this.panel = h(
      'section',
      { class: 'lg-result', hidden: true, 'aria-labelledby': `${id}-title` },
      this.title,
      this.message,
      this.next,
      this.capturesTitle,
      this.captures,
      this.tips,
      this.panelActions,
    );
    this.root = h(
      'div',
      { class: 'livegate', 'data-state': 'loading', 'data-hint': '' },
      this.stage.root,
      this.prompt,
      this.hint,
      this.steps,
      this.flashWarning,
      this.actions,
      this.panel,
    );
    host.replaceChildren(this.root);
    /** Object URLs of the captures shown. @type {string[]} */
    this.objectUrls = [];
    this.released = false;
  }

  /** @param {string} state loading | ready | gate | challenge | capture | submitting | result | error | cancelled */
  setState(state) {
    this.root.dataset.state = state;
    const live = LIVE.includes(state);
    this.stage.root.hidden = !(live || state === 'loading' || state === 'submitting');
    const ending = state === 'result' || state === 'error' || state === 'cancelled';
    this.panel.hidden = !ending;
    this.startButton.hidden = state !== 'ready';
    if (state !== 'ready') {
      // While the colour runs the button is its way out (flash.js).
      if (this.root.dataset.flash !== 'on') this.noFlashButton.hidden = true;
      this.flashWarning.hidden = true;
    }
    if (state !== 'ready' && state !== 'gate') this.switchButton.hidden = true;
    if (state !== 'challenge') this.cantButton.hidden = true;
    if (state !== 'challenge' && state !== 'capture') this.stage.hideClock();
    if (!live) {
      this.steps.hidden = true;
      this.setHint('', '');
      this.setCue('', '');
      this.stage.setOk(false);
    }
    if (!ending) {
      delete this.root.dataset.status;
      delete this.root.dataset.error;
    }
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
   * The live hint (gate guidance) with its code.
   * @param {string} code
   * @param {string} text
   */
  setHint(code, text) {
    this.root.dataset.hint = code;
    this.say(this.hint, text);
  }

  /**
   * The live cue of the challenge under way (shown in the hint region).
   * @param {string} code
   * @param {string} text
   */
  setCue(code, text) {
    if (code) this.root.dataset.cue = code;
    else delete this.root.dataset.cue;
    if (code || this.root.dataset.state === 'challenge') this.say(this.hint, text);
  }

  /**
   * @param {PlannedChallenge[]} challenges
   * @param {number} current index of the challenge under way (challenges.length when all done; -1 before)
   */
  showSteps(challenges, current) {
    if (!challenges.length) {
      this.steps.hidden = true;
      return;
    }
    const { t } = this.tx;
    this.steps.hidden = false;
    this.steps.replaceChildren(
      ...challenges.map((c, i) => {
        const state = i < current ? 'done' : i === current ? 'current' : 'todo';
        const prompt = promptText(c.challenge, this.tx.table);
        const label = state === 'done' ? t('steps.done', { prompt }) : prompt;
        const item = h('li', { class: `lg-step lg-step-${state}`, 'data-challenge': c.challenge }, label);
        if (state === 'current') item.setAttribute('aria-current', 'step');
        return item;
      }),
    );
  }

  /**
   * The preview with the Start button: the steps to come and what to do (and, when the plan
   * flashes the screen, the warning and the way out).
   * @param {PlannedChallenge[]} challenges
   * @param {number} [flashSeconds] how long the flash lasts
   */
  showReady(challenges, flashSeconds = 0) {
    const { t } = this.tx;
    this.setState('ready');
    this.setTone('idle');
    this.showSteps(challenges, -1);
    this.say(this.prompt, t('prompt.ready'));
    const list = challenges.map((c) => promptText(c.challenge, this.tx.table).toLowerCase()).join(t('prompt.ready_plan_join'));
    this.say(this.hint, challenges.length ? t('prompt.ready_plan', { list }) : t('prompt.ready_passive'));
    const flash = challenges.find((c) => c.challenge === 'color_flash');
    const flashes = !!flash;
    this.flashWarning.hidden = !flashes;
    this.noFlashButton.hidden = !flashes;
    // Without an alternative the way out ends the run, and says so (the ending says where to
    // get help).
    this.noFlashButton.textContent = flash && !flash.alternative ? t('flash.no_flash_none') : t('flash.no_flash');
    this.flashWarning.textContent = flashes ? t('flash.warning', { s: Math.ceil(flashSeconds) }) : '';
  }

  /**
   * The prompt of the challenge under way (or that all are done).
   * @param {PlannedChallenge[]} challenges
   * @param {number} current
   */
  showChallenge(challenges, current) {
    const { t } = this.tx;
    this.showSteps(challenges, current);
    const c = challenges[current];
    // The flash has its own way out above the colour; every other challenge with an
    // alternative gets "I can't do this", labelled with its prompt.
    this.cantButton.hidden = !c?.alternative || c.challenge === 'color_flash';
    if (!c) this.say(this.prompt, t('prompt.plan_done'));
    else {
      const prompt = promptText(c.challenge, this.tx.table);
      this.cantButton.setAttribute('aria-label', t('alt.cant_label', { prompt }));
      this.say(this.prompt, t('prompt.step', { prompt, n: current + 1, total: challenges.length }));
    }
  }

  /**
   * Shows an ending: one panel with the title, what happened, the next step, and the buttons.
   * @param {Ending} e
   * @param {{ done: boolean, closeNote: string }} extra whether Done is shown; a last line
   */
  showEnding(e, extra) {
    const { t } = this.tx;
    this.revokeUrls();
    this.setState(e.state);
    this.setTone(e.tone);
    this.root.dataset.status = e.result.status;
    if (e.result.error) this.root.dataset.error = e.result.error.code;
    // A gate timeout keeps the hint it ended on.
    if (e.result.hint) this.root.dataset.hint = e.result.hint;
    this.title.textContent = e.title;
    this.message.textContent = e.message;
    if (e.reason) this.message.dataset.reason = e.reason;
    else delete this.message.dataset.reason;
    this.next.textContent = [e.next, extra.closeNote].filter(Boolean).join(' ');
    this.next.hidden = !this.next.textContent;
    this.tips.hidden = !e.tips;
    this.tips.open = false;
    this.captures.replaceChildren();
    this.capturesTitle.hidden = true;
    this.againButton.hidden = !e.action;
    this.againButton.disabled = false;
    this.againButton.textContent = e.action === 'retry' ? t('button.retry') : t('button.try_again');
    // .lg-retry: a new attempt; .lg-try-again: the same session (or the camera) once more.
    this.againButton.classList.toggle('lg-retry', e.action === 'retry');
    this.againButton.classList.toggle('lg-try-again', e.action === 'try_again');
    this.doneButton.hidden = !extra.done;
    // The live region announces the ending (the panel shows it).
    this.say(this.prompt, e.state === 'error' ? e.message : `${e.title}: ${e.message}`);
    this.say(this.hint, '');
    // Focus goes to the way on after a failure; after an approval to the outcome itself.
    if (e.action && e.tone !== 'ok') this.againButton.focus({ preventScroll: true });
    else this.title.focus({ preventScroll: false });
  }

  /**
   * The ending after Done (or stop()): no more buttons, and the last line.
   * @param {string} note
   */
  settle(note) {
    this.againButton.hidden = true;
    this.doneButton.hidden = true;
    if (note && !this.next.textContent?.endsWith(note)) {
      this.next.textContent = note;
      this.next.hidden = false;
    }
  }

  /**
   * Shows the face captures; `load` fetches each into an object URL, which the view revokes.
   * @param {AuditImage[]} images
   * @param {(url: string) => Promise<string>} load
   * @returns {Promise<void>}
   */
  async showCaptures(images, load) {
    const { t } = this.tx;
    this.captures.replaceChildren();
    const n = images.length;
    this.capturesTitle.textContent = n ? this.tx.plural('captures.title', n) : '';
    this.capturesTitle.hidden = n === 0;
    await Promise.all(
      images.map(async (image, i) => {
        const img = h('img', { class: 'lg-capture', alt: t('captures.alt', { i: i + 1, n }) });
        this.captures.append(img);
        try {
          const url = await load(image.url);
          if (this.released) return URL.revokeObjectURL(url);
          this.objectUrls.push(url);
          img.src = url;
        } catch {
          img.replaceWith(h('p', { class: 'lg-capture-missing' }, t('captures.missing', { i: i + 1 })));
        }
      }),
    );
  }

  revokeUrls() {
    for (const url of this.objectUrls) URL.revokeObjectURL(url);
    this.objectUrls = [];
  }

  /** Lets go of the captures (the run is over and the host may remove the element). */
  release() {
    this.released = true;
    this.revokeUrls();
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

  /**
   * Shows `hint` now (no wait), e.g. that every condition holds.
   * @param {string} hint
   * @returns {string | null} the hint to show now, or null for no change
   */
  force(hint) {
    this.candidate = '';
    this.count = 0;
    if (hint === this.shown) return null;
    this.shown = hint;
    return hint;
  }

  reset() {
    this.shown = '';
    this.candidate = '';
    this.count = 0;
  }
}
