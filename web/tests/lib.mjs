// Shared helpers of the browser tests (e2e.mjs, esign-e2e.mjs): checks, the API client with
// the key, test clips converted to y4m for Chromium's fake camera, Chromium launched with
// that camera, screenshots, the optional web-files proxy (--serve-web) and the scenario
// runner that prints one line per scenario and the summary.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

/** A failed check: reported as its message alone (no stack). */
export class Failure extends Error {}

/** @param {unknown} cond @param {string} message */
export function check(cond, message) {
  if (!cond) throw new Failure(message);
}

/**
 * The helpers of one test run.
 * @param {{ server: string, key: string, testdata: string, out: string, chromium: string, videos?: string, logName?: string }} o
 */
export function harness(o) {
  const apiBase = o.server.replace(/\/+$/, '');
  const out = path.resolve(o.out);
  const videosDir = o.videos ? path.resolve(o.videos) : path.join(out, 'videos');
  fs.mkdirSync(out, { recursive: true });
  fs.mkdirSync(videosDir, { recursive: true });
  const log = fs.createWriteStream(path.join(out, o.logName ?? 'e2e.log'));
  const shotsTaken = new Set();

  /** Saves `<out>/<name>.png` (a scenario's own screenshot is then not replaced at its end). */
  async function shot(page, name) {
    shotsTaken.add(name);
    await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });
  }

  /** Any request with the API key: status, headers, body text and JSON (null when not JSON). */
  async function apiRaw(method, urlPath, body, headers = {}) {
    const res = await fetch(apiBase + urlPath, {
      method,
      headers: { authorization: `Bearer ${o.key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  /** A JSON request with the API key; anything but a success fails the scenario. */
  async function api(method, urlPath, body) {
    const r = await apiRaw(method, urlPath, body);
    if (r.status < 200 || r.status > 299) throw new Failure(`${method} ${urlPath} → ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }

  /** A file fetched with the API key, as bytes. */
  async function apiBytes(urlPath) {
    const res = await fetch(apiBase + urlPath, { headers: { authorization: `Bearer ${o.key}` } });
    const bytes = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Failure(`GET ${urlPath} → ${res.status} ${bytes.toString('utf8').slice(0, 300)}`);
    return { bytes, type: res.headers.get('content-type') ?? '' };
  }

  /**
   * Converts a clip to a y4m file for Chromium's fake camera (cached in the videos dir), 640
   * wide. With `framing`, its ffmpeg filters (e.g. a crop to portrait, a second clip side by
   * side with `inputs`) make the picture instead, and `framing.name` names the file.
   * @param {string} relative
   * @param {{ name: string, filter: string, inputs?: string[], seconds?: number }} [framing]
   */
  function y4m(relative, framing) {
    const src = path.join(o.testdata, relative);
    check(fs.existsSync(src), `test clip missing: ${src}`);
    const base = path.basename(relative).replace(/\.[^.]+$/, '');
    const dst = path.join(videosDir, `${framing ? `${base}-${framing.name}` : base}.y4m`);
    if (fs.existsSync(dst) && fs.statSync(dst).mtimeMs >= fs.statSync(src).mtimeMs) return dst;
    const extra = (framing?.inputs ?? []).map((r) => path.join(o.testdata, r));
    for (const e of extra) check(fs.existsSync(e), `test clip missing: ${e}`);
    const args = ['-v', 'error', '-y', '-i', src, ...extra.flatMap((e) => ['-i', e]), '-an'];
    if (framing?.seconds) args.push('-t', String(framing.seconds));
    // A framing's filters set the size themselves (e.g. two faces side by side stay wide).
    if (framing && extra.length) args.push('-filter_complex', `${framing.filter},fps=15`);
    else args.push('-vf', framing ? `${framing.filter},fps=15` : 'scale=640:-2,fps=15');
    const run = spawnSync('ffmpeg', [...args, '-pix_fmt', 'yuv420p', dst], {
      encoding: 'utf8',
    });
    check(run.status === 0, `ffmpeg failed for ${src}: ${run.stderr}`);
    return dst;
  }

  /**
   * Launches Chromium with a fake camera playing `video`, opens a page, runs `body`, and always
   * saves `<out>/<name>.png` (also on failure). With `watchNewPages`, the errors and console of
   * pages opened later (a link in a new tab) count as well.
   */
  async function withBrowser(name, video, body, contextOptions = {}, { watchNewPages = false } = {}) {
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'livegate-chromium-'));
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: o.chromium,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ],
      viewport: { width: 480, height: 900 },
      deviceScaleFactor: 1,
      ...contextOptions,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    const watch = (p, label) => {
      p.on('pageerror', (e) => errors.push(String(e)));
      p.on('console', (m) => log.write(`[${label}] console.${m.type()}: ${m.text()}\n`));
    };
    watch(page, name);
    let opened = 0;
    if (watchNewPages) {
      context.on('page', (p) => {
        if (p !== page) watch(p, `${name}#${++opened}`);
      });
    }
    try {
      const note = await body(page, context);
      check(errors.length === 0, `page errors: ${errors.join('; ')}`);
      return note;
    } finally {
      if (!shotsTaken.has(name)) await shot(page, name).catch(() => {});
      await context.close().catch(() => {});
      fs.rmSync(profileDir, { recursive: true, force: true });
    }
  }

  /**
   * Runs the scenarios (all, or those named in `only`, comma-separated) against the server or
   * the --serve-web proxy; prints one line each and the summary; exits non-zero on a failure.
   */
  async function main(scenarios, { only, serveWeb, usage }) {
    const health = await fetch(`${apiBase}/healthz`).catch(() => null);
    if (!health || !health.ok) usage(`server ${apiBase} does not answer /healthz`);
    const proxy = serveWeb ? await webProxy(path.resolve(serveWeb), apiBase) : null;
    const base = proxy ? proxy.base : apiBase;
    const chosen = only ? new Set(only.split(',')) : null;
    let passed = 0;
    let failed = 0;
    for (const { name, fn } of scenarios) {
      if (chosen && !chosen.has(name)) continue;
      const started = Date.now();
      try {
        const note = await fn(base);
        passed++;
        console.log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${note}`);
      } catch (e) {
        failed++;
        const message = e instanceof Failure ? e.message : e instanceof Error ? e.stack ?? e.message : String(e);
        console.log(`FAIL ${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${message}`);
      }
    }
    proxy?.close();
    log.end();
    console.log(`browser: ${passed} passed, ${failed} failed`);
    process.exit(failed || !passed ? 1 : 0);
  }

  return { apiBase, out, log, shot, api, apiRaw, apiBytes, y4m, withBrowser, main };
}

const TYPES = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.ts': 'application/typescript; charset=utf-8', '.svg': 'image/svg+xml' };

/**
 * Serves the web files from disk the way `livegate serve` does — /sdk/*, /esign/*, /capture,
 * /demo, /admin, /sign/<token> — and forwards everything else to the API (see --serve-web), to
 * try edits without rebuilding the server that embeds them.
 */
export async function webProxy(webDir, apiBase) {
  const pages = { '/capture': 'capture.html', '/demo': 'demo.html', '/admin': 'esign/admin.html', '/favicon.svg': 'favicon.svg' };
  const target = new URL(apiBase);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let file = pages[url.pathname];
    if (!file && /^\/sign\/[^/]+$/.test(url.pathname)) file = 'esign/sign.html';
    // Any SDK or eSign file (the modules import their siblings, e.g. ./flow.js).
    const asset = /^\/(sdk|esign)\/([a-z0-9-]+\.(?:js|css|d\.ts))$/.exec(url.pathname);
    if (!file && asset && fs.existsSync(path.join(webDir, asset[1], asset[2]))) file = `${asset[1]}/${asset[2]}`;
    if (file && req.method === 'GET') {
      const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : TYPES[path.extname(file)];
      res.writeHead(200, {
        'content-type': type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'permissions-policy': 'camera=(self)',
      });
      res.end(fs.readFileSync(path.join(webDir, file)));
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { base: `http://127.0.0.1:${port}`, close: () => server.close() };
}
