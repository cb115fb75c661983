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

/// A reference photo worn the way ID-style references are, drawn from `seed`: downscaled so the
/// face (`face_width` px now) is 100-150 px wide (never upscaled), greyscale half the time, a
/// Gaussian blur of σ 0.5-1.2 px half the time, then JPEG at quality 30-60.
pub fn worn_reference(photo: &RgbImage, face_width: f32, seed: u64) -> Result<RgbImage> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut uniform = |lo: f32, hi: f32| lo + (hi - lo) * (rng.next_u32() as f32 / u32::MAX as f32);
    let scale = (uniform(100.0, 150.0) / face_width.max(1.0)).min(1.0);
    let (w, h) = (photo.width() as f32 * scale, photo.height() as f32 * scale);
    let mut out = livegate_engine::image::resize(photo, w.round() as u32, h.round() as u32);
    if uniform(0.0, 1.0) < 0.5 {
        greyscale(&mut out);
    }
    if uniform(0.0, 1.0) < 0.5 {
        out = gaussian_blur(&out, uniform(0.5, 1.2));
    }
    let quality = uniform(30.0, 60.0).round() as u8;
    let jpeg = livegate_media::image_io::encode_jpeg(&out, quality)?;
    Ok(livegate_media::decode_image(
        &jpeg,
        livegate_media::ImageLimits::default(),
    )?)
}

/// Turns the image grey in place (Rec. 601 luma in every channel), as a scanned or photocopied
/// ID photo is.
pub fn greyscale(image: &mut RgbImage) {
    for px in image.as_raw_mut().chunks_exact_mut(3) {
        let luma = (0.299 * px[0] as f32 + 0.587 * px[1] as f32 + 0.114 * px[2] as f32).round() as u8;
        px.fill(luma);
    }
}

/// A separable Gaussian blur of standard deviation `sigma` pixels (edges clamped).
pub fn gaussian_blur(src: &RgbImage, sigma: f32) -> RgbImage {
    let radius = (3.0 * sigma).ceil().max(1.0) as i64;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let norm: f32 = kernel.iter().sum();
    let (w, h) = (src.width() as i64, src.height() as i64);
    let pass = |img: &RgbImage, dx: i64, dy: i64| {
        let mut out = img.clone();
        let data = img.as_raw();
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0f32; 3];
                for (k, weight) in kernel.iter().enumerate() {
                    let o = k as i64 - radius;
                    let (sx, sy) = ((x + o * dx).clamp(0, w - 1), (y + o * dy).clamp(0, h - 1));
                    let i = ((sy * w + sx) * 3) as usize;
                    for (a, v) in acc.iter_mut().zip(&data[i..i + 3]) {
                        *a += weight * *v as f32;
                    }
                }
                let i = ((y * w + x) * 3) as usize;
                for (v, a) in out.as_raw_mut()[i..i + 3].iter_mut().zip(acc) {
                    *v = (a / norm).round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        out
    };
    pass(&pass(src, 1, 0), 0, 1)
}

/// A printed still photographed once: `photo` given the paper look and held at a random tilt
/// (±0.35 rad about the vertical axis) in front of a dark surround, its edges in view.
pub fn print_still(photo: &RgbImage, seed: u64) -> RgbImage {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let paper = printed(photo, &mut rng);
    let tilt = 0.35 * (2.0 * (rng.next_u32() as f32 / u32::MAX as f32) - 1.0);
    tilted(&paper, tilt, 0.0, photo.width(), photo.height())
}

/// A paper mask: the face of `mask` printed (paper look), cut out as an oval around the face with
/// a hole at each eye, and held over the subject of `frame` so the wearer's own eyes show
/// through the holes. Faces are the analyzer's largest detections; the mask is placed by the
/// similarity between the two faces' eye and nose keypoints.
pub fn paper_mask(analyzer: &Analyzer, frame: &RgbImage, mask: &RgbImage, seed: u64) -> Result<RgbImage> {
    use livegate_engine::detect::largest_face;
    use livegate_engine::image::Similarity;
    let largest = |img: &RgbImage| -> Result<livegate_engine::detect::FaceDetection> {
        largest_face(&analyzer.detect(img)?)
            .cloned()
            .context("no face to make a paper mask with")
    };
    let (wearer, face) = (largest(frame)?, largest(mask)?);
    let to_mask = Similarity::fit(&wearer.keypoints[..3], &face.keypoints[..3]).context("degenerate keypoints")?;
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let paper = printed(mask, &mut rng);
    let (cx, cy) = face.centre();
    let (ax, ay) = (0.62 * face.bbox[2], 0.78 * face.bbox[3]);
    let (hx, hy) = (0.14 * face.bbox[2], 0.08 * face.bbox[2]);
    let eyes = [face.keypoints[0], face.keypoints[1]];
    let inside =
        |p: [f32; 2], c: [f32; 2], a: f32, b: f32| ((p[0] - c[0]) / a).powi(2) + ((p[1] - c[1]) / b).powi(2) <= 1.0;
    let mut out = frame.clone();
    let (w, pw, ph) = (frame.width() as usize, paper.width() as f32, paper.height() as f32);
    for y in 0..frame.height() as usize {
        for x in 0..w {
            let q = to_mask.apply([x as f32, y as f32]);
            let on_sheet = inside(q, [cx, cy], ax, ay) && !eyes.iter().any(|e| inside(q, *e, hx, hy));
            if !on_sheet || q[0] < 0.0 || q[1] < 0.0 || q[0] >= pw - 1.0 || q[1] >= ph - 1.0 {
                continue;
            }
            let rgb = paper.pixel(q[0] as u32, q[1] as u32);
            let i = (y * w + x) * 3;
            out.as_raw_mut()[i..i + 3].copy_from_slice(&rgb);
        }
    }
    Ok(out)
}
