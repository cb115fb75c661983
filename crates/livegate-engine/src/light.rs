//! Light on the face against light on the scene, per frame: `RgbImage + FaceDetection →
//! LightSample`, the measurement the colour-flash challenge (`liveness::flash`) correlates with
//! the colours the screen showed.
//!
//! Physics: a screen a few tens of centimetres from the face adds its own light to the ambient
//! light falling on the skin; the reflected radiance is `albedo × (ambient + screen)`, and the
//! screen's share falls off with the square of the distance, so the face (30-50 cm away) changes
//! while the wall behind it (one metre or more) barely does. The camera's auto exposure and auto
//! white balance multiply the *whole* picture by per-channel gains, so the log ratio of face to
//! background light cancels them: `ln(face_c) − ln(background_c)` moves with the screen's colour
//! and not with the camera's corrections. Values here are linear light (sRGB decoded), so the
//! ratio is a ratio of radiances.

use serde::{Deserialize, Serialize};

use crate::detect::FaceDetection;
use crate::framing::ContentRect;
use crate::image::RgbImage;

/// Central part of the face box that is sampled (fraction of its width and height): cheeks,
/// nose and forehead, without hair, ears or the box's background corners.
pub const FACE_INNER: f32 = 0.5;
/// The background is the content outside the face box grown by this factor (hair, ears and the
/// neck stay out of it).
pub const BACKGROUND_MARGIN: f32 = 1.8;
/// Pixel stride of the sampling grid (the means need hundreds of pixels, not all of them).
pub const SAMPLE_STRIDE: u32 = 3;
/// Fewest sampled pixels either region needs for a sample.
pub const MIN_SAMPLES: usize = 64;

/// Mean linear-light RGB (0..1) of the face's centre and of the scene around it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LightSample {
    /// Inner face region.
    pub face: [f32; 3],
    /// The real picture outside the grown face box.
    pub background: [f32; 3],
}

/// Which colour of the issued flash sequence was on screen when the frame was captured, as the
/// capturing client reports it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScreenColor {
    /// Index of the step in the session's flash sequence.
    pub step: usize,
    /// Seconds the step's colour had been on screen at capture time.
    pub since_s: f64,
}

fn srgb_to_linear(v: u8) -> f32 {
    let c = v as f32 / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// A 256-entry sRGB → linear table (built once per call: 256 `powf`s against tens of thousands
/// of pixels).
fn linear_table() -> [f32; 256] {
    let mut t = [0.0; 256];
    for (i, v) in t.iter_mut().enumerate() {
        *v = srgb_to_linear(i as u8);
    }
    t
}

/// Samples the face's inner region and the background of `frame` (inside `content`). `None`
/// without a face, or when either region is too small to average.
pub fn sample_light(frame: &RgbImage, content: ContentRect, face: Option<&FaceDetection>) -> Option<LightSample> {
    let face = face?;
    let [x, y, w, h] = face.bbox;
    if !(w > 0.0 && h > 0.0) {
        return None;
    }
    let (cx, cy) = (x + w / 2.0, y + h / 2.0);
    let inner = (
        cx - w * FACE_INNER / 2.0,
        cy - h * FACE_INNER / 2.0,
        cx + w * FACE_INNER / 2.0,
        cy + h * FACE_INNER / 2.0,
    );
    let outer = (
        cx - w * BACKGROUND_MARGIN / 2.0,
        cy - h * BACKGROUND_MARGIN / 2.0,
        cx + w * BACKGROUND_MARGIN / 2.0,
        cy + h * BACKGROUND_MARGIN / 2.0,
    );
    let lin = linear_table();
    let (l, t, r, b) = content.bounds();
    let (fw, fh) = (frame.width() as f32, frame.height() as f32);
    let (l, t, r, b) = (l.max(0.0), t.max(0.0), r.min(fw), b.min(fh));
    let data = frame.as_raw();
    let width = frame.width() as usize;
    let mut sums = [[0.0f64; 3]; 2];
    let mut counts = [0usize; 2];
    let mut py = t as u32;
    while (py as f32) < b {
        let mut px = l as u32;
        while (px as f32) < r {
            let (fx, fy) = (px as f32 + 0.5, py as f32 + 0.5);
            let region = if fx >= inner.0 && fx < inner.2 && fy >= inner.1 && fy < inner.3 {
                Some(0)
            } else if fx < outer.0 || fx >= outer.2 || fy < outer.1 || fy >= outer.3 {
                Some(1)
            } else {
                None
            };
            if let Some(k) = region {
                let i = (py as usize * width + px as usize) * 3;
                for c in 0..3 {
                    sums[k][c] += lin[data[i + c] as usize] as f64;
                }
                counts[k] += 1;
            }
            px += SAMPLE_STRIDE;
        }
        py += SAMPLE_STRIDE;
    }
    if counts.iter().any(|&n| n < MIN_SAMPLES) {
        return None;
    }
    let mean = |k: usize| -> [f32; 3] { std::array::from_fn(|c| (sums[k][c] / counts[k] as f64) as f32) };
    Some(LightSample {
        face: mean(0),
        background: mean(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, y: f32, side: f32) -> FaceDetection {
        FaceDetection {
            bbox: [x, y, side, side],
            score: 0.9,
            keypoints: [[0.0; 2]; 5],
        }
    }

    #[test]
    fn face_and_background_are_measured_apart() {
        let mut img = RgbImage::filled(320, 240, [40, 40, 40]);
        // A bright square "face" at 110..210 x 70..170.
        let w = img.width() as usize;
        for y in 70..170usize {
            for x in 110..210usize {
                let i = (y * w + x) * 3;
                img.as_raw_mut()[i..i + 3].copy_from_slice(&[200, 150, 120]);
            }
        }
        let s = sample_light(&img, ContentRect::full(320, 240), Some(&face(110.0, 70.0, 100.0))).unwrap();
        assert!((s.face[0] - srgb_to_linear(200)).abs() < 1e-4, "{s:?}");
        assert!((s.face[2] - srgb_to_linear(120)).abs() < 1e-4);
        assert!((s.background[1] - srgb_to_linear(40)).abs() < 1e-4);
    }

    #[test]
    fn no_face_or_no_background_gives_none() {
        let img = RgbImage::filled(320, 240, [90, 90, 90]);
        assert!(sample_light(&img, ContentRect::full(320, 240), None).is_none());
        // A face box covering the whole picture leaves no background.
        let huge = face(-200.0, -200.0, 800.0);
        assert!(sample_light(&img, ContentRect::full(320, 240), Some(&huge)).is_none());
        let nan = face(f32::NAN, 0.0, f32::NAN);
        assert!(sample_light(&img, ContentRect::full(320, 240), Some(&nan)).is_none());
    }
}
