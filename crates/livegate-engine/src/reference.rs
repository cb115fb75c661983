//! The reference-photo gate: whether a photo can serve as the face-match reference, and its
//! descriptor when it can.
//!
//! A reference is what every later probe is compared with, so a poor one turns into false
//! rejections (or, worse, matches against the wrong person) in every session that uses it. An
//! ID-style photo is often small, grey and JPEG-worn; those are accepted. What is refused, each
//! with a stable code ([`ReferenceProblem::code`]):
//! - no face, or a second face at least [`crate::detect::SECOND_FACE_MIN_RATIO`] of the
//!   subject's width (a passport's small ghost portrait does not count);
//! - a face narrower than [`REFERENCE_FACE_MIN_PX`] pixels (the descriptor chip is 150 px; below
//!   about 80 px the fused FRR climbs steeply);
//! - a blurred face: Laplacian variance of the normalised face crop below
//!   [`REFERENCE_SHARPNESS_MIN`];
//! - a turned head: |yaw| or |pitch| above [`REFERENCE_TURN_MAX_DEG`] (probes are compared only
//!   when frontal, so a profile reference cannot match them reliably);
//! - closed eyes: both eyes' openness below [`REFERENCE_EYES_OPEN_MIN`].
//!
//! Photos smaller than the engine's minimum frame are padded (never scaled) onto a neutral
//! canvas first, so the face keeps its own pixels.

use serde::{Deserialize, Serialize};

use crate::analyzer::Analyzer;
use crate::detect::counted_faces;
use crate::embedding::Embedding;
use crate::error::EngineError;
use crate::image::{RgbImage, MIN_FRAME_SIDE_LONG, MIN_FRAME_SIDE_SHORT};
use crate::signals::FrameSignals;

/// Narrowest reference face accepted, in pixels of the photo.
pub const REFERENCE_FACE_MIN_PX: f32 = 80.0;
/// Lowest face-crop sharpness (the quality check's Laplacian variance) accepted. Clean and
/// ID-like degraded stills of the labelled set measure well above it; a Gaussian blur of about
/// 4 % of the face width brings a face below it (README, face match).
pub const REFERENCE_SHARPNESS_MIN: f32 = 8.0;
/// Largest |yaw| or |pitch| of a reference, degrees.
pub const REFERENCE_TURN_MAX_DEG: f32 = 30.0;
/// Openness (0 closed … 1 open) at least one eye must reach.
pub const REFERENCE_EYES_OPEN_MIN: f32 = 0.15;
/// Grey level of the padding around photos smaller than the minimum frame.
const PAD_GREY: u8 = 128;

/// Why a photo cannot be a face-match reference.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ReferenceProblem {
    /// No face was found.
    #[error("no face found in the reference image")]
    NoFace,
    /// More than one person is in the photo.
    #[error("the reference image shows {faces} faces; it must show one person")]
    SeveralFaces {
        /// Faces counted.
        faces: usize,
    },
    /// The face is too small to describe reliably.
    #[error(
        "the face in the reference image is {width_px:.0} px wide; at least {REFERENCE_FACE_MIN_PX} px are needed"
    )]
    TooSmall {
        /// Face width in pixels.
        width_px: f32,
    },
    /// The face is blurred.
    #[error("the face in the reference image is blurred (sharpness {sharpness:.1}, at least {REFERENCE_SHARPNESS_MIN} needed)")]
    Blurred {
        /// The measured sharpness.
        sharpness: f32,
    },
    /// The head is turned away from the camera.
    #[error("the face in the reference image is turned {degrees:.0}°; a frontal photo (within {REFERENCE_TURN_MAX_DEG}°) is needed")]
    Profile {
        /// The larger of |yaw| and |pitch|.
        degrees: f32,
    },
    /// Both eyes are closed.
    #[error("the eyes are closed in the reference image")]
    EyesClosed,
}

impl ReferenceProblem {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoFace => "reference_no_face",
            Self::SeveralFaces { .. } => "reference_several_faces",
            Self::TooSmall { .. } => "reference_too_small",
            Self::Blurred { .. } => "reference_blurred",
            Self::Profile { .. } => "reference_profile",
            Self::EyesClosed => "reference_eyes_closed",
        }
    }
}

/// A photo's verdict as a reference: its descriptor, or the first problem found.
pub type ReferenceCheck = Result<Embedding, ReferenceProblem>;

/// The photo padded to the engine's minimum frame when it is smaller (the face keeps its pixels).
pub fn padded_to_minimum(photo: &RgbImage) -> std::borrow::Cow<'_, RgbImage> {
    let landscape = photo.width() >= photo.height();
    let (min_w, min_h) = if landscape {
        (MIN_FRAME_SIDE_LONG, MIN_FRAME_SIDE_SHORT)
    } else {
        (MIN_FRAME_SIDE_SHORT, MIN_FRAME_SIDE_LONG)
    };
    if photo.width() >= min_w && photo.height() >= min_h {
        return std::borrow::Cow::Borrowed(photo);
    }
    let (w, h) = (photo.width().max(min_w), photo.height().max(min_h));
    let mut canvas = RgbImage::filled(w, h, [PAD_GREY; 3]);
    let (x0, y0) = ((w - photo.width()) / 2, (h - photo.height()) / 2);
    let (row, stride) = (photo.width() as usize * 3, w as usize * 3);
    for (y, src) in photo.as_raw().chunks_exact(row).enumerate() {
        let start = (y0 as usize + y) * stride + x0 as usize * 3;
        canvas.as_raw_mut()[start..start + row].copy_from_slice(src);
    }
    std::borrow::Cow::Owned(canvas)
}

/// Judges a measured still against the rules of the module documentation.
pub fn judge(signals: &FrameSignals) -> ReferenceCheck {
    let Some(face) = signals.subject() else {
        return Err(ReferenceProblem::NoFace);
    };
    let faces = counted_faces(&signals.faces);
    if faces > 1 {
        return Err(ReferenceProblem::SeveralFaces { faces });
    }
    if face.bbox[2] < REFERENCE_FACE_MIN_PX {
        return Err(ReferenceProblem::TooSmall { width_px: face.bbox[2] });
    }
    let sharpness = signals.quality.metrics.sharpness;
    if sharpness < REFERENCE_SHARPNESS_MIN {
        return Err(ReferenceProblem::Blurred { sharpness });
    }
    if let Some(pose) = signals.pose {
        let degrees = pose.yaw.abs().max(pose.pitch.abs());
        if degrees > REFERENCE_TURN_MAX_DEG {
            return Err(ReferenceProblem::Profile { degrees });
        }
    }
    if signals
        .eyes
        .is_some_and(|e| e.left.max(e.right) < REFERENCE_EYES_OPEN_MIN)
    {
        return Err(ReferenceProblem::EyesClosed);
    }
    signals.embedding.clone().ok_or(ReferenceProblem::NoFace)
}

impl Analyzer {
    /// Measures a reference photo and judges it ([`judge`]). The outer error is the engine's
    /// own (a model failed); the inner one says why the photo cannot be a reference.
    pub fn reference(&self, photo: &RgbImage) -> Result<ReferenceCheck, EngineError> {
        let frame = padded_to_minimum(photo);
        Ok(judge(&self.analyze(&frame, 0.0)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_photos_are_padded_not_scaled() {
        let mut photo = RgbImage::filled(100, 150, [10, 20, 30]);
        photo.as_raw_mut()[0] = 200;
        let padded = padded_to_minimum(&photo);
        assert_eq!((padded.width(), padded.height()), (240, 320));
        assert_eq!(padded.pixel(70, 85), [200, 20, 30]);
        assert_eq!(padded.pixel(169, 234), [10, 20, 30]);
        assert_eq!(padded.pixel(0, 0), [PAD_GREY; 3]);
        let big = RgbImage::filled(640, 480, [0; 3]);
        assert!(matches!(padded_to_minimum(&big), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn codes_are_stable() {
        let all = [
            ReferenceProblem::NoFace,
            ReferenceProblem::SeveralFaces { faces: 2 },
            ReferenceProblem::TooSmall { width_px: 50.0 },
            ReferenceProblem::Blurred { sharpness: 1.0 },
            ReferenceProblem::Profile { degrees: 60.0 },
            ReferenceProblem::EyesClosed,
        ];
        let codes: Vec<&str> = all.iter().map(|p| p.code()).collect();
        assert_eq!(
            codes,
            [
                "reference_no_face",
                "reference_several_faces",
                "reference_too_small",
                "reference_blurred",
                "reference_profile",
                "reference_eyes_closed"
            ]
        );
    }
}
