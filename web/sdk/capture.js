// @ts-check
/**
 * Livegate SDK capture loop of one session: frames are taken at `fps` and uploaded from the
 * moment Start is pressed; the server's answer to each one drives what is shown.
 *
 * 1. Gate: until an answer says `gate.passed`, only live guidance from `gate.hint` is shown
 *    (no challenge prompt, no countdown); the oval is green only while `gate.ok`. The gate has
 *    `gateTimeoutS` to pass.
 * 2. Active sessions: the plan's challenges are prompted in order, each with its countdown from
 *    where the previous one completed (the first from the gate's `t`), with a live cue from
 *    `progress.current`; the next prompt follows when `challenges_completed` grows. Capture
 *    goes on until the plan is complete or the current challenge's window ends.
 *    `color_flash` (always first when asked) shows the plan's colour sequence once over the
 *    page (flash.js); each frame taken meanwhile carries the step on screen.
 *    Passive sessions: a burst of `profile.frames` frames (at least 3) after the gate.
 *
 * An answer without `gate` (an older server) counts as a passed gate.
 */

import { swapChallenge } from './alternative.js';
import { Uploader, activeChallenges } from './api.js';
import { FlashDisplay } from './flash.js';
import { promptText } from './text.js';
import { HintDebouncer } from './view.js';

/** Frames per second while a blink is asked for (when `fps` is lower). */
const BLINK_FPS = 10;

/** @typedef {import('./livegate.js').SessionDetail} SessionDetail */
/** @typedef {import('./livegate.js').FrameAnswer} FrameAnswer */
/** @typedef {import('./livegate.js').ChallengeProgress} ChallengeProgress */
/** @typedef {import('./api.js').Client} Client */
/** @typedef {import('./api.js').ApiError} ApiError */
/** @typedef {import('./camera.js').Camera} Camera */
/** @typedef {import('./view.js').View} View */
/** @typedef {import('./text.js').Texts} Texts */

/**
 * @typedef {Object} CaptureContext
 * @property {Client} api
 * @property {SessionDetail} session
 * @property {Camera} camera
 * @property {View} view
 * @property {Texts} tx
 * @property {number} fps
 * @property {number} jpegQuality
 * @property {number} gateTimeoutS
 * @property {number} t0 performance.now() at the session's capture time 0 (kept across gate restarts)
 * @property {{ captured: number, uploaded: number, retried: number, duplicates: number, dropped: number, skipped: number, firstT: number, lastT: number }} stats
 * @property {() => boolean} isStopped
 */

/**
 * How a capture ended.
 * @typedef {Object} CaptureOutcome
 * @property {'complete' | 'gate_timeout' | 'closed' | 'fatal' | 'network' | 'stopped'} end
 * @property {boolean} timedOut a challenge's window ran out on this page
 * @property {string | null} hint the last gate hint code seen
 * @property {'gate' | 'challenge' | 'capture'} stage where it was
 * @property {{ code: string, message: string } | null} closed why the session took no more frames
 * @property {ApiError | null} fatal an answer that makes the link unusable
 */

/**
 * The live cue for the challenge under way, as [code, text key] or null.
 * @param {string} challenge
 * @param {ChallengeProgress | null | undefined} current
 * @returns {[string, string] | null}
 */
export function cueOf(challenge, current) {
  if (!current || current.challenge !== challenge) return null;
  const turn = challenge === 'head_left' || challenge === 'head_right';
  if (current.phase === 'return') {
    if (turn) return ['turn_return', 'cue.turn_return'];
    if (challenge === 'smile') return ['smile_return', 'cue.smile_return'];
    if (challenge === 'blink') return ['blink_return', 'cue.blink_return'];
    return null;
  }
  if (current.phase === 'move' && typeof current.fraction === 'number' && current.fraction >= 0.35 && current.fraction < 1) {
    if (turn) return ['turn_further', 'cue.turn_further'];
    if (challenge === 'smile') return ['smile_bigger', 'cue.smile_bigger'];
  }
  return null;
}

/** One capture of a session (a gate restart is a new Capture on the same session clock). */
export class Capture {
  /** @param {CaptureContext} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    /** @type {() => void} */
    this.wake = () => {};
    this.stopped = false;
    /** @type {Uploader | null} */
    this.up = null;
    /** Where the capture is. @type {'gate' | 'challenge' | 'capture'} */
    this.phase = 'gate';
    /** @type {FlashDisplay | null} */
    this.flash = null;
    /** "I can't do this" on the challenge under way (set while running); resolves to whether
     * the alternative was granted. @type {() => Promise<boolean>} */
    this.cantDo = async () => false;
  }

  stop() {
    this.stopped = true;
    this.flash?.stop();
    if (this.up) this.up.running = false;
    this.wake();
  }

  /** @returns {Promise<CaptureOutcome>} */
  async run() {
    const { api, session, camera, view, tx, stats } = this.ctx;
    const { t } = tx;
    const challenges = activeChallenges(session).slice();
    const active = challenges.length > 0;
    const burst = Math.max(3, session.profile?.frames ?? 3);
    const minFrames = Math.max(1, session.profile?.frames ?? 1);
    // A blink lasts 0.1-0.3 s: while one is asked for, frames are taken at BLINK_FPS at least,
    // so the closed eyes are seen whatever the phase of the capture clock.
    // The flash wants several frames per colour too.
    const fast = () => phase === 'challenge' && ['blink', 'color_flash'].includes(challenges[current]?.challenge ?? '');
    const intervalNow = () => 1000 / (fast() ? Math.max(this.ctx.fps, BLINK_FPS) : this.ctx.fps);
    const flash = new FlashDisplay(view.root, tx, view.noFlashButton);
    this.flash = flash;
    let flashStarted = false;
    const flashSeconds = (session.plan?.flash?.steps ?? []).reduce((sum, s) => sum + s.duration_s, 0);
    /** Seconds allowed for challenge `i` on this page (the flash's own length on top). @param {number} i */
    const windowOf = (i) => challenges[i].time_frame_s + (challenges[i].challenge === 'color_flash' ? flashSeconds : 0);
    const maybeFlash = () => {
      if (flashStarted || allDone() || challenges[current].challenge !== 'color_flash' || !session.plan?.flash) return;
      flashStarted = true;
      view.setCue('', '');
      void flash.run(session.plan.flash).then(() => {
        if (!allDone() && challenges[current].challenge === 'color_flash' && !timedOut) view.say(view.prompt, t('prompt.flash_done'));
      });
    };
    let swapping = false;
    this.cantDo = async () => {
      const asked = challenges[current];
      if (!asked?.alternative || swapping || timedOut || !up.running) return false;
      swapping = true;
      view.cantButton.disabled = true;
      const granted = await swapChallenge(api, session, asked.challenge).catch(() => false);
      swapping = false;
      view.cantButton.disabled = false;
      if (!granted || !up.running) {
        asked.alternative = false;
        view.cantButton.hidden = true;
        view.say(view.hint, t('alt.refused'));
        return false;
      }
      // The rest of the plan as the server redrew it; the window under way goes on (the
      // server added the time already spent to the replacement's).
      challenges.splice(0, challenges.length, ...activeChallenges(session));
      if (asked.challenge === 'color_flash') flash.stop();
      view.showChallenge(challenges, current);
      view.setCue('', '');
      const prompt = challenges[current] ? promptText(challenges[current].challenge, tx.table) : '';
      view.say(view.hint, t('alt.swapped', { prompt }));
      updateClock();
      return true;
    };
    const maxQueue = Math.max(2, Math.ceil(Math.max(this.ctx.fps, BLINK_FPS)));
    const started = performance.now();
    const nowT = () => (performance.now() - this.ctx.t0) / 1000;
    const canvas = document.createElement('canvas');
    const ctx2d = canvas.getContext('2d');
    if (!ctx2d) throw new Error(t('camera.no_canvas'));

    /** @type {'gate' | 'challenge' | 'capture'} */
    let phase = 'gate';
    this.phase = phase;
    /** Capture time the gate passed at (the challenge clock's zero). @type {number | null} */
    let gateT = null;
    /** @type {string | null} */
    let lastHint = null;
    let gateTimedOut = false;
    let timedOut = false;
    let overrun = false;
    let current = 0; // index of the challenge under way
    let windowStartT = 0; // capture time its window began
    let afterGate = 0; // frames answered with t after the gate (passive burst)
    const budgetMs =
      (this.ctx.gateTimeoutS + challenges.reduce((sum, _, i) => sum + windowOf(i), 0) + (2 * burst) / this.ctx.fps + 15) * 1000;
    const hints = new HintDebouncer();
    const finished = new Promise((resolve) => {
      this.wake = () => resolve(undefined);
    });
    const up = new Uploader(api, session.id, stats, (a) => onAnswer(a), () => checkFinished(), () => this.ctx.isStopped());
    this.up = up;

    const allDone = () => current >= challenges.length;
    const wantMore = () => {
      if (!up.running || gateTimedOut || timedOut || overrun || up.closed) return false;
      if (phase === 'gate') return true;
      if (phase === 'challenge') return !(allDone() && up.accepted + up.pending >= minFrames);
      return afterGate + up.pending < burst;
    };
    const checkFinished = () => {
      if (!up.running) return;
      const idle = up.pending === 0;
      let end = false;
      if (up.closed) end = true;
      else if (gateTimedOut || timedOut || overrun) end = idle;
      else if (phase === 'challenge') end = idle && allDone() && up.accepted >= minFrames;
      else if (phase === 'capture') end = idle && afterGate >= burst;
      if (end) {
        up.running = false;
        this.wake();
      }
    };

    view.setState('gate');
    view.setTone('idle');
    view.stage.resetOval();
    view.showSteps(challenges, -1);
    view.say(view.prompt, t('prompt.gate'));
    view.setHint('', '');
    camera.updateSwitch();

    /** @param {number} passedAt */
    const passGate = (passedAt) => {
      gateT = passedAt;
      phase = active ? 'challenge' : 'capture';
      this.phase = phase;
      view.setState(phase);
      view.setHint('', '');
      if (active) {
        windowStartT = passedAt;
        view.showChallenge(challenges, current);
        view.setCue('', '');
        maybeFlash();
      } else {
        view.say(view.prompt, t('prompt.passive'));
        view.stage.showBar(0);
      }
      updateClock();
    };

    const updateClock = () => {
      if (!up.running) return;
      if (performance.now() - started > budgetMs && !overrun) {
        overrun = true;
        checkFinished();
      }
      if (phase === 'gate') {
        if (performance.now() - started > this.ctx.gateTimeoutS * 1000 && !gateTimedOut) {
          gateTimedOut = true;
          checkFinished();
        }
      } else if (phase === 'challenge') {
        if (allDone()) return view.stage.hideClock();
        const total = windowOf(current);
        const left = total - (nowT() - windowStartT);
        view.stage.showCountdown(left, total, t('countdown.label'));
        if (left <= 0 && !timedOut) {
          timedOut = true;
          view.say(view.prompt, t('prompt.time_up'));
          view.setCue('', '');
          checkFinished();
        }
      } else {
        view.stage.showBar(1 - afterGate / burst);
      }
    };
    const clockTimer = setInterval(updateClock, 100);

    /** @param {FrameAnswer} answer */
    const onAnswer = (answer) => {
      const gate = answer.gate && typeof answer.gate === 'object' ? answer.gate : null;
      view.stage.setOval(answer.oval);
      view.stage.setOk(gate?.ok === true);
      if (gate?.hint) lastHint = gate.hint;
      if (phase === 'gate') {
        if (!gate || gate.passed) {
          // A pass answered after the time limit (while the last frames were out) still counts.
          gateTimedOut = false;
          passGate(gate && typeof gate.t === 'number' ? gate.t : answer.t ?? nowT());
        } else {
          const code = gate.hint ?? (gate.ok ? 'gate_ok' : '');
          const shown = code === 'gate_ok' ? hints.force(code) : hints.push(code);
          // data-hint carries the gate's hint code ('' while every condition holds).
          if (shown !== null) view.setHint(shown === 'gate_ok' ? '' : shown, shown ? t(`hint.${shown}`) || '' : '');
          return;
        }
      }
      if (phase === 'challenge') {
        const progress = answer.progress;
        const done = Array.isArray(progress?.challenges_completed) ? progress.challenges_completed.length : 0;
        if (done > current && !timedOut) {
          current = Math.min(done, challenges.length);
          windowStartT = typeof answer.t === 'number' ? answer.t : nowT();
          view.showChallenge(challenges, current);
          view.setCue('', '');
          updateClock();
          maybeFlash();
        }
        if (!allDone() && !timedOut) {
          const cue = cueOf(challenges[current].challenge, progress?.current);
          view.setCue(cue ? cue[0] : '', cue ? t(cue[1]) : '');
        }
      } else if (phase === 'capture' && gateT !== null && typeof answer.t === 'number' && answer.t > gateT) {
        afterGate++;
        updateClock();
      }
    };

    let nextAt = started;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let tickTimer;
    const onTick = async () => {
      if (!up.running) return;
      nextAt += intervalNow();
      if (wantMore()) {
        if (up.pending >= maxQueue) {
          stats.skipped++;
        } else {
          const at = nowT();
          const lit = flash.current();
          const blob = await camera.grab(canvas, ctx2d, this.ctx.jpegQuality);
          if (blob && up.running) {
            stats.captured++;
            if (stats.captured === 1) stats.firstT = at;
            stats.lastT = at;
            up.add(blob, at, lit);
          }
        }
      }
      checkFinished();
      if (up.running) tickTimer = setTimeout(onTick, Math.max(0, nextAt - performance.now()));
    };
    void onTick();
    updateClock();

    await finished;
    flash.stop();
    clearTimeout(tickTimer);
    clearInterval(clockTimer);
    up.running = false;
    /** @type {CaptureOutcome} */
    const outcome = { end: 'complete', timedOut, hint: lastHint, stage: phase, closed: null, fatal: null };
    if (this.stopped || this.ctx.isStopped()) return { ...outcome, end: 'stopped' };
    // Let the frames already sent answer (they count for the verdict).
    await up.drain();
    if (this.stopped || this.ctx.isStopped()) return { ...outcome, end: 'stopped' };
    outcome.hint = lastHint;
    const closed = up.closed;
    if (closed) {
      outcome.closed = closed;
      if (up.fatal) return { ...outcome, end: 'fatal', fatal: up.fatal };
      if (closed.code === 'network_error') return { ...outcome, end: 'network' };
      if (closed.code === 'session_completed' || closed.code === 'session_expired') return { ...outcome, end: 'closed' };
    }
    if (phase === 'gate' && (gateTimedOut || overrun)) return { ...outcome, end: 'gate_timeout' };
    return outcome;
  }
}
