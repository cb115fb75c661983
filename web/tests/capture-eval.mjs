#!/usr/bin/env node
// Browser capture evaluation (issue 12, Deliver 7): for each case of a cases file, the clip is
// turned into a fake camera in its framing (framings.mjs), a session is created with the API key
// (the case's mode and fixed challenge order), the hosted capture page is opened in headless
// Chromium, Start is clicked like a person would, and the SDK runs untouched to its final result.
// One JSON line per case goes to stdout (and to <out>/results.jsonl); `livegate analyze` on the
// same converted clip gives `analyze_decision` beside the browser's decision. Screenshots of the
// states passed through go to --shots as <id>-<viewport>-<state>.png.
//
//   node web/tests/capture-eval.mjs --server URL --key KEY --bin target/release/livegate \
//        --cases eval/capture-cases.json [--out target/capture-eval] [--shots target/browser/capture]
//        [--only id,id] [--viewports 390x844,1280x800] [--serve-web web]
//   node web/tests/capture-eval.mjs --check target/capture-eval/results.jsonl
//
// Cases: [{"id", "clip", "mode": "active"|"passive", "challenges": [...], "expect":
// "approved"|"declined"|"held", "framing" (framings.mjs; default native), "clip2" (second clip of
// twofaces), "viewports" (default ["1280x800"]; the first one's run is the line's result, the
// others' are under "viewports")}], clip paths relative to the repository root. Each challenge's
// window is the clip's duration + 2 s (at most 60), so a looping clip shows each action in it.
//
// Normally started by scripts/capture-eval.sh, which starts the server. Exits 1 only when a case
// could not be run (clip missing, ffmpeg or the browser failed, server gone); a wrong decision
// is for --check, which applies the issue's "must be shown" rules and exits 1 on a violation.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Failure, harness, webProxy } from './lib.mjs';
import { FRAMINGS, makeVideo } from './framings.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_VIEWPORT = '1280x800';
/** The SDK's frame rate on the hosted page (its default); `analyze` samples the clip at it too. */
const SDK_FPS = 5;
/** Poll period of the page while it runs (screenshots of new states, the final result). */
const POLL_MS = 100;
/** Most intermediate screenshots of one run. */
const MAX_SHOTS = 12;
/** The SDK root's data-state while it captures, and at an ending. */
const CAPTURING = ['capturing', 'gate', 'challenge', 'capture'];
const ENDED = ['result', 'error', 'stopped', 'cancelled'];

const { values: opts } = parseArgs({
  options: {
    server: { type: 'string' },
    key: { type: 'string' },
    bin: { type: 'string' },
    cases: { type: 'string' },
    out: { type: 'string', default: path.join(REPO, 'target/capture-eval') },
    shots: { type: 'string', default: path.join(REPO, 'target/browser/capture') },
    only: { type: 'string' },
    viewports: { type: 'string' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
    check: { type: 'string' },
    'serve-web': { type: 'string' },
  },
});

const err = (...a) => console.error('capture-eval:', ...a);

function usage(message) {
  err(message);
  console.error(
    'usage: node web/tests/capture-eval.mjs --server URL --key KEY --bin LIVEGATE --cases CASES.json [--out DIR] [--shots DIR] [--only a,b] [--viewports WxH,WxH]\n' +
      '       node web/tests/capture-eval.mjs --check RESULTS.jsonl',
  );
  process.exit(2);
}

// ---- cases --------------------------------------------------------------------------------

const CHALLENGES = ['head_left', 'head_right', 'smile', 'blink'];
const EXPECT = ['approved', 'declined', 'held'];

/**
 * Reads and checks the cases file; clip paths are relative to the repository root.
 * @param {string} file
 */
function readCases(file) {
  const cases = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(cases)) throw new Error(`${file}: expected an array of cases`);
  const seen = new Set();
  for (const c of cases) {
    const where = `${file}: case ${JSON.stringify(c.id)}`;
    if (typeof c.id !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(c.id)) throw new Error(`${where}: id must be [A-Za-z0-9_.-]+`);
    if (seen.has(c.id)) throw new Error(`${where}: duplicate id`);
    seen.add(c.id);
    if (typeof c.clip !== 'string') throw new Error(`${where}: clip is required`);
    if (c.mode !== 'active' && c.mode !== 'passive') throw new Error(`${where}: mode must be active or passive`);
    c.challenges = c.challenges ?? [];
    if (!Array.isArray(c.challenges) || c.challenges.some((x) => !CHALLENGES.includes(x))) {
      throw new Error(`${where}: challenges must be a list of ${CHALLENGES.join(', ')}`);
    }
    if (c.mode === 'active' && c.challenges.length === 0) throw new Error(`${where}: an active case needs challenges`);
    if (!EXPECT.includes(c.expect)) throw new Error(`${where}: expect must be one of ${EXPECT.join(', ')}`);
    c.framing = c.framing ?? 'native';
    if (!FRAMINGS.includes(c.framing)) throw new Error(`${where}: framing must be one of ${FRAMINGS.join(', ')}`);
    c.viewports = c.viewports ?? [DEFAULT_VIEWPORT];
    if (!Array.isArray(c.viewports) || !c.viewports.length || c.viewports.some((v) => !/^\d+x\d+$/.test(v))) {
      throw new Error(`${where}: viewports must be a list of WIDTHxHEIGHT`);
    }
  }
  return cases;
}

const clipPath = (p) => (path.isAbsolute(p) ? p : path.resolve(REPO, p));

/** Seconds per challenge: a looping fake camera shows each action once within a window. */
const timeFrameOf = (duration) => Math.min(60, Math.max(3, Math.ceil(duration + 2)));

// ---- one browser run ----------------------------------------------------------------------

/** What the page shows now, and its final result when there is one. Runs in the page. */
function pageSnapshot() {
  const w = /** @type {any} */ (window);
  const root = document.querySelector('.livegate');
  const text = (sel) => (root?.querySelector(sel)?.textContent ?? '').trim();
  const visible = (sel) => {
    const el = root?.querySelector(sel);
    return !!el && !el.hidden && el.getClientRects().length > 0;
  };
  // The run's result; else the ending of this attempt when it offers another go (a gate
  // timeout's Try again) and so leaves the run open: a person who stops there ends with it.
  const attempts = Array.isArray(w.__livegateAttempts) ? w.__livegateAttempts : [];
  const r = w.__livegateResult ?? w.livegateResult ?? attempts[attempts.length - 1] ?? null;
  const result = r
    ? {
        status: r.status ?? null,
        stage: r.stage ?? null,
        hint: r.hint ?? null,
        reasons: Array.isArray(r.reasons) ? r.reasons : [],
        sessionId: r.sessionId ?? null,
        error: r.error ? { code: r.error.code, message: r.error.message } : null,
      }
    : null;
  return {
    state: root?.getAttribute('data-state') ?? '',
    prompt: text('.lg-prompt'),
    hint: text('.lg-hint'),
    hintCode: root?.getAttribute('data-hint') || null,
    cue: root?.getAttribute('data-cue') || null,
    ovalOk: root?.querySelector('[data-oval]')?.getAttribute('data-oval') === 'ok',
    challenge: root?.querySelector('.lg-step-current')?.getAttribute('data-challenge') ?? null,
    retry: visible('.lg-retry'),
    result,
    stats: w.__livegateStats ? { ...w.__livegateStats } : null,
  };
}

/**
 * Runs one case at one viewport in Chromium: session, capture page, Start, the SDK's result.
 * @returns {Promise<object>} the run's outcome (browser side and the server's session detail)
 */
async function runInBrowser(h, c, video, timeFrame, viewport, base) {
  const [vw, vh] = viewport.split('x').map(Number);
  const profile = { liveness_mode: c.mode, fixed_order: true, challenge_time_frame_s: timeFrame };
  if (c.mode === 'active') profile.liveness_challenges = c.challenges;
  const session = await h.api('POST', '/v1/sessions', { profile });
  const prefix = `${c.id}-${viewport}`;
  const deadlineS = 90 + timeFrame * Math.max(1, c.challenges.length);
  const run = {
    sessionId: session.id,
    seconds: null,
    snapshot: null,
    lastGateHint: null,
    lastCodes: [],
    gateSeen: false,
    shots: [],
    timedOut: false,
    pageErrors: [],
  };

  const body = async (page) => {
    // Frame answers, read as they pass (the last gate hint names the held state and its shots).
    page.on('response', async (res) => {
      if (res.request().method() !== 'POST' || !/\/v1\/sessions\/[^/]+\/frames$/.test(res.url())) return;
      const a = await res.json().catch(() => null);
      if (!a) return;
      if (a.gate) {
        run.gateSeen = true;
        if (a.gate.hint) run.lastGateHint = a.gate.hint;
      }
      run.lastCodes = a.gate?.hint ? [a.gate.hint] : (a.quality?.codes ?? []);
      run.gatePassed = a.gate ? !!a.gate.passed : null;
    });
    await page.goto(`${base}/capture?token=${encodeURIComponent(session.client_token)}`);
    const start = page.getByRole('button', { name: 'Start', exact: true });
    await start.waitFor({ state: 'visible', timeout: 30000 });
    const keys = new Set();
    const shotOnce = async (state) => {
      if (keys.has(state) || keys.size >= MAX_SHOTS) return;
      keys.add(state);
      run.shots.push(state);
      await h.shot(page, `${prefix}-${state}`);
    };
    await shotOnce('ready');
    const t0 = Date.now();
    await start.click();
    // The moment the result appears, watched in the page apart from the (slower) loop below.
    let resultAt = 0;
    const watch = page
      .waitForFunction(
        () => {
          const w = /** @type {any} */ (window);
          return !!(w.__livegateResult ?? w.livegateResult ?? w.__livegateAttempts?.length);
        },
        null,
        { polling: 50, timeout: 0 },
      )
      .then(
        () => (resultAt = Date.now()),
        () => {},
      );
    let stateSince = 0;
    for (;;) {
      const s = await page.evaluate(pageSnapshot);
      const elapsed = (Date.now() - t0) / 1000;
      // The final result: the SDK's promise resolved, or (an SDK without it) its ending shown
      // without a Retry button for a second.
      const ended = ENDED.includes(s.state);
      if (!ended) stateSince = 0;
      else if (!stateSince) stateSince = Date.now();
      if (s.result || (ended && !s.retry && Date.now() - stateSince > 1000)) {
        if (s.result) await Promise.race([watch, page.waitForTimeout(1000)]);
        run.seconds = ((s.result && resultAt ? resultAt : stateSince || Date.now()) - t0) / 1000;
        run.snapshot = s;
        break;
      }
      if (elapsed > deadlineS) {
        run.timedOut = true;
        run.seconds = elapsed;
        run.snapshot = s;
        break;
      }
      if (CAPTURING.includes(s.state)) {
        // The SDK's own states (gate, challenge, capture) and hint code when it has them; else
        // the frame answers say whether the gate has passed and which code the hint is for.
        const inGate = s.state === 'gate' || (s.state === 'capturing' && run.gateSeen && !run.gatePassed);
        const code = s.hintCode ?? (s.hint ? (run.lastCodes[0] ?? (s.ovalOk ? 'ok' : 'hint')) : null);
        if (inGate) await shotOnce(code ? `gate-${code}` : 'gate');
        else {
          await shotOnce(c.mode === 'active' ? `challenge-${s.challenge ?? 'done'}` : 'capture');
          if (s.cue) await shotOnce(`cue-${s.cue}`);
          else if (code) await shotOnce(`hint-${code}`);
        }
      }
      await page.waitForTimeout(POLL_MS);
    }
    // The ending screen as it settles (captures loaded).
    await page.waitForTimeout(700);
    await shotOnce('result');
  };

  try {
    await h.withBrowser(`${prefix}-result`, video, body, { viewport: { width: vw, height: vh } });
  } catch (e) {
    if (!(e instanceof Failure && e.message.startsWith('page errors:'))) throw e;
    run.pageErrors.push(e.message);
  }
  run.detail = await h.api('GET', `/v1/sessions/${session.id}`);
  return run;
}

/** The reported decision of a run: the server's, or "held" when the SDK stopped at the gate. */
function decisionOf(run) {
  const r = run.snapshot?.result;
  const d = run.detail;
  const frames = run.snapshot?.stats?.uploaded ?? d.frames_received ?? 0;
  const common = {
    seconds_to_decision: run.seconds === null ? null : Number(run.seconds.toFixed(2)),
    frames_uploaded: frames,
  };
  if (r && r.status === 'timeout' && r.stage === 'gate') {
    const hint = r.hint ?? run.lastGateHint;
    return { decision: 'held', reasons: hint ? [hint] : [], score: null, ...common };
  }
  const completed = ['approved', 'review', 'declined'].includes(d.status);
  return {
    decision: completed ? (d.decision ?? d.status) : run.timedOut ? 'no_result' : `incomplete_${d.status}`,
    reasons: d.reasons ?? [],
    score: d.selfie?.liveness_score ?? null,
    ...common,
  };
}

/** `livegate analyze` on the converted clip with the session's plan: its session object. */
function analyze(bin, c, video, timeFrame) {
  const args = ['analyze', video, '--mode', c.mode, '--time-frame', String(timeFrame), '--fps', String(SDK_FPS), '--json'];
  if (c.mode === 'active') args.push('--challenges', c.challenges.join(','));
  const res = spawnSync(bin, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`livegate analyze ${video} failed: ${(res.stderr ?? res.error?.message ?? '').trim().slice(-600)}`);
  const session = JSON.parse(res.stdout).session;
  return { decision: session.decision, reasons: session.reasons ?? [], score: session.liveness_score ?? null, session };
}

// ---- evaluation ---------------------------------------------------------------------------

async function evaluate() {
  for (const [name, v] of [['--server', opts.server], ['--key', opts.key], ['--bin', opts.bin], ['--cases', opts.cases]]) {
    if (!v) usage(`${name} is required`);
  }
  if (!fs.existsSync(opts.chromium)) usage(`no Chromium at ${opts.chromium} (apt-get install -y chromium)`);
  if (!fs.existsSync(opts.bin)) usage(`no livegate binary at ${opts.bin}`);
  let cases;
  try {
    cases = readCases(opts.cases);
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  if (opts.only) {
    const only = new Set(opts.only.split(','));
    cases = cases.filter((c) => only.has(c.id));
    if (!cases.length) usage(`--only ${opts.only} matches no case`);
  }
  const forced = opts.viewports?.split(',');
  const out = path.resolve(opts.out);
  const shots = path.resolve(opts.shots);
  fs.mkdirSync(out, { recursive: true });
  fs.mkdirSync(shots, { recursive: true });
  const h = harness({
    server: opts.server,
    key: opts.key,
    testdata: REPO,
    out: shots,
    chromium: opts.chromium,
    videos: path.join(out, 'videos'),
    logName: path.relative(shots, path.join(out, 'console.log')),
  });
  const health = await fetch(`${h.apiBase}/healthz`).catch(() => null);
  if (!health?.ok) {
    err(`server ${h.apiBase} does not answer /healthz`);
    process.exit(1);
  }
  // --serve-web: the pages and SDK from disk (lib.mjs webProxy), the API from the server.
  const proxy = opts['serve-web'] ? await webProxy(path.resolve(opts['serve-web']), h.apiBase) : null;
  const base = proxy ? proxy.base : h.apiBase;
  const resultsFile = path.join(out, 'results.jsonl');
  fs.writeFileSync(resultsFile, '');
  const started = Date.now();
  let failed = 0;
  for (const [i, c] of cases.entries()) {
    const caseStarted = Date.now();
    const line = { id: c.id };
    try {
      const video = makeVideo({
        clip: clipPath(c.clip),
        framing: c.framing,
        clip2: c.clip2 ? clipPath(c.clip2) : null,
        dir: path.join(out, 'videos'),
      });
      const timeFrame = timeFrameOf(video.duration);
      const viewports = forced ?? c.viewports;
      const runs = [];
      for (const vp of viewports) runs.push({ vp, run: await runInBrowser(h, c, video.file, timeFrame, vp, base) });
      const a = analyze(opts.bin, c, video.file, timeFrame);
      const main = decisionOf(runs[0].run);
      Object.assign(line, main, {
        expect: c.expect,
        analyze_decision: a.decision,
        analyze_reasons: a.reasons,
        analyze_score: a.score,
        framing: c.framing,
        mode: c.mode,
        challenges: c.challenges,
        viewport: runs[0].vp,
        time_frame_s: timeFrame,
        video: `${video.width}x${video.height}@${video.fps}fps ${video.duration.toFixed(1)}s`,
        sdk_status: runs[0].run.snapshot?.result?.status ?? runs[0].run.snapshot?.state ?? null,
        session_id: runs[0].run.sessionId,
      });
      if (runs.length > 1) {
        line.viewports = Object.fromEntries(runs.slice(1).map(({ vp, run }) => [vp, decisionOf(run)]));
      }
      // The API-key session details and the analyze verdict, for looking into a decision.
      fs.mkdirSync(path.join(out, 'sessions'), { recursive: true });
      const evidence = { runs: runs.map(({ vp, run }) => ({ viewport: vp, result: run.snapshot?.result ?? null, detail: run.detail })), analyze: a.session };
      fs.writeFileSync(path.join(out, 'sessions', `${c.id}.json`), JSON.stringify(evidence, null, 1));
      const pageErrors = runs.flatMap(({ run }) => run.pageErrors);
      if (pageErrors.length) line.page_errors = pageErrors;
    } catch (e) {
      failed++;
      line.decision = 'error';
      line.error = e instanceof Error ? e.message : String(e);
      line.expect = c.expect;
      line.framing = c.framing;
      err(`${c.id}: could not run: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
      const health = await fetch(`${h.apiBase}/healthz`).catch(() => null);
      if (!health?.ok) {
        err('the server stopped answering; giving up');
        console.log(JSON.stringify(line));
        fs.appendFileSync(resultsFile, `${JSON.stringify(line)}\n`);
        break;
      }
    }
    const text = JSON.stringify(line);
    console.log(text);
    fs.appendFileSync(resultsFile, `${text}\n`);
    err(
      `[${i + 1}/${cases.length}] ${c.id}: ${line.decision} (expect ${c.expect}, analyze ${line.analyze_decision ?? '-'}) ` +
        `${line.seconds_to_decision ?? '-'} s to decision, case took ${((Date.now() - caseStarted) / 1000).toFixed(0)} s`,
    );
  }
  proxy?.close();
  h.log.end();
  err(`${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${resultsFile}, screenshots in ${shots}`);
  process.exit(failed ? 1 : 0);
}

// ---- check --------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

/**
 * The issue's "must be shown" rules for one outcome (the main run or another viewport's).
 * @returns {string | null} the violation, if any
 */
function violation(line, o) {
  const reasons = o.reasons ?? [];
  if (line.framing === 'twofaces') {
    return o.decision === 'held' && reasons.includes('quality_multiple_faces')
      ? null
      : `two faces must be held with quality_multiple_faces, got ${o.decision} [${reasons}]`;
  }
  if (line.framing === 'dark') {
    if (o.decision === 'approved') return null;
    return o.decision === 'held' && reasons.includes('quality_too_dark')
      ? null
      : `a darkened clip must be approved or held with quality_too_dark, got ${o.decision} [${reasons}]`;
  }
  return o.decision === line.expect ? null : `expected ${line.expect}, got ${o.decision} [${reasons}]`;
}

function check(file) {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  if (!lines.length) {
    err(`${file} holds no results`);
    process.exit(1);
  }
  let bad = 0;
  for (const line of lines) {
    const problems = [];
    if (line.error) problems.push(`not run: ${line.error}`);
    else {
      const outcomes = [[line.viewport ?? '', line], ...Object.entries(line.viewports ?? {})];
      for (const [vp, o] of outcomes) {
        const v = violation(line, o);
        if (v) problems.push(`${vp}: ${v}`);
      }
      if (line.decision !== 'held' && line.analyze_decision !== line.decision) {
        problems.push(`browser ${line.decision} but analyze ${line.analyze_decision} [${line.analyze_reasons ?? []}]`);
      }
    }
    if (problems.length) bad++;
    console.log(`${problems.length ? 'FAIL' : 'ok  '} ${line.id}: ${line.decision}${problems.length ? ` — ${problems.join('; ')}` : ''}`);
  }
  const two = lines.filter((l) => l.mode === 'active' && l.challenges?.length === 2 && typeof l.seconds_to_decision === 'number');
  const twoApproved = two.filter((l) => l.decision === 'approved');
  const fmt = (x) => (x === null ? '-' : `${x.toFixed(1)} s`);
  console.log(
    `median seconds to decision, two-challenge active plans: ${fmt(median(two.map((l) => l.seconds_to_decision)))} over ${two.length} cases` +
      ` (approved ones: ${fmt(median(twoApproved.map((l) => l.seconds_to_decision)))} over ${twoApproved.length})`,
  );
  console.log(`capture-eval check: ${lines.length - bad} ok, ${bad} failed`);
  process.exit(bad ? 1 : 0);
}

if (opts.check) check(opts.check);
else await evaluate();
