//! Capture quality: `Frame + faces → Quality` (S7; ISO/IEC 29794-5-like checks).
//!
//! Every failure is a stable code plus a sentence a person in front of a camera understands.

use serde::{Deserialize, Serialize};

use crate::detect::{counted_faces, largest_face, FaceDetection};
use crate::framing::ContentRect;
use crate::image::{crop_affine, Affine, RgbImage};

/// Face box width below this fraction of the picture's short side: too far away.
pub const FACE_SIZE_MIN: f32 = 0.18;
/// Face box narrower than this many pixels: too far away whatever the picture's size (the
/// landmark and texture models need detail to read).
pub const FACE_PIXELS_MIN: f32 = 64.0;
/// Face box width above this fraction of the picture's short side: too close.
pub const FACE_SIZE_MAX: f32 = 0.95;
/// Face centre further than this fraction of the picture size from its centre: off-centre.
pub const FACE_OFFSET_MAX: f32 = 0.30;
/// Mean face luma below this: too dark.
pub const LUMA_DARK: f32 = 55.0;
/// Mean face luma above this: too bright.
pub const LUMA_BRIGHT: f32 = 215.0;
/// Darker half of the face below this fraction of the brighter half: uneven light.
pub const SIDE_LIGHT_RATIO_MIN: f32 = 0.55;
/// Laplacian variance of the 128-px face crop below this: blurred.
pub const SHARPNESS_MIN: f32 = 12.0;

/// A quality problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityCode {
    /// No face in the frame.
    QualityNoFace,
    /// More than one face.
    QualityMultipleFaces,
    /// Face too small.
    QualityFaceTooSmall,
    /// Face too large.
    QualityFaceTooLarge,
    /// Face not centred.
    QualityFaceOffCenter,
    /// Face partly outside the frame.
    QualityFaceCutOff,
    /// Too dark.
    QualityTooDark,
    /// Too bright.
    QualityTooBright,
    /// One side of the face much darker.
    QualityUnevenLighting,
    /// Blurred.
    QualityBlurry,
}

/// Every quality code.
pub const ALL_QUALITY_CODES: [QualityCode; 10] = [
    QualityCode::QualityNoFace,
    QualityCode::QualityMultipleFaces,
    QualityCode::QualityFaceTooSmall,
    QualityCode::QualityFaceTooLarge,
    QualityCode::QualityFaceOffCenter,
    QualityCode::QualityFaceCutOff,
    QualityCode::QualityTooDark,
    QualityCode::QualityTooBright,
    QualityCode::QualityUnevenLighting,
    QualityCode::QualityBlurry,
];

impl QualityCode {
    /// The stable code string.
    pub fn code(self) -> &'static str {
        match self {
            Self::QualityNoFace => "quality_no_face",
            Self::QualityMultipleFaces => "quality_multiple_faces",
            Self::QualityFaceTooSmall => "quality_face_too_small",
            Self::QualityFaceTooLarge => "quality_face_too_large",
            Self::QualityFaceOffCenter => "quality_face_off_center",
            Self::QualityFaceCutOff => "quality_face_cut_off",
            Self::QualityTooDark => "quality_too_dark",
            Self::QualityTooBright => "quality_too_bright",
            Self::QualityUnevenLighting => "quality_uneven_lighting",
            Self::QualityBlurry => "quality_blurry",
        }
    }

    /// The code for a string, if it is one.
    pub fn from_code(code: &str) -> Option<Self> {
        ALL_QUALITY_CODES.into_iter().find(|c| c.code() == code)
    }

    /// What to tell the person.
    pub fn message(self) -> &'static str {
        match self {
            Self::QualityNoFace => "No face found. Look straight at the camera.",
            Self::QualityMultipleFaces => "More than one person is in view. Make sure you are alone.",
            Self::QualityFaceTooSmall => "Move closer to the camera.",
            Self::QualityFaceTooLarge => "Move a little further from the camera.",
            Self::QualityFaceOffCenter => "Place your face in the middle of the oval.",
            Self::QualityFaceCutOff => "Your whole face must be visible in the frame.",
            Self::QualityTooDark => "Move to a brighter place.",
            Self::QualityTooBright => "Too much light. Avoid direct light on your face or the camera.",
            Self::QualityUnevenLighting => "One side of your face is in shadow. Face the light evenly.",
            Self::QualityBlurry => "The image is blurred. Hold still and clean the camera lens.",
        }
    }
}

/// Measurements behind the quality verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityMetrics {
    /// Face width / short side of the picture's content (bars excluded).
    pub face_size: f32,
    /// Face centre distance from the content's centre, as a fraction of the content size.
    pub face_offset: f32,
    /// Mean face luma 0..255.
    pub brightness: f32,
    /// Darker face half / brighter face half (1 = even).
    pub side_light_ratio: f32,
    /// Laplacian variance of the normalised face crop.
    pub sharpness: f32,
}

/// Quality of one frame.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// No failures.
    pub ok: bool,
    /// Failure codes, most important first.
    pub codes: Vec<QualityCode>,
    /// What to tell the person, one sentence per code.
    #[serde(default)]
    pub messages: Vec<String>,
    /// The measurements.
    pub metrics: QualityMetrics,
}

impl Quality {
    /// A verdict from failure codes (none = ok) and the measurements behind them.
    pub fn new(codes: Vec<QualityCode>, metrics: QualityMetrics) -> Self {
        Self {
            ok: codes.is_empty(),
            messages: codes.iter().map(|c| c.message().to_string()).collect(),
            codes,
            metrics,
        }
    }
}

/// Face-crop statistics shared by the quality checks.
fn face_stats(frame: &RgbImage, face: &FaceDetection) -> (f32, f32, f32) {
    const N: usize = 128;
    let side = face.bbox[2].max(face.bbox[3]);
    let (cx, cy) = face.centre();
    let map = Affine::square_crop(cx, cy, side, 0.0, N as u32);
    let crop = crop_affine(frame, &map, N as u32, N as u32).gray_from_rgb();
    let mean = crop.data.iter().sum::<f32>() / crop.data.len() as f32;
    // Central band of the face, left vs right half (forehead to chin, cheeks included).
    let (mut left, mut right) = (0.0, 0.0);
    for y in N / 4..N * 7 / 8 {
        for x in N / 8..N / 2 {
            left += crop.at(x, y);
        }
        for x in N / 2..N * 7 / 8 {
            right += crop.at(x, y);
        }
    }
    let ratio = left.min(right) / left.max(right).max(1e-3);
    let mut lap = Vec::with_capacity(N * N);
    for y in 1..N - 1 {
        for x in 1..N - 1 {
            let v = 4.0 * crop.at(x, y) - crop.at(x - 1, y) - crop.at(x + 1, y) - crop.at(x, y - 1) - crop.at(x, y + 1);
            lap.push(v);
        }
    }
    let lap_mean = lap.iter().sum::<f32>() / lap.len() as f32;
    let sharpness = lap.iter().map(|v| (v - lap_mean).powi(2)).sum::<f32>() / lap.len() as f32;
    (mean, ratio, sharpness)
}

/// Whether the face box reaches outside the picture's content by more than 5 % of its width.
pub fn is_cut_off(face: &FaceDetection, content: ContentRect) -> bool {
    let (x0, y0, x1, y1) = content.bounds();
    let [x, y, w, h] = face.bbox;
    let margin = 0.05 * w;
    x < x0 - margin || y < y0 - margin || x + w > x1 + margin || y + h > y1 + margin
}

/// Checks one frame. `faces` is strongest first; the largest is the subject. Size, position and
/// cut-off are judged against the picture's `content` (bars excluded); a second face counts
/// only when it is large enough to be a person ([`counted_faces`]).
pub fn assess_quality(frame: &RgbImage, content: ContentRect, faces: &[FaceDetection]) -> Quality {
    let mut codes = Vec::new();
    let Some(face) = largest_face(faces) else {
        return Quality::new(vec![QualityCode::QualityNoFace], QualityMetrics::default());
    };
    if counted_faces(faces) > 1 {
        codes.push(QualityCode::QualityMultipleFaces);
    }
    let (w, h) = content.size();
    let face_size = face.bbox[2] / content.short_side().max(1.0);
    let (cx, cy) = face.centre();
    let (ox, oy) = content.centre();
    let face_offset = ((cx - ox) / w).hypot((cy - oy) / h);
    if is_cut_off(face, content) {
        codes.push(QualityCode::QualityFaceCutOff);
    }
    if face_size < FACE_SIZE_MIN || face.bbox[2] < FACE_PIXELS_MIN {
        codes.push(QualityCode::QualityFaceTooSmall);
    } else if face_size > FACE_SIZE_MAX {
        codes.push(QualityCode::QualityFaceTooLarge);
    }
    if face_offset > FACE_OFFSET_MAX {
        codes.push(QualityCode::QualityFaceOffCenter);
    }
    let (brightness, side_light_ratio, sharpness) = face_stats(frame, face);
    if brightness < LUMA_DARK {
        codes.push(QualityCode::QualityTooDark);
    } else if brightness > LUMA_BRIGHT {
        codes.push(QualityCode::QualityTooBright);
    }
    if side_light_ratio < SIDE_LIGHT_RATIO_MIN {
        codes.push(QualityCode::QualityUnevenLighting);
    }
    if sharpness < SHARPNESS_MIN {
        codes.push(QualityCode::QualityBlurry);
    }
    Quality::new(
        codes,
        QualityMetrics {
            face_size,
            face_offset,
            brightness,
            side_light_ratio,
            sharpness,
        },
    )
}
