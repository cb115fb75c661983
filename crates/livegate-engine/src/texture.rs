//! Passive texture analysis: `Frame + FaceDetection → Texture`.
//!
//! The bona-fide probability comes from the MiniFASNetV2 (crop scale 2.7) + MiniFASNetV1SE
//! (crop scale 4.0) ensemble with Silent-Face's exact crops (box scaled about its centre, shifted
//! back inside the frame, plain bilinear resize to 80x80, BGR 0..255). Cues of our own are
//! reported beside it: periodic screen/moiré energy in the face's spectrum, specular glare, and
//! the still-image cue of [`crate::still_cues`] (a sheet's or screen's border).

use rustfft::num_complex::Complex;
use rustfft::FftPlanner;
use serde::{Deserialize, Serialize};

use crate::detect::FaceDetection;
use crate::error::EngineError;
use crate::framing::ContentRect;
use crate::image::{sample_affine, Affine, RgbImage};
use crate::models::LoadedModel;
use crate::still_cues::{still_cues, StillCues};

/// MiniFASNetV2 crop scale.
pub const FAS_V2_SCALE: f32 = 2.7;
/// MiniFASNetV1SE crop scale.
pub const FAS_V1SE_SCALE: f32 = 4.0;
/// Index of the "real" class in the MiniFASNet logits.
pub const FAS_REAL_CLASS: usize = 1;
/// Spectral peak-to-background ratio (log10) where the moiré cue starts to rise.
pub const MOIRE_LOG_RATIO_LOW: f32 = 1.2;
/// Spectral peak-to-background ratio (log10) where the moiré cue saturates.
pub const MOIRE_LOG_RATIO_HIGH: f32 = 1.7;
/// Luma at or above which a face pixel counts as specular glare.
pub const GLARE_LUMA: f32 = 250.0;

/// Texture evidence for one face.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Texture {
    /// Ensemble probability that the face is bona fide (0 attack … 1 live).
    pub bona_fide: f32,
    /// MiniFASNetV2 real-class probability.
    pub fas_v2: f32,
    /// MiniFASNetV1SE real-class probability.
    pub fas_v1se: f32,
    /// Periodic (screen / moiré) spectral energy, 0 none … 1 strong.
    pub moire: f32,
    /// The measurement behind `moire`: log10 of the strongest band peak over its ring median.
    pub spectral_peak: f32,
    /// Fraction of face pixels that are saturated specular highlights.
    pub glare: f32,
    /// A sheet's or screen's border around the face (absent in readings stored before it).
    #[serde(default)]
    pub still: StillCues,
}

/// Silent-Face's crop box (left, top, width, height) for a detector box and scale, kept inside
/// the picture's real content (its bars excluded): the box is scaled about its centre, the
/// scale limited so it fits the content, then shifted back inside it, as the reference does
/// with the frame's edges.
pub fn fas_crop_box(content: ContentRect, bbox: [f32; 4], scale: f32) -> [f32; 4] {
    let (cx0, cy0, cx1, cy1) = content.bounds();
    let (src_w, src_h) = content.size();
    let [x, y, bw, bh] = bbox;
    let (bw, bh) = (bw.max(1.0), bh.max(1.0));
    let scale = scale.min((src_h - 1.0) / bh).min((src_w - 1.0) / bw).max(0.0);
    let (nw, nh) = (bw * scale, bh * scale);
    let (cx, cy) = (x + bw / 2.0, y + bh / 2.0);
    let (mut x0, mut y0, mut x1, mut y1) = (cx - nw / 2.0, cy - nh / 2.0, cx + nw / 2.0, cy + nh / 2.0);
    if x0 < cx0 {
        x1 += cx0 - x0;
        x0 = cx0;
    }
    if y0 < cy0 {
        y1 += cy0 - y0;
        y0 = cy0;
    }
    if x1 > cx1 - 1.0 {
        x0 -= x1 - cx1 + 1.0;
        x1 = cx1 - 1.0;
    }
    if y1 > cy1 - 1.0 {
        y0 -= y1 - cy1 + 1.0;
        y1 = cy1 - 1.0;
    }
    // Integer pixel bounds, inclusive, as the reference implementation slices them.
    let (x0, y0, x1, y1) = (x0.max(cx0).trunc(), y0.max(cy0).trunc(), x1.trunc(), y1.trunc());
    [x0, y0, (x1 - x0 + 1.0).max(1.0), (y1 - y0 + 1.0).max(1.0)]
}

fn real_probability(
    frame: &RgbImage,
    content: ContentRect,
    face: &FaceDetection,
    model: &LoadedModel,
    scale: f32,
) -> Result<f32, EngineError> {
    let canvas = model.spec.input.canvas(false);
    let [x, y, w, h] = fas_crop_box(content, face.bbox, scale);
    let map = Affine::rect_crop(x, y, w, h, canvas.width, canvas.height);
    let mut input = Vec::new();
    sample_affine(frame, &map, &canvas, &mut input);
    let logits = &model.run_checked(input, &[3])?[0].data;
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    Ok(exp[FAS_REAL_CLASS] / exp.iter().sum::<f32>())
}

/// Runs both anti-spoofing models and the image cues.
pub fn analyse_texture(
    frame: &RgbImage,
    content: ContentRect,
    face: &FaceDetection,
    v2: &LoadedModel,
    v1se: &LoadedModel,
) -> Result<Texture, EngineError> {
    let fas_v2 = real_probability(frame, content, face, v2, FAS_V2_SCALE)?;
    let fas_v1se = real_probability(frame, content, face, v1se, FAS_V1SE_SCALE)?;
    let spectral_peak = face_patch(frame, face)
        .map(|(n, patch)| spectral_peak_log_ratio(n, &patch))
        .unwrap_or(0.0);
    Ok(Texture {
        bona_fide: (fas_v2 + fas_v1se) / 2.0,
        fas_v2,
        fas_v1se,
        moire: moire_from_peak(spectral_peak),
        spectral_peak,
        glare: glare_fraction(frame, face),
        still: still_cues(frame, face),
    })
}

/// Native-resolution square patch (power of two, 64..=256) from the face centre: no resampling,
/// so the capture's own high frequencies survive.
fn face_patch(frame: &RgbImage, face: &FaceDetection) -> Option<(usize, Vec<f32>)> {
    let side = face.bbox[2].min(face.bbox[3]) * 0.8;
    let mut n = 256usize;
    while n as f32 > side && n > 64 {
        n /= 2;
    }
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    if w < n || h < n {
        return None;
    }
    let (cx, cy) = face.centre();
    let x0 = (cx as isize - n as isize / 2).clamp(0, (w - n) as isize) as u32;
    let y0 = (cy as isize - n as isize / 2).clamp(0, (h - n) as isize) as u32;
    Some((n, frame.gray_region(x0, y0, n as u32, n as u32).data))
}

/// Strength of isolated periodic peaks in the mid/high-frequency band of the face patch,
/// relative to the spectrum's own radial background. Live skin falls off smoothly; a screen's
/// pixel grid and the beat patterns of re-filming stand out as spikes. Axis lines and the 8-pixel
/// block grid of JPEG/video codecs are excluded so compression does not read as a screen.
pub fn moire_from_peak(log_ratio: f32) -> f32 {
    ((log_ratio - MOIRE_LOG_RATIO_LOW) / (MOIRE_LOG_RATIO_HIGH - MOIRE_LOG_RATIO_LOW)).clamp(0.0, 1.0)
}

/// log10 of (strongest band peak / median magnitude at the same radius).
pub fn spectral_peak_log_ratio(n: usize, patch: &[f32]) -> f32 {
    let mean = patch.iter().sum::<f32>() / patch.len() as f32;
    let hann: Vec<f32> = (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / (n - 1) as f32).cos())
        .collect();
    let mut data: Vec<Complex<f32>> = patch
        .iter()
        .enumerate()
        .map(|(i, &v)| Complex::new((v - mean) * hann[i / n] * hann[i % n], 0.0))
        .collect();
    // The planner caches its plans: one per thread, so each patch size is planned once.
    thread_local! {
        static PLANNER: std::cell::RefCell<FftPlanner<f32>> = std::cell::RefCell::new(FftPlanner::new());
    }
    let fft = PLANNER.with(|p| p.borrow_mut().plan_fft_forward(n));
    for row in data.chunks_exact_mut(n) {
        fft.process(row);
    }
    let mut column = vec![Complex::new(0.0, 0.0); n];
    for x in 0..n {
        for y in 0..n {
            column[y] = data[y * n + x];
        }
        fft.process(&mut column);
        for y in 0..n {
            data[y * n + x] = column[y];
        }
    }
    let half = n / 2;
    let block = n / 8;
    let mut rings: Vec<Vec<f32>> = vec![Vec::new(); half + 1];
    let mut cells = Vec::new();
    // Upper half-plane only (the spectrum of a real image is symmetric).
    for v in 0..=half {
        for u in 0..n {
            let fu = if u > half { u as isize - n as isize } else { u as isize };
            let fv = v as isize;
            let r = ((fu * fu + fv * fv) as f32).sqrt();
            if r < (n / 8) as f32 || r >= half as f32 {
                continue;
            }
            let near_block = |f: isize| {
                let m = f.rem_euclid(block as isize);
                m <= 1 || m >= block as isize - 1
            };
            if fu.abs() <= 1 || fv <= 1 || (near_block(fu) && near_block(fv)) {
                continue;
            }
            let mag = data[v * n + u].norm();
            let ring = r.round() as usize;
            rings[ring].push(mag);
            cells.push((ring, mag));
        }
    }
    let medians: Vec<f32> = rings
        .iter_mut()
        .map(|ring| {
            if ring.is_empty() {
                return f32::MAX;
            }
            let mid = ring.len() / 2;
            let (_, median, _) = ring.select_nth_unstable_by(mid, f32::total_cmp);
            median.max(1e-6)
        })
        .collect();
    let peak = cells
        .iter()
        .map(|&(ring, mag)| mag / medians[ring])
        .fold(1.0f32, f32::max);
    peak.log10()
}

/// Fraction of pixels inside the face box at or above [`GLARE_LUMA`].
pub fn glare_fraction(frame: &RgbImage, face: &FaceDetection) -> f32 {
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let [x, y, bw, bh] = face.bbox;
    let (x0, y0) = (x.clamp(0.0, w) as u32, y.clamp(0.0, h) as u32);
    let (x1, y1) = ((x + bw).clamp(0.0, w) as u32, (y + bh).clamp(0.0, h) as u32);
    if x1 <= x0 || y1 <= y0 {
        return 0.0;
    }
    let region = frame.gray_region(x0, y0, x1 - x0, y1 - y0);
    let bright = region.data.iter().filter(|&&v| v >= GLARE_LUMA).count();
    bright as f32 / region.data.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_box_is_shifted_inside_the_frame() {
        let b = fas_crop_box(ContentRect::full(640, 480), [500.0, 10.0, 100.0, 100.0], 2.7);
        assert!(b[0] >= 0.0 && b[1] >= 0.0);
        assert!(b[0] + b[2] <= 640.0 && b[1] + b[3] <= 480.0);
        assert!((b[2] - 271.0).abs() <= 1.0, "{b:?}");
    }

    #[test]
    fn crop_scale_is_capped_by_the_frame() {
        let b = fas_crop_box(ContentRect::full(640, 480), [200.0, 100.0, 200.0, 200.0], 4.0);
        assert!(b[3] <= 480.0, "{b:?}");
    }

    #[test]
    fn a_grid_has_a_spectral_peak_and_noise_does_not() {
        let n = 128;
        let mut seed = 12345u32;
        let noise: Vec<f32> = (0..n * n)
            .map(|_| {
                seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                128.0 + (seed >> 24) as f32 / 8.0
            })
            .collect();
        // A diagonal grating, as a screen grid seen at a slant.
        let diag: Vec<f32> = (0..n * n)
            .map(|i| {
                let (x, y) = ((i % n) as f32, (i / n) as f32);
                128.0 + 60.0 * ((x + 0.6 * y) * 2.0 * std::f32::consts::PI / 3.3).sin()
            })
            .collect();
        assert!(spectral_peak_log_ratio(n, &diag) > 2.0);
        assert!(spectral_peak_log_ratio(n, &noise) < 1.0);
    }
}
