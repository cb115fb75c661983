//! Where the real picture is: `RgbImage → ContentRect`.
//!
//! Browsers, phones and video players pad pictures into other aspects: black letterbox bars
//! above and below, pillarbox bars at the sides, or a uniform matte. Those bars are not part of
//! the scene — a crop that reaches into them sees a hard straight edge and a flat region, which
//! a texture model reads as the border of a screen or a print. Every model crop is therefore
//! kept inside the content rectangle found here, and face size and position are judged against
//! it rather than against the padded frame.

use serde::{Deserialize, Serialize};

use crate::image::{luma, RgbImage};

/// A bar line is dark and flat: mean luma at most this …
pub const BAR_DARK_LUMA: f32 = 32.0;
/// … and luma spread (max − min of the sampled pixels) at most this; or, any colour, a spread at
/// most [`BAR_FLAT_SPREAD`] (an encoder's padding is flat to within its rounding).
pub const BAR_DARK_SPREAD: f32 = 18.0;
/// Spread of a flat bar of any colour.
pub const BAR_FLAT_SPREAD: f32 = 4.0;
/// Bars thinner than this fraction of the side are ignored (a dark first row is not a bar).
pub const BAR_MIN_FRACTION: f32 = 0.02;
/// The content keeps at least this fraction of each side (a dark scene is not all bars).
pub const CONTENT_MIN_FRACTION: f32 = 0.25;
/// Sample every n-th pixel along a line.
const STEP: usize = 4;

/// The real picture inside a frame: left, top, width, height in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContentRect(pub [u32; 4]);

impl ContentRect {
    /// The whole frame.
    pub fn full(width: u32, height: u32) -> Self {
        Self([0, 0, width, height])
    }

    /// Left, top, right, bottom (exclusive) as floats.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let [x, y, w, h] = self.0;
        (x as f32, y as f32, (x + w) as f32, (y + h) as f32)
    }

    /// Width and height.
    pub fn size(&self) -> (f32, f32) {
        (self.0[2] as f32, self.0[3] as f32)
    }

    /// Centre.
    pub fn centre(&self) -> (f32, f32) {
        let (x0, y0, x1, y1) = self.bounds();
        ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
    }

    /// The shorter side.
    pub fn short_side(&self) -> f32 {
        self.0[2].min(self.0[3]) as f32
    }
}

/// Luma spread and mean over the sampled pixels of a row or column.
fn line_stats(frame: &RgbImage, horizontal: bool, index: u32) -> (f32, f32) {
    let n = if horizontal { frame.width() } else { frame.height() };
    let (mut lo, mut hi, mut sum, mut count) = (f32::MAX, f32::MIN, 0.0f32, 0.0f32);
    for k in (0..n).step_by(STEP) {
        let (x, y) = if horizontal { (k, index) } else { (index, k) };
        let v = luma(&frame.pixel(x, y));
        lo = lo.min(v);
        hi = hi.max(v);
        sum += v;
        count += 1.0;
    }
    (hi - lo, sum / count.max(1.0))
}

fn is_bar(frame: &RgbImage, horizontal: bool, index: u32) -> bool {
    let (spread, mean) = line_stats(frame, horizontal, index);
    spread <= BAR_FLAT_SPREAD || (mean <= BAR_DARK_LUMA && spread <= BAR_DARK_SPREAD)
}

/// Lines of bar from one edge inwards (0 when thinner than [`BAR_MIN_FRACTION`]).
fn bar_depth(frame: &RgbImage, horizontal: bool, from_start: bool, limit: u32, side: u32) -> u32 {
    let mut depth = 0;
    while depth < limit {
        let index = if from_start { depth } else { side - 1 - depth };
        if !is_bar(frame, horizontal, index) {
            break;
        }
        depth += 1;
    }
    if (depth as f32) < BAR_MIN_FRACTION * side as f32 {
        0
    } else {
        depth
    }
}

/// Finds uniform bars on the four edges and returns the picture inside them. A frame without
/// bars (or one so dark that bars would leave too little) is its own content.
pub fn content_rect(frame: &RgbImage) -> ContentRect {
    let (w, h) = (frame.width(), frame.height());
    let max_bar = |side: u32| ((1.0 - CONTENT_MIN_FRACTION) / 2.0 * side as f32) as u32;
    let top = bar_depth(frame, true, true, max_bar(h), h);
    let bottom = bar_depth(frame, true, false, max_bar(h), h);
    let left = bar_depth(frame, false, true, max_bar(w), w);
    let right = bar_depth(frame, false, false, max_bar(w), w);
    ContentRect([left, top, w - left - right, h - top - bottom])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A noisy "scene" of `w x h` inside black bars.
    fn padded(w: u32, h: u32, left: u32, top: u32, cw: u32, ch: u32) -> RgbImage {
        let mut img = RgbImage::filled(w, h, [0, 0, 0]);
        let stride = w as usize * 3;
        let data = img.as_raw_mut();
        for y in top..top + ch {
            for x in left..left + cw {
                let v = (((x * 37 + y * 91) % 97) as u8).wrapping_add(60);
                let i = y as usize * stride + x as usize * 3;
                data[i..i + 3].copy_from_slice(&[v, v / 2 + 40, 255 - v]);
            }
        }
        img
    }

    #[test]
    fn letterbox_and_pillarbox_bars_are_found() {
        assert_eq!(content_rect(&padded(640, 480, 0, 60, 640, 360)).0, [0, 60, 640, 360]);
        assert_eq!(content_rect(&padded(1280, 720, 437, 0, 406, 720)).0, [437, 0, 406, 720]);
    }

    #[test]
    fn a_frame_without_bars_is_all_content() {
        assert_eq!(content_rect(&padded(640, 480, 0, 0, 640, 480)).0, [0, 0, 640, 480]);
        // All black: bars would leave less than the minimum, so at most the allowed depth goes.
        let dark = content_rect(&RgbImage::filled(640, 480, [5, 5, 5]));
        assert!(dark.0[2] as f32 >= CONTENT_MIN_FRACTION * 640.0 - 1.0);
        assert!(dark.0[3] as f32 >= CONTENT_MIN_FRACTION * 480.0 - 1.0);
    }

    #[test]
    fn a_thin_dark_edge_is_not_a_bar() {
        let r = content_rect(&padded(640, 480, 0, 4, 640, 476));
        assert_eq!(r.0, [0, 0, 640, 480]);
    }
}
