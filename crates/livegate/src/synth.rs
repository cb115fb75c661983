//! Synthesised attacks made from real clips, reproducible from a seed.
//!
//! Pixel-level: a printed photo (one real frame, desaturated, contrast-flattened, paper grain,
//! on a sheet moved in front of the camera by a time-varying perspective warp). Signal-level
//! (the engine is a pure function of pixels, so re-ordering or repeating frames re-orders or
//! repeats their signals exactly): a static injected stream, a looped segment, challenge
//! footage spliced in the wrong order, and one face spliced onto another mid-session.

use anyhow::{Context, Result};
use livegate_engine::{Analyzer, FrameSignals, RgbImage};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// A still printed on paper, held and tilted in front of the camera for `seconds`.
pub fn print_attack(
    analyzer: &Analyzer,
    still: &RgbImage,
    seconds: f64,
    fps: f64,
    seed: u64,
) -> Result<Vec<FrameSignals>> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let paper = printed(still, &mut rng);
    let frames = (seconds * fps).round() as usize;
    let (w, h) = (still.width(), still.height());
    let mut out = Vec::with_capacity(frames);
    for i in 0..frames {
        let phase = i as f32 / frames.max(1) as f32 * std::f32::consts::TAU;
        // The sheet swings about its vertical axis (±0.6 rad) and bobs a little.
        let tilt = 0.6 * phase.sin();
        let frame = tilted(&paper, tilt, 6.0 * phase.cos(), w, h);
        let t = i as f64 / fps;
        let signals = analyzer
            .analyze_next(&frame, t, &out)
            .with_context(|| format!("print frame {i}"))?;
        out.push(signals);
    }
    Ok(out)
}

/// Paper look: 60 % saturation, contrast squeezed toward grey, warm white point, grain.
fn printed(src: &RgbImage, rng: &mut ChaCha20Rng) -> RgbImage {
    let mut out = src.clone();
    for px in out.as_raw_mut().chunks_exact_mut(3) {
        let luma = 0.299 * px[0] as f32 + 0.587 * px[1] as f32 + 0.114 * px[2] as f32;
        let grain = (rng.next_u32() % 17) as f32 - 8.0;
        for (c, v) in px.iter_mut().enumerate() {
            let sat = luma + 0.6 * (*v as f32 - luma);
            let flat = 40.0 + 0.7 * sat;
            let warm = [1.0, 0.97, 0.9][c];
            *v = (flat * warm + grain).clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// Projects `paper` as a plane rotated by `tilt` about its vertical axis (perspective), shifted
/// by `dy` pixels, onto a `w x h` frame (dark surround).
fn tilted(paper: &RgbImage, tilt: f32, dy: f32, w: u32, h: u32) -> RgbImage {
    let mut frame = RgbImage::filled(w, h, [30, 28, 26]);
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let focal = w as f32 * 1.2;
    let (sin, cos) = tilt.sin_cos();
    let scale = 0.85;
    // Inverse mapping per output pixel: ray through (x, y) meets the rotated plane.
    let src = paper.as_raw();
    let (pw, ph) = (paper.width() as f32, paper.height() as f32);
    let data = frame.as_raw_mut();
    for y in 0..h {
        for x in 0..w {
            let (rx, ry) = ((x as f32 - cx) / focal, (y as f32 - cy - dy) / focal);
            // Plane: points (u cos, v, focal + u sin); solve u, v.
            let denom = cos - rx * sin;
            if denom.abs() < 1e-4 {
                continue;
            }
            let u = rx * focal / denom;
            let z = focal + u * sin;
            let v = ry * z;
            let (px, py) = (u / scale + pw / 2.0, v / scale + ph / 2.0);
            if px < 0.0 || py < 0.0 || px >= pw - 1.0 || py >= ph - 1.0 {
                continue;
            }
            let si = (py as usize * paper.width() as usize + px as usize) * 3;
            let di = (y as usize * w as usize + x as usize) * 3;
            data[di..di + 3].copy_from_slice(&src[si..si + 3]);
        }
    }
    frame
}

/// One real frame injected again and again (a virtual camera playing a still).
pub fn static_stream(frame: &FrameSignals, count: usize, fps: f64) -> Vec<FrameSignals> {
    (0..count).map(|i| retimed(frame, i as f64 / fps)).collect()
}

/// A segment of real frames played in a loop.
pub fn looped(frames: &[FrameSignals], segment: usize, repeats: usize, fps: f64) -> Vec<FrameSignals> {
    let seg = &frames[..segment.min(frames.len())];
    (0..repeats)
        .flat_map(|_| seg.iter())
        .enumerate()
        .map(|(i, f)| retimed(f, i as f64 / fps))
        .collect()
}

/// The frames of `b` appended to those of `a` (times continue), e.g. a second person taking
/// over after the first completed some challenges.
pub fn splice(a: &[FrameSignals], b: &[FrameSignals], fps: f64) -> Vec<FrameSignals> {
    a.iter()
        .chain(b)
        .enumerate()
        .map(|(i, f)| retimed(f, i as f64 / fps))
        .collect()
}

/// Frames in `[t0, t1)`.
pub fn segment(frames: &[FrameSignals], t0: f64, t1: f64) -> Vec<FrameSignals> {
    frames.iter().filter(|f| f.t >= t0 && f.t < t1).cloned().collect()
}

fn retimed(f: &FrameSignals, t: f64) -> FrameSignals {
    let mut f = f.clone();
    f.t = t;
    f
}
