//! Expression signals: `Landmarks + FaceFrame → Expression` (eye openness, smile, mouth open).
//!
//! Measured on the landmarks mapped back into the canonical face (pose and distance removed), so
//! a head turn does not read as a squint and a face far from the camera smiles like a near one.
//! Ratios are normalised by the face's own geometry (eye width, inter-ocular distance).

use serde::{Deserialize, Serialize};

use crate::landmarks::Landmarks;
use crate::pose::FaceFrame;

/// Eye-aspect ratio at or below which an eye reads as closed (openness 0).
pub const EAR_CLOSED: f32 = 0.10;
/// Eye-aspect ratio at or above which an eye reads as fully open (openness 1).
pub const EAR_OPEN: f32 = 0.26;
/// Mouth width / inter-ocular distance of a neutral mouth (smile 0 at or below).
pub const MOUTH_WIDTH_NEUTRAL: f32 = 0.60;
/// Mouth width / inter-ocular distance of a broad smile (width part of smile saturates).
pub const MOUTH_WIDTH_SMILE: f32 = 0.74;
/// Corner lift (mouth corners above the lip centre, / inter-ocular) of a neutral mouth.
pub const CORNER_LIFT_NEUTRAL: f32 = 0.0;
/// Corner lift of a clear smile.
pub const CORNER_LIFT_SMILE: f32 = 0.08;
/// Inner-lip gap / mouth width at which the mouth reads as fully open.
pub const MOUTH_GAP_OPEN: f32 = 0.45;
/// Inner-lip gap up to which a widened, lifted mouth fully counts as a smile.
pub const SMILE_GAP_FULL: f32 = 0.40;
/// Inner-lip gap from which a wide mouth is a shout or grimace, not a smile (toothy smiles on
/// the test clips open to 0.2-0.33; shouts and "O" mouths to 0.6-0.7).
pub const SMILE_GAP_NONE: f32 = 0.55;

// FaceMesh indices: (corner, corner) and upper/lower lid pairs per eye.
const RIGHT_EYE_CORNERS: (usize, usize) = (33, 133);
const RIGHT_EYE_LIDS: [(usize, usize); 3] = [(159, 145), (158, 153), (160, 144)];
const LEFT_EYE_CORNERS: (usize, usize) = (362, 263);
const LEFT_EYE_LIDS: [(usize, usize); 3] = [(386, 374), (385, 380), (387, 373)];
const MOUTH_CORNERS: (usize, usize) = (61, 291);
const INNER_LIPS: (usize, usize) = (13, 14);

/// Raw geometry behind the expression scores (canonical centimetres and ratios), kept for
/// explanation and re-scoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExpressionGeometry {
    /// Right-eye aspect ratio (lid gap / eye width).
    pub ear_right: f32,
    /// Left-eye aspect ratio.
    pub ear_left: f32,
    /// Mouth width / inter-ocular distance.
    pub mouth_width: f32,
    /// Mouth corners above the lip centre / inter-ocular distance (> 0 corners up).
    pub corner_lift: f32,
    /// Inner-lip gap / mouth width.
    pub mouth_gap: f32,
}

/// Per-eye openness, 0 closed … 1 open. `left` is the subject's own left eye.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EyeOpenness {
    /// Subject's left eye.
    pub left: f32,
    /// Subject's right eye.
    pub right: f32,
}

/// Expression scores of one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Expression {
    /// Eye openness.
    pub eyes: EyeOpenness,
    /// Smile 0..1.
    pub smile: f32,
    /// Mouth open 0..1.
    pub mouth_open: f32,
    /// The measurements the scores come from.
    pub geometry: ExpressionGeometry,
}

fn ramp(value: f32, low: f32, high: f32) -> f32 {
    ((value - low) / (high - low)).clamp(0.0, 1.0)
}

/// Measures eyes and mouth in the canonical frame.
pub fn measure_expression(landmarks: &Landmarks, frame: &FaceFrame) -> Expression {
    let c = |i: usize| frame.to_canonical(&landmarks.points[i]);
    let dist = |a: usize, b: usize| (c(a) - c(b)).norm();
    let ear = |corners: (usize, usize), lids: &[(usize, usize); 3]| {
        let width = dist(corners.0, corners.1).max(1e-3);
        lids.iter().map(|&(u, l)| dist(u, l)).sum::<f32>() / 3.0 / width
    };
    let ear_right = ear(RIGHT_EYE_CORNERS, &RIGHT_EYE_LIDS);
    let ear_left = ear(LEFT_EYE_CORNERS, &LEFT_EYE_LIDS);
    let inter_ocular = dist(RIGHT_EYE_CORNERS.0, LEFT_EYE_CORNERS.1).max(1e-3);
    let width = dist(MOUTH_CORNERS.0, MOUTH_CORNERS.1);
    let corners_y = (c(MOUTH_CORNERS.0).y + c(MOUTH_CORNERS.1).y) / 2.0;
    let centre_y = (c(INNER_LIPS.0).y + c(INNER_LIPS.1).y) / 2.0;
    let geometry = ExpressionGeometry {
        ear_right,
        ear_left,
        mouth_width: width / inter_ocular,
        corner_lift: (corners_y - centre_y) / inter_ocular,
        mouth_gap: dist(INNER_LIPS.0, INNER_LIPS.1) / width.max(1e-3),
    };
    score_expression(geometry)
}

/// Turns geometry into 0..1 scores. A smile needs the mouth to widen *and* its corners to rise;
/// an open mouth without lifted corners (talking, "O") is not a smile, and a wide-open mouth
/// (shouting, grimacing) is not one either.
pub fn score_expression(g: ExpressionGeometry) -> Expression {
    let widen = ramp(g.mouth_width, MOUTH_WIDTH_NEUTRAL, MOUTH_WIDTH_SMILE);
    let lift = ramp(g.corner_lift, CORNER_LIFT_NEUTRAL, CORNER_LIFT_SMILE);
    let not_shout = 1.0 - ramp(g.mouth_gap, SMILE_GAP_FULL, SMILE_GAP_NONE);
    Expression {
        eyes: EyeOpenness {
            left: ramp(g.ear_left, EAR_CLOSED, EAR_OPEN),
            right: ramp(g.ear_right, EAR_CLOSED, EAR_OPEN),
        },
        smile: (widen * lift).sqrt() * not_shout,
        mouth_open: ramp(g.mouth_gap, 0.0, MOUTH_GAP_OPEN),
        geometry: g,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_mouth_without_lift_is_not_a_smile() {
        let g = ExpressionGeometry {
            ear_right: 0.3,
            ear_left: 0.3,
            mouth_width: 0.8,
            corner_lift: -0.02,
            mouth_gap: 0.6,
        };
        let e = score_expression(g);
        assert_eq!(e.smile, 0.0);
        assert_eq!(e.mouth_open, 1.0);
    }

    #[test]
    fn a_wide_open_shout_is_not_a_smile() {
        let smile = ExpressionGeometry {
            mouth_width: 0.72,
            corner_lift: 0.07,
            mouth_gap: 0.25,
            ..Default::default()
        };
        let shout = ExpressionGeometry {
            mouth_gap: 0.62,
            ..smile
        };
        assert!(score_expression(smile).smile > 0.8);
        assert_eq!(score_expression(shout).smile, 0.0);
    }

    #[test]
    fn scores_are_bounded_and_monotone() {
        let mut last = -1.0;
        for i in 0..50 {
            let g = ExpressionGeometry {
                mouth_width: 0.5 + i as f32 * 0.01,
                corner_lift: -0.05 + i as f32 * 0.004,
                ..Default::default()
            };
            let s = score_expression(g).smile;
            assert!((0.0..=1.0).contains(&s));
            assert!(s >= last);
            last = s;
        }
    }
}
