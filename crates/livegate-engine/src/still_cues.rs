//! Still-image attack cues of our own, beside the MiniFASNet ensemble:
//! `Frame + FaceDetection → StillCues`.
//!
//! **Border.** A sheet of paper or a screen is a flat object with straight edges. Held up to the
//! camera, its edges run as long, straight, same-polarity step edges around the face. A room has
//! straight edges too (doors, shelves, windows), but rarely on three sides of a face at once
//! within a few face sizes of it. The cue looks for such an edge on each side of the face (left,
//! right, above, below, up to three face sizes out, slopes up to ±0.3) covering most of the face's
//! height or width, on a copy of the frame at most [`BORDER_WORK_SIDE`] pixels on a side.
//!
//! What it cannot see: a print or screen whose edges are out of frame or hidden by hands on two
//! sides or more, and it can be fooled the other way by a face framed on three sides by a door or
//! a window (passive mode only: active sessions leave prints to the challenges). Both are left to
//! the texture models.

use serde::{Deserialize, Serialize};

use crate::detect::FaceDetection;
use crate::image::{resize, RgbImage};

/// Longest side of the picture the border search works on (pixels).
pub const BORDER_WORK_SIDE: u32 = 320;
/// Sobel magnitude (0..255 luma, 4x the step) from which a pixel is an edge.
pub const BORDER_EDGE_MIN: f32 = 48.0;
/// Fraction of a side's span a straight edge must cover to count as a border there.
pub const BORDER_SUPPORT_MIN: f32 = 0.75;
/// Sides with a border needed before the cue fires.
pub const BORDER_SIDES_MIN: u8 = 3;

/// The still-image cues of one face (reported in [`crate::texture::Texture`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StillCues {
    /// Sides of the face (left, right, top, bottom) with a long straight edge.
    pub border_sides: u8,
    /// Sides whose search band the frame cuts off (nothing can be seen there).
    pub border_unseen: u8,
}

impl StillCues {
    /// A sheet's or screen's edge on at least [`BORDER_SIDES_MIN`] sides of the face.
    pub fn border_found(&self) -> bool {
        self.border_sides >= BORDER_SIDES_MIN
    }
}

/// Measures the cues.
pub fn still_cues(frame: &RgbImage, face: &FaceDetection) -> StillCues {
    let (border_sides, border_unseen) = border_sides(frame, face);
    StillCues {
        border_sides,
        border_unseen,
    }
}

/// Signed edge maps of a grey picture: +1/-1 where the Sobel gradient is strong and points
/// mostly across x (vertical edges) or across y (horizontal edges), 0 elsewhere.
struct EdgeMaps {
    width: usize,
    height: usize,
    across_x: Vec<i8>,
    across_y: Vec<i8>,
}

impl EdgeMaps {
    fn of(gray: &[f32], width: usize, height: usize) -> Self {
        let mut across_x = vec![0i8; width * height];
        let mut across_y = vec![0i8; width * height];
        let at = |x: usize, y: usize| gray[y * width + x];
        for y in 1..height.saturating_sub(1) {
            for x in 1..width.saturating_sub(1) {
                let gx = at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1)
                    - at(x - 1, y - 1)
                    - 2.0 * at(x - 1, y)
                    - at(x - 1, y + 1);
                let gy = at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1)
                    - at(x - 1, y - 1)
                    - 2.0 * at(x, y - 1)
                    - at(x + 1, y - 1);
                if gx.abs() >= BORDER_EDGE_MIN && gx.abs() >= 1.5 * gy.abs() {
                    across_x[y * width + x] = gx.signum() as i8;
                }
                if gy.abs() >= BORDER_EDGE_MIN && gy.abs() >= 1.5 * gx.abs() {
                    across_y[y * width + x] = gy.signum() as i8;
                }
            }
        }
        Self {
            width,
            height,
            across_x,
            across_y,
        }
    }
}

/// The best straight-edge support in a band: lines `across = c + s (along - mid)` for offsets
/// `c` in `band` and slopes up to ±0.3, over `along` in `span`; a line point counts when the map
/// has an edge of the line's majority sign within one pixel of it.
fn best_line(map: &[i8], width: usize, vertical: bool, band: (usize, usize), span: (usize, usize)) -> f32 {
    let len = span.1.saturating_sub(span.0);
    if len == 0 || band.1 <= band.0 {
        return 0.0;
    }
    let mid = (span.0 + span.1) as f32 / 2.0;
    let limit = if vertical { width } else { map.len() / width };
    let mut best = 0usize;
    for c in band.0..band.1 {
        for k in -6i32..=6 {
            let slope = k as f32 * 0.05;
            let (mut pos, mut neg) = (0usize, 0usize);
            for along in span.0..span.1 {
                let across = (c as f32 + slope * (along as f32 - mid)).round() as isize;
                let (mut p, mut n) = (false, false);
                for d in -1..=1 {
                    let a = across + d;
                    if a < 0 || a as usize >= limit {
                        continue;
                    }
                    let v = if vertical {
                        map[along * width + a as usize]
                    } else {
                        map[a as usize * width + along]
                    };
                    p |= v > 0;
                    n |= v < 0;
                }
                pos += p as usize;
                neg += n as usize;
            }
            best = best.max(pos.max(neg));
        }
    }
    best as f32 / len as f32
}

/// Counts the sides of the face with a border, and the sides the frame cuts off.
fn border_sides(frame: &RgbImage, face: &FaceDetection) -> (u8, u8) {
    let scale = (BORDER_WORK_SIDE as f32 / frame.width().max(frame.height()) as f32).min(1.0);
    let (w, h) = (
        ((frame.width() as f32 * scale).round() as u32).max(8),
        ((frame.height() as f32 * scale).round() as u32).max(8),
    );
    let small = resize(frame, w, h);
    let gray = small.gray_from_rgb();
    let maps = EdgeMaps::of(&gray.data, gray.width as usize, gray.height as usize);
    let [bx, by, bw, bh] = face.bbox.map(|v| v * scale);
    let (wf, hf) = (maps.width as f32, maps.height as f32);
    let clamp = |v: f32, hi: f32| v.clamp(1.0, hi - 2.0) as usize;
    // Each side: the band (across the edge) between the face and up to three face sizes out,
    // and the span (along it) of the face's extent with a margin.
    let vspan = (clamp(by - 0.3 * bh, hf), clamp(by + 1.3 * bh, hf));
    let hspan = (clamp(bx - 0.3 * bw, wf), clamp(bx + 1.3 * bw, wf));
    let sides = [
        (true, (clamp(bx - 3.0 * bw, wf), clamp(bx - 0.05 * bw, wf)), vspan, bh),
        (true, (clamp(bx + 1.05 * bw, wf), clamp(bx + 4.0 * bw, wf)), vspan, bh),
        (false, (clamp(by - 3.0 * bh, hf), clamp(by - 0.05 * bh, hf)), hspan, bw),
        (false, (clamp(by + 1.05 * bh, hf), clamp(by + 4.0 * bh, hf)), hspan, bw),
    ];
    let (mut found, mut unseen) = (0u8, 0u8);
    for (vertical, band, span, extent) in sides {
        // A band thinner than a few pixels, or a span shorter than the face, is out of frame.
        if band.1 < band.0 + 3 || ((span.1 - span.0) as f32) < extent {
            unseen += 1;
            continue;
        }
        let map = if vertical { &maps.across_x } else { &maps.across_y };
        if best_line(map, maps.width, vertical, band, span) >= BORDER_SUPPORT_MIN {
            found += 1;
        }
    }
    (found, unseen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(bbox: [f32; 4]) -> FaceDetection {
        let [x, y, w, h] = bbox;
        FaceDetection {
            bbox,
            score: 0.9,
            keypoints: [
                [x + 0.3 * w, y + 0.4 * h],
                [x + 0.7 * w, y + 0.4 * h],
                [x + 0.5 * w, y + 0.6 * h],
                [x + 0.35 * w, y + 0.8 * h],
                [x + 0.65 * w, y + 0.8 * h],
            ],
        }
    }

    #[test]
    fn a_sheet_around_the_face_has_a_border_on_every_side() {
        // A light sheet on a dark room, with a mid-grey "face" in the middle.
        let mut img = RgbImage::filled(640, 480, [30, 30, 30]);
        for y in 40..440u32 {
            for x in 120..520u32 {
                let i = ((y * 640 + x) * 3) as usize;
                img.as_raw_mut()[i..i + 3].copy_from_slice(&[200, 195, 185]);
            }
        }
        let f = face([260.0, 160.0, 120.0, 150.0]);
        let cues = still_cues(&img, &f);
        assert_eq!(cues.border_sides, 4, "{cues:?}");
        assert!(cues.border_found());
        // The same face on a plain wall: no border.
        let plain = RgbImage::filled(640, 480, [200, 195, 185]);
        let cues = still_cues(&plain, &f);
        assert_eq!(cues.border_sides, 0, "{cues:?}");
        assert!(!cues.border_found());
    }
}
