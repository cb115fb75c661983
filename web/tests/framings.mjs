// Framings of the browser capture evaluation (capture-eval.mjs): turns a test clip (or a still)
// into the y4m file Chromium's fake camera plays, at the clip's own size and orientation, in one
// of the framings below, made by ffmpeg and cached by content under the output directory.
//
//   native     the clip as it is
//   letterbox  padded with black to a 4:3 canvas (bars top/bottom for wide clips, at the sides
//              for square and portrait ones)
//   smallface  scaled down into a 1280x720 black canvas, so the face is small
//   dark       darkened (eq brightness/gamma) so the face is dim
//   twofaces   the clip and a second one (`clip2`, default the same clip) side by side
//   print      a still photo held in front of the camera: a few seconds of it, gently moving
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const FRAMINGS = ['native', 'letterbox', 'smallface', 'dark', 'twofaces', 'print'];

/** Frame rate of the y4m files: the clip's own when lower. */
const MAX_FPS = 15;
/**
 * In `smallface`, the clip's share of the largest size that fits the 1280x720 canvas: its face
 * then takes ~70 % of its native share of the frame.
 */
const SMALL_SCALE = 0.7;
/** The darkening of `dark`: mean luma of a well-lit webcam clip falls from ~140 to ~40. */
const DARK_FILTER = 'eq=brightness=-0.25:gamma=0.6';
/** Seconds of video made from a still in `print`. */
const PRINT_SECONDS = 4;
/** Bump to rebuild every cached file after a change of the filters. */
const VERSION = 1;

const even = (n) => Math.max(2, 2 * Math.round(n / 2));
const isImage = (file) => /\.(jpe?g|png)$/i.test(file);

/**
 * Runs ffmpeg; throws with its error output on failure.
 * @param {string[]} args
 */
function ffmpeg(args) {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error) throw new Error(`ffmpeg could not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${run.stderr.trim().slice(-800)}`);
  return run;
}

/**
 * The displayed size (after rotation metadata, as ffmpeg applies it) and frame rate of a clip or
 * still: its first frame is decoded through `showinfo`.
 * @param {string} file
 * @returns {{ width: number, height: number, fps: number }}
 */
export function probe(file) {
  const run = spawnSync('ffmpeg', ['-v', 'info', '-nostdin', '-i', file, '-frames:v', '1', '-an', '-vf', 'showinfo', '-f', 'null', '-'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.error) throw new Error(`ffmpeg could not run: ${run.error.message}`);
  const size = /\bs:(\d+)x(\d+)/.exec(run.stderr ?? '');
  if (run.status !== 0 || !size) throw new Error(`cannot read a frame of ${file}: ${(run.stderr ?? '').trim().slice(-400)}`);
  const rate = / (\d+(?:\.\d+)?) fps,/.exec(run.stderr) ?? / (\d+(?:\.\d+)?) tbr,/.exec(run.stderr);
  return { width: Number(size[1]), height: Number(size[2]), fps: rate ? Number(rate[1]) : MAX_FPS };
}

/**
 * Reads a y4m file's size, rate and frame count (from its header and length).
 * @param {string} file
 * @returns {{ width: number, height: number, fps: number, frames: number, duration: number }}
 */
export function y4mInfo(file) {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(256);
  fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const line = head.toString('latin1', 0, head.indexOf(0x0a));
  const w = /\bW(\d+)/.exec(line);
  const h = /\bH(\d+)/.exec(line);
  const f = /\bF(\d+):(\d+)/.exec(line);
  if (!line.startsWith('YUV4MPEG2') || !w || !h || !f) throw new Error(`${file} is not a y4m file`);
  const width = Number(w[1]);
  const height = Number(h[1]);
  const fps = Number(f[1]) / Number(f[2]);
  const frameBytes = 6 + (width * height * 3) / 2; // "FRAME\n" + 4:2:0 planes
  const frames = Math.floor((fs.statSync(file).size - line.length - 1) / frameBytes);
  return { width, height, fps, frames, duration: frames / fps };
}

/**
 * The ffmpeg arguments (inputs and filter graph) of a framing.
 * @param {string} framing
 * @param {string} src
 * @param {string | null} src2
 * @param {{ width: number, height: number }} size
 * @param {number} fps
 */
function framingArgs(framing, src, src2, size, fps) {
  const { width: w, height: h } = size;
  const tail = `fps=${fps},format=yuv420p`;
  const input = isImage(src) ? ['-loop', '1', '-framerate', String(fps), '-t', String(PRINT_SECONDS), '-i', src] : ['-i', src];
  // Odd sizes cannot be 4:2:0; drop the last row/column then (no test clip has one).
  const evenCrop = w % 2 || h % 2 ? `crop=${w - (w % 2)}:${h - (h % 2)}:0:0,` : '';
  switch (framing) {
    case 'native':
      return [...input, '-vf', `${evenCrop}${tail}`];
    case 'letterbox': {
      const [cw, ch] = w * 3 >= h * 4 ? [even(w), even((w * 3) / 4)] : [even((h * 4) / 3), even(h)];
      return [...input, '-vf', `${evenCrop}pad=${cw}:${ch}:(ow-iw)/2:(oh-ih)/2:black,${tail}`];
    }
    case 'smallface': {
      const fit = Math.min(1280 / w, 720 / h) * SMALL_SCALE;
      return [...input, '-vf', `scale=${even(w * fit)}:${even(h * fit)},pad=1280:720:(ow-iw)/2:(oh-ih)/2:black,${tail}`];
    }
    case 'dark':
      return [...input, '-vf', `${evenCrop}${DARK_FILTER},${tail}`];
    case 'twofaces': {
      // The second clip loops under the first, scaled to its height; the pair ends with the first.
      const second = src2 ?? src;
      const graph =
        `[0:v]${evenCrop}fps=${fps},format=yuv420p,setsar=1[a];` +
        `[1:v]scale=-2:${h - (h % 2)},fps=${fps},format=yuv420p,setsar=1[b];` +
        `[a][b]hstack=inputs=2:shortest=1[v]`;
      return [...input, '-stream_loop', '-1', '-i', second, '-filter_complex', graph, '-map', '[v]'];
    }
    case 'print': {
      // Held by hand: 6 % larger, the crop window drifting slowly, so it is never a frozen frame.
      const sw = even(w * 1.06);
      const sh = even(h * 1.06);
      const ow = w - (w % 2);
      const oh = h - (h % 2);
      const x = `(in_w-out_w)/2*(1+0.8*sin(2*PI*t/2.3))`;
      const y = `(in_h-out_h)/2*(1+0.7*sin(2*PI*t/1.7))`;
      return [...input, '-vf', `scale=${sw}:${sh},crop=${ow}:${oh}:'${x}':'${y}',${tail}`];
    }
    default:
      throw new Error(`unknown framing ${framing} (one of ${FRAMINGS.join(', ')})`);
  }
}

/**
 * Makes (or reuses) the y4m of `clip` in `framing` under `dir`; returns its path and properties.
 * @param {{ clip: string, framing?: string, clip2?: string | null, dir: string }} o
 * @returns {{ file: string, framing: string, width: number, height: number, fps: number, frames: number, duration: number, cached: boolean }}
 */
export function makeVideo({ clip, framing = 'native', clip2 = null, dir }) {
  if (!FRAMINGS.includes(framing)) throw new Error(`unknown framing ${framing} (one of ${FRAMINGS.join(', ')})`);
  for (const f of [clip, clip2]) if (f && !fs.existsSync(f)) throw new Error(`clip missing: ${f}`);
  if (framing === 'print' && !isImage(clip)) throw new Error(`framing print needs a still image, got ${clip}`);
  const stamp = (f) => (f ? `${path.resolve(f)}:${fs.statSync(f).size}:${fs.statSync(f).mtimeMs}` : '');
  const key = crypto
    .createHash('sha1')
    .update(JSON.stringify([VERSION, framing, stamp(clip), stamp(clip2)]))
    .digest('hex')
    .slice(0, 10);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${path.basename(clip).replace(/\.[^.]+$/, '')}-${framing}-${key}.y4m`);
  let cached = fs.existsSync(file);
  if (cached) {
    try {
      const info = y4mInfo(file);
      if (info.frames > 0) return { file, framing, ...info, cached };
    } catch {
      // a partial file from an interrupted run: made again
    }
    cached = false;
  }
  const size = probe(clip);
  const fps = Math.min(MAX_FPS, Math.round(size.fps) || MAX_FPS);
  const partial = `${file}.part`;
  ffmpeg([...framingArgs(framing, clip, clip2, size, fps), '-an', '-f', 'yuv4mpegpipe', '-pix_fmt', 'yuv420p', partial]);
  fs.renameSync(partial, file);
  return { file, framing, ...y4mInfo(file), cached };
}
