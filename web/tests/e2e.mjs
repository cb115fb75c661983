#!/usr/bin/env node
// Browser tests of the capture SDK against a running Livegate server: each scenario creates a
// session with the API key, opens the hosted capture page in Chromium (whose fake camera plays a
// test clip), drives it like a person would, checks what the page shows and what the server
// stored, and saves a screenshot.
//
//   node web/tests/e2e.mjs --server http://127.0.0.1:PORT --key API_KEY \
//        --testdata DIR --out target/browser [--only live,replay] [--serve-web web]
//
// --serve-web DIR serves /sdk/*, /capture and /demo from DIR (and forwards everything else to
// --server), to try SDK edits without rebuilding the server that embeds them. The helpers
// shared with esign-e2e.mjs are in lib.mjs.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { check, harness } from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    server: { type: 'string' },
    key: { type: 'string' },
    testdata: { type: 'string' },
    out: { type: 'string', default: 'target/browser' },
    only: { type: 'string' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
    'serve-web': { type: 'string' },
    fps: { type: 'string', default: '5' },
  },
});

function usage(message) {
  console.error(`e2e: ${message}`);
  console.error('usage: node web/tests/e2e.mjs --server URL --key API_KEY --testdata DIR [--out DIR] [--only a,b] [--serve-web WEBDIR]');
  process.exit(2);
}

if (!opts.server) usage('--server is required');
if (!opts.key) usage('--key is required');
if (!opts.testdata) usage('--testdata is required');
if (!fs.existsSync(opts.chromium)) usage(`no Chromium at ${opts.chromium} (apt-get install -y chromium)`);
const { shot, api, y4m, withBrowser, main } = harness({
  server: opts.server,
  key: opts.key,
  testdata: opts.testdata,
  out: opts.out,
  chromium: opts.chromium,
});
const FPS = Number(opts.fps);
const STORAGE_KEY = 'livegate.cameraDeviceId';

// ---- helpers ------------------------------------------------------------------------------

const createSession = (profile) => api('POST', '/v1/sessions', { profile });
const sessionDetail = (id) => api('GET', `/v1/sessions/${id}`);

/** Records the frame uploads the page makes: first-attempt time per idempotency key, answers. */
function watchFrames(page) {
  const rec = { firstSeen: new Map(), attempts: 0, ok: new Set(), duplicates: 0, failed: 0 };
  page.on('request', (r) => {
    if (r.method() !== 'POST' || !/\/v1\/sessions\/[^/]+\/frames$/.test(r.url())) return;
    const key = r.headers()['idempotency-key'];
    rec.attempts++;
    if (!rec.firstSeen.has(key)) rec.firstSeen.set(key, Date.now());
  });
  page.on('requestfailed', (r) => {
    if (/\/frames$/.test(r.url()) && r.method() === 'POST') rec.failed++;
  });
  page.on('response', async (r) => {
    const req = r.request();
    if (req.method() !== 'POST' || !/\/frames$/.test(r.url())) return;
    if (r.status() === 200 || r.status() === 201) {
      rec.ok.add(req.headers()['idempotency-key']);
      if (r.status() === 200) rec.duplicates++;
    }
  });
  return rec;
}

const root = (page) => page.locator('.livegate');

async function waitState(page, state, timeout = 30000) {
  await page.locator(`.livegate[data-state="${state}"]`).waitFor({ timeout });
}

async function openCapture(page, base, token) {
  await page.goto(`${base}/capture?token=${encodeURIComponent(token)}`);
}

/** Start button: pressed with the keyboard (it is focused when the preview is ready). */
async function pressStart(page) {
  await waitState(page, 'ready');
  const button = page.getByRole('button', { name: 'Start', exact: true });
  await button.waitFor({ state: 'visible' });
  await button.focus();
  await page.keyboard.press('Enter');
  await waitState(page, 'capturing', 5000).catch(() => {});
}

async function resultOf(page, timeout = 90000) {
  await waitState(page, 'result', timeout);
  return {
    title: (await page.locator('.lg-result-title').textContent())?.trim() ?? '',
    status: (await page.locator('.lg-prompt').textContent())?.trim() ?? '',
    reasons: await page.locator('.lg-reasons li').allTextContents(),
    stats: await page.evaluate(() => ({ .../** @type {any} */ (window).__livegateStats })),
  };
}

async function checkLiveRegions(page) {
  for (const sel of ['.lg-prompt', '.lg-hint']) {
    const el = page.locator(sel);
    check((await el.getAttribute('role')) === 'status', `${sel} has role=status`);
    check((await el.getAttribute('aria-live')) === 'polite', `${sel} has aria-live=polite`);
  }
}

/** Frames the page uploaded vs the server's count, and (with `rate`) the upload rate. */
async function checkFrames(label, sessionId, stats, rec, rate) {
  const detail = await sessionDetail(sessionId);
  const distinct = rec.ok.size;
  check(
    detail.frames_received === stats.uploaded && stats.uploaded === distinct,
    `${label}: server frames_received ${detail.frames_received}, page uploaded ${stats.uploaded}, distinct keys answered ${distinct}`,
  );
  const span = stats.lastT - stats.firstT;
  const captureRate = span > 0 ? (stats.captured - 1) / span : 0;
  const times = [...rec.firstSeen.values()].sort((a, b) => a - b);
  const wireRate = times.length > 1 ? ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]) : 0;
  const within = (r) => !rate || (r >= FPS * 0.7 && r <= FPS * 1.3);
  check(within(captureRate), `${label}: capture rate ${captureRate.toFixed(2)}/s not within 30 % of ${FPS}/s`);
  check(within(wireRate), `${label}: upload rate ${wireRate.toFixed(2)}/s not within 30 % of ${FPS}/s`);
  return (
    `${label} frames ${detail.frames_received}=${stats.uploaded}, capture ${captureRate.toFixed(1)} fps, upload ${wireRate.toFixed(1)} fps, ` +
    `skipped ${stats.skipped}, retried ${stats.retried}, duplicates ${stats.duplicates}`
  );
}

async function checkCaptures(page, expected) {
  const imgs = page.locator('.lg-captures img');
  await page.waitForFunction(
    (n) => {
      const all = [...document.querySelectorAll('.lg-captures img')];
      return all.length === n && all.every((i) => /** @type {HTMLImageElement} */ (i).complete && /** @type {HTMLImageElement} */ (i).naturalWidth > 0);
    },
    expected,
    { timeout: 15000 },
  );
  check((await imgs.count()) === expected, `expected ${expected} capture images`);
  const heading = (await page.locator('.lg-captures-title').textContent())?.trim();
  check(heading === `${expected} face captures`, `captures heading "${heading}"`);
  const srcs = await imgs.evaluateAll((all) => all.map((i) => /** @type {HTMLImageElement} */ (i).src));
  check(srcs.every((s) => s.startsWith('blob:')), 'capture images use object URLs');
}

// ---- scenarios ----------------------------------------------------------------------------

const shared = {};
const scenarios = [];
const scenario = (name, fn) => scenarios.push({ name, fn });

scenario('live', async (base) => {
  const created = await createSession({
    liveness_mode: 'active',
    liveness_challenges: ['smile'],
    fixed_order: true,
    challenge_time_frame_s: 10,
  });
  return withBrowser('live', y4m('videos/active_actions/liveportrait_d5.mp4'), async (page) => {
    const rec = watchFrames(page);
    await openCapture(page, base, created.client_token);
    await waitState(page, 'ready');
    await checkLiveRegions(page);
    check(await page.locator('.lg-switch').isHidden(), 'switch button hidden with one camera');
    await shot(page, 'live-ready');
    await pressStart(page);
    await page.waitForTimeout(1500);
    const prompt = (await page.locator('.lg-prompt').textContent()) ?? '';
    check(/Smile/.test(prompt), `prompt while capturing: "${prompt}"`);
    check(await page.locator('.lg-countdown').isVisible(), 'countdown visible');
    await shot(page, 'live-capturing');
    const r = await resultOf(page);
    const detail = await sessionDetail(created.id);
    check(detail.status === 'approved', `status ${detail.status}, reasons ${JSON.stringify(detail.reasons)}, selfie ${JSON.stringify(detail.selfie)}`);
    check(r.title === 'Verification complete', `title "${r.title}"`);
    check(detail.audit_images.length === 3, `audit images ${detail.audit_images.length}`);
    await checkCaptures(page, detail.audit_images.length);
    check(await page.getByRole('button', { name: 'Retry' }).isHidden(), 'no Retry after approval');
    shared.live = { id: created.id, stats: r.stats, rec };
    return `approved, score ${detail.selfie?.liveness_score}, ${detail.audit_images.length} captures`;
  });
});

scenario('replay', async (base) => {
  const created = await createSession({ liveness_mode: 'passive', frames: 10 });
  return withBrowser('replay', y4m('spoof/replay_video/zubair_fake.mp4'), async (page) => {
    const rec = watchFrames(page);
    // A transient network failure on two uploads: frame 2's first try never reaches the server;
    // frame 3's first try is stored by the server but its answer is lost; frame 5's first try
    // is answered 503 busy. The SDK retries each with the same idempotency key, so nothing may
    // be stored twice.
    const firstTry = new Set();
    let nth = 0;
    const interfered = { before: 0, after: 0, busy: 0 };
    await page.route(/\/v1\/sessions\/[^/]+\/frames$/, async (route) => {
      const key = route.request().headers()['idempotency-key'];
      if (firstTry.has(key)) return route.continue();
      firstTry.add(key);
      nth++;
      if (nth === 2) {
        interfered.before++;
        return route.abort('failed');
      }
      if (nth === 3) {
        const answer = await route.fetch();
        check(answer.status() === 201, `frame 3 stored (${answer.status()})`);
        interfered.after++;
        return route.abort('failed');
      }
      if (nth === 5) {
        interfered.busy++;
        return route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'busy', message: 'the server is busy; retry shortly' } }),
        });
      }
      return route.continue();
    });
    await openCapture(page, base, created.client_token);
    await pressStart(page);
    check(((await page.locator('.lg-prompt').textContent()) ?? '').includes('Look at the camera'), 'passive prompt');
    const r = await resultOf(page);
    const detail = await sessionDetail(created.id);
    check(detail.status === 'declined', `status ${detail.status}, reasons ${JSON.stringify(detail.reasons)}`);
    check(r.title === 'Verification failed', `title "${r.title}"`);
    check(r.reasons.length > 0 && r.reasons.every((t) => t.length > 0 && !/_/.test(t)), `reasons shown in words: ${JSON.stringify(r.reasons)}`);
    check(interfered.before === 1 && interfered.after === 1 && interfered.busy === 1, `interference ${JSON.stringify(interfered)}`);
    check(r.stats.retried >= 3, `page retried ${r.stats.retried} uploads`);
    check(r.stats.duplicates >= 1 && rec.duplicates >= 1, `server answered the lost upload's retry as a duplicate (${r.stats.duplicates})`);
    check(await page.getByText('Make sure only you are in view.').isVisible(), 'guidance shown');
    shared.replay = { id: created.id, stats: r.stats, rec };
    return `declined: ${r.reasons.join('; ')} (${detail.reasons.join(', ')})`;
  });
});

scenario('timeout-retry', async (base) => {
  const created = await createSession({
    liveness_mode: 'active',
    liveness_challenges: ['smile'],
    fixed_order: true,
    challenge_time_frame_s: 4,
    retries: 1,
  });
  return withBrowser(
    'timeout-retry',
    y4m('videos/webcam_selfie/lestari_real.mp4'),
    async (page) => {
      await openCapture(page, base, created.client_token);
      // prefers-reduced-motion is honoured: no transitions.
      const transition = await page.locator('.lg-oval').evaluate((el) => getComputedStyle(el).transitionDuration);
      check(transition === '0s', `reduced motion: oval transition ${transition}`);
      await pressStart(page);
      await page.waitForTimeout(2500);
      await shot(page, 'timeout-retry-capturing');
      const first = await resultOf(page, 60000);
      check(await page.getByText('Time Out', { exact: true }).isVisible(), `"Time Out" shown (reasons ${JSON.stringify(first.reasons)})`);
      const retry = page.getByRole('button', { name: 'Retry' });
      check(await retry.isVisible(), 'Retry shown with an attempt left');
      await shot(page, 'timeout-retry-1');
      const d1 = await sessionDetail(created.id);
      // The server names a challenge never seen within its window `challenge_missing` (its
      // `timeout` is for one seen too late); the page ended the capture on its countdown.
      check(
        d1.status === 'declined' && (d1.reasons.includes('timeout') || d1.reasons.includes('challenge_missing')),
        `attempt 1: ${d1.status} ${JSON.stringify(d1.reasons)}`,
      );
      await retry.click();
      await pressStart(page);
      const second = await resultOf(page, 60000);
      check(second.stats.sessionId && second.stats.sessionId !== created.id, 'second attempt is a new session');
      const d2 = await sessionDetail(second.stats.sessionId);
      check(d2.attempt === 2 && d2.attempts_remaining === 0, `attempt 2: ${d2.attempt}, remaining ${d2.attempts_remaining}`);
      check(await page.getByText('Time Out', { exact: true }).isVisible(), `"Time Out" shown again (${JSON.stringify(second.reasons)})`);
      check(await retry.isHidden(), 'no Retry when attempts are used up');
      check(await page.getByText('No attempts remain.').isVisible(), 'says no attempts remain');
      const done = await page.evaluate(() => /** @type {any} */ (window).livegateResult);
      check(done && done.status === 'declined' && done.attemptsRemaining === 0, `final result ${JSON.stringify(done)?.slice(0, 200)}`);
      return `Time Out twice (server reasons ${d1.reasons.join(',')} / ${d2.reasons.join(',')}), attempts exhausted`;
    },
    { reducedMotion: 'reduce' },
  );
});

scenario('permission-denied', async (base) => {
  const created = await createSession({ liveness_mode: 'passive' });
  return withBrowser('permission-denied', y4m('videos/active_actions/liveportrait_d5.mp4'), async (page, context) => {
    // The first request is refused; the next ones reach the (fake) camera, as after the user
    // allowed the camera in the browser's settings.
    await page.addInitScript(() => {
      const md = navigator.mediaDevices;
      const real = md.getUserMedia.bind(md);
      let calls = 0;
      Object.defineProperty(md, 'getUserMedia', {
        configurable: true,
        value: (c) => (++calls === 1 ? Promise.reject(new DOMException('denied', 'NotAllowedError')) : real(c)),
      });
    });
    await openCapture(page, base, created.client_token);
    await page.locator('.livegate[data-state="error"]').waitFor({ timeout: 15000 });
    check((await root(page).getAttribute('data-error')) === 'camera_denied', 'error code camera_denied');
    const text = (await page.locator('.lg-prompt').textContent()) ?? '';
    check(text.startsWith('Camera access was denied.'), `message: "${text}"`);
    const again = page.getByRole('button', { name: 'Try again' });
    check(await again.isVisible(), 'Try again offered');
    await shot(page, 'permission-denied');
    await again.click();
    await waitState(page, 'ready', 15000);

    // The other camera failures, each with its own message and never a blank screen.
    const cases = [
      ['NotFoundError', 'camera_not_found', 'No camera was found.'],
      ['OverconstrainedError', 'camera_not_found', 'No camera was found.'],
      ['NotReadableError', 'camera_busy', 'The camera is busy'],
      [null, 'insecure_context', 'The camera can only be used on a secure page.'],
    ];
    for (const [errorName, code, start] of cases) {
      const other = await context.newPage();
      await other.addInitScript((name) => {
        if (name === null) {
          Object.defineProperty(Navigator.prototype, 'mediaDevices', { configurable: true, get: () => undefined });
        } else {
          Object.defineProperty(navigator.mediaDevices, 'getUserMedia', {
            configurable: true,
            value: () => Promise.reject(new DOMException('refused', name)),
          });
        }
      }, errorName);
      await openCapture(other, base, created.client_token);
      await other.locator('.livegate[data-state="error"]').waitFor({ timeout: 15000 });
      const got = await other.locator('.livegate').getAttribute('data-error');
      const message = (await other.locator('.lg-prompt').textContent()) ?? '';
      check(got === code && message.startsWith(start), `${errorName}: ${got} "${message}"`);
      const tryAgain = await other.getByRole('button', { name: 'Try again' }).isVisible();
      check(tryAgain === (code !== 'insecure_context'), `${errorName}: Try again ${tryAgain}`);
      await shot(other, `camera-error-${errorName ?? 'insecure'}`);
      await other.close();
    }
    return 'permission-denied message, Try again recovers; not found / busy / insecure messages shown';
  });
});

scenario('camera-switch', async (base) => {
  const created = await createSession({ liveness_mode: 'passive' });
  return withBrowser('camera-switch', y4m('videos/active_actions/liveportrait_d5.mp4'), async (page) => {
    await page.addInitScript(() => {
      const w = /** @type {any} */ (window);
      w.__requested = [];
      const md = navigator.mediaDevices;
      const real = md.getUserMedia.bind(md);
      const fake = (id, label) => ({ deviceId: id, groupId: `g-${id}`, kind: 'videoinput', label, toJSON() { return this; } });
      Object.defineProperty(md, 'enumerateDevices', {
        configurable: true,
        value: async () => [fake('cam-front', 'Front camera'), fake('cam-back', 'Back camera')],
      });
      Object.defineProperty(md, 'getUserMedia', {
        configurable: true,
        value: async (constraints) => {
          const v = constraints && constraints.video;
          let id = null;
          if (v && typeof v === 'object' && v.deviceId) id = typeof v.deviceId === 'string' ? v.deviceId : v.deviceId.exact ?? v.deviceId.ideal ?? null;
          w.__requested.push(id);
          return real({ video: true, audio: false });
        },
      });
    });
    await openCapture(page, base, created.client_token);
    await waitState(page, 'ready');
    const button = page.getByRole('button', { name: 'Switch camera' });
    check(await button.isVisible(), 'switch button shown with two cameras');
    check(await button.isEnabled(), 'switch button enabled');
    let requested = await page.evaluate(() => /** @type {any} */ (window).__requested);
    check(requested.length === 1 && requested[0] === null, `first request without a device: ${JSON.stringify(requested)}`);
    await button.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /** @type {any} */ (window).__requested.length >= 2);
    requested = await page.evaluate(() => /** @type {any} */ (window).__requested);
    check(requested[1] === 'cam-back', `switch requested ${JSON.stringify(requested)}`);
    // Remembered once that camera has started.
    await page.waitForFunction((k) => localStorage.getItem(k) !== null, STORAGE_KEY, { timeout: 10000 }).catch(() => {});
    const stored = await page.evaluate((k) => localStorage.getItem(k), STORAGE_KEY);
    check(stored === 'cam-back', `remembered device ${stored}`);
    await page.locator('.lg-switch:not([disabled])').waitFor({ timeout: 10000 });
    await page.waitForFunction(() => (document.querySelector('video')?.videoWidth ?? 0) > 0);
    await shot(page, 'camera-switch-1');
    await page.reload();
    await waitState(page, 'ready');
    requested = await page.evaluate(() => /** @type {any} */ (window).__requested);
    check(requested[0] === 'cam-back', `after reload the remembered device is requested first: ${JSON.stringify(requested)}`);
    await page.getByRole('button', { name: 'Switch camera' }).click();
    await page.waitForFunction(() => /** @type {any} */ (window).__requested.length >= 2);
    requested = await page.evaluate(() => /** @type {any} */ (window).__requested);
    check(requested[1] === 'cam-front', `second switch wraps to the first camera: ${JSON.stringify(requested)}`);
    await page.waitForFunction((k) => localStorage.getItem(k) === 'cam-front', STORAGE_KEY, { timeout: 10000 }).catch(() => {});
    check((await page.evaluate((k) => localStorage.getItem(k), STORAGE_KEY)) === 'cam-front', 'cam-front remembered');
    await waitState(page, 'ready');
    // stop() ends the camera and settles the run.
    await page.evaluate(() => /** @type {any} */ (window).livegateRun.stop());
    await page.waitForFunction(() => /** @type {any} */ (window).livegateResult?.status === 'stopped');
    check((await root(page).getAttribute('data-state')) === 'stopped', 'stopped state');
    check(await page.locator('video').evaluate((v) => /** @type {HTMLVideoElement} */ (v).srcObject === null), 'camera released');
    return 'cam-back requested and remembered; reload requests it first; stop() releases the camera';
  }, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
});

scenario('multi-step', async (base) => {
  // Three challenges in a fixed order; the clip smiles (0-3 s), turns to the subject's right
  // (~6.8-9.2 s), then to their left (~9.5-11.7 s). Each prompt must follow the server's
  // progress with its own countdown.
  const created = await createSession({
    liveness_mode: 'active',
    liveness_challenges: ['smile', 'head_right', 'head_left'],
    fixed_order: true,
    challenge_time_frame_s: 10,
  });
  return withBrowser('multi-step', y4m('videos/webcam_selfie/zubair_real.mov'), async (page) => {
    await page.addInitScript(() => {
      const w = /** @type {any} */ (window);
      w.__prompts = [];
      new MutationObserver(() => {
        const text = document.querySelector('.lg-prompt')?.textContent ?? '';
        if (text && w.__prompts[w.__prompts.length - 1] !== text) w.__prompts.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await openCapture(page, base, created.client_token);
    await pressStart(page);
    await page.locator('.lg-step-current[data-challenge="head_right"]').waitFor({ timeout: 20000 });
    await shot(page, 'multi-step-2');
    const r = await resultOf(page, 60000);
    const prompts = await page.evaluate(() => /** @type {any} */ (window).__prompts);
    const steps = prompts.filter((p) => /\(step \d of 3\)$/.test(p));
    check(
      JSON.stringify(steps) ===
        JSON.stringify(['Smile (step 1 of 3)', 'Turn your head to your right (step 2 of 3)', 'Turn your head to your left (step 3 of 3)']),
      `prompts in plan order: ${JSON.stringify(prompts)}`,
    );
    const detail = await sessionDetail(created.id);
    check(detail.status === 'approved', `status ${detail.status} ${JSON.stringify(detail.reasons)} completed ${JSON.stringify(detail.selfie?.challenges_completed)}`);
    return `prompts followed the plan, ${detail.status}`;
  });
});

scenario('completed-elsewhere', async (base) => {
  // The backend completes the session while the page is still capturing: the next upload is
  // refused (409 session_completed) and the page shows the stored result instead.
  const created = await createSession({ liveness_mode: 'passive', frames: 10 });
  return withBrowser('completed-elsewhere', y4m('videos/active_actions/liveportrait_d5.mp4'), async (page) => {
    const refused = [];
    page.on('response', (r) => {
      if (/\/frames$/.test(r.url()) && r.status() >= 400) refused.push(r.status());
    });
    await openCapture(page, base, created.client_token);
    await pressStart(page);
    await page.waitForFunction(() => (/** @type {any} */ (window).__livegateStats?.uploaded ?? 0) >= 1);
    const done = await api('POST', `/v1/sessions/${created.id}/complete`);
    const r = await resultOf(page, 30000);
    check(refused.includes(409), `an upload was refused with 409 (${JSON.stringify(refused)})`);
    check(r.title.length > 0 && (await page.locator('.livegate').getAttribute('data-error')) === null, `result "${r.title}"`);
    return `page showed the stored result (${done.status}) after 409`;
  });
});

scenario('frames', async () => {
  const notes = [];
  check(shared.live, 'needs the live scenario');
  notes.push(await checkFrames('live', shared.live.id, shared.live.stats, shared.live.rec, true));
  // The replay run had two uploads interfered with (see there): counts only.
  if (shared.replay) notes.push(await checkFrames('replay', shared.replay.id, shared.replay.stats, shared.replay.rec, false));
  return notes.join('; ');
});

scenario('demo', async (base) =>
  withBrowser('demo', y4m('videos/active_actions/liveportrait_d5.mp4'), async (page) => {
    await page.goto(`${base}/demo`);
    await page.getByLabel('API key').fill(opts.key);
    await page.getByLabel('Passive').check();
    await page.getByLabel('Retries').fill('0');
    await shot(page, 'demo-form');
    await page.getByRole('button', { name: 'Create session and start' }).click();
    await pressStart(page);
    const r = await resultOf(page);
    check(r.stats.sessionId, 'a session was created');
    const detail = await sessionDetail(r.stats.sessionId);
    check(detail.profile.liveness_mode === 'passive' && detail.profile.retries === 0, `profile ${JSON.stringify(detail.profile)}`);
    check(['approved', 'declined', 'review'].includes(detail.status), `status ${detail.status}`);
    return `demo session ${detail.status}`;
  }),
);

// ---- main ---------------------------------------------------------------------------------

main(scenarios, { only: opts.only, serveWeb: opts['serve-web'], usage }).catch((e) => {
  console.error(e);
  process.exit(1);
});
