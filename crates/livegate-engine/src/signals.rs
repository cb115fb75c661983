//! What one frame yields: [`FrameSignals`], the unit every later stage (gate, events, evidence,
//! verdict) reads and the server stores.

use serde::{Deserialize, Serialize};

use crate::detect::{largest_face, FaceDetection};
use crate::embedding::Embedding;
use crate::expression::{ExpressionGeometry, EyeOpenness};
use crate::framing::ContentRect;
use crate::image::{crop_affine, Affine, RgbImage};
use crate::light::{LightSample, ScreenColor};
use crate::pose::HeadPose;
use crate::quality::Quality;
use crate::texture::Texture;

/// Largest |yaw|, |pitch| and |roll| (degrees) of a frame whose descriptor identity continuity
/// and face match compare: the dlib crop is not pose-normalised.
pub const IDENTITY_FRONTAL_DEG: f32 = 18.0;

/// Everything measured on one frame. Fields about the face are `None` when no face was found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameSignals {
    /// Capture time in seconds from the start of the session or clip.
    pub t: f64,
    /// Frame width and height.
    pub size: [u32; 2],
    /// The real picture inside the frame (bars excluded): left, top, width, height. Absent in
    /// signals stored before it was measured (then the whole frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentRect>,
    /// Number of faces the detector found (1 on a tracked frame with a face).
    pub face_count: usize,
    /// Every detected face, strongest first; on a tracked frame only the subject.
    pub faces: Vec<FaceDetection>,
    /// The detector ran on this frame; `false` when the subject was tracked from the previous
    /// frame's landmarks ([`crate::track`]), so a second face could not have been seen. Absent
    /// in signals stored before tracking (then `true`).
    #[serde(default = "detected_default")]
    pub detected: bool,
    /// Head pose of the subject (largest face).
    pub pose: Option<HeadPose>,
    /// Eye openness.
    pub eyes: Option<EyeOpenness>,
    /// Smile 0..1.
    pub smile: Option<f32>,
    /// Mouth open 0..1.
    pub mouth_open: Option<f32>,
    /// Ensemble bona-fide probability (texture model).
    pub bona_fide: Option<f32>,
    /// Texture details: both models and our own cues.
    pub texture: Option<Texture>,
    /// Raw expression geometry.
    pub geometry: Option<ExpressionGeometry>,
    /// FaceMesh face-presence probability.
    pub mesh_presence: Option<f32>,
    /// Capture quality.
    pub quality: Quality,
    /// 128-d descriptor of the subject, for identity continuity and face match.
    pub embedding: Option<Embedding>,
    /// Image positions of [`MESH_SUBSET`] landmarks (for rigid-motion analysis across frames).
    pub mesh_points: Vec<[f32; 2]>,
    /// 16x16 luma thumbnail of the subject's face (of the whole frame without a face), for
    /// detecting repeated, static and looped frames.
    pub fingerprint: Vec<u8>,
    /// Linear light on the face's centre and on the scene around it (the colour-flash
    /// measurement, [`crate::light`]). Absent without a face and in signals stored before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light: Option<LightSample>,
    /// The flash colour on screen at capture time, as the client reported it (set by the caller
    /// of the analyzer, not measured). Absent outside a colour-flash challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<ScreenColor>,
}

/// FaceMesh landmarks kept per frame: outer eye corners first (the normalisation pair), then
/// nose, brows, cheeks, mouth corners and chin — points at different depths, so a real head
/// turn shows parallax between them.
pub const MESH_SUBSET: [usize; 16] = [33, 263, 1, 4, 168, 6, 105, 334, 234, 454, 61, 291, 152, 10, 133, 362];

/// Side of the [`FrameSignals::fingerprint`] thumbnail.
pub const FINGERPRINT_SIDE: u32 = 16;

/// A small luma thumbnail of the face box (or the whole frame).
pub fn fingerprint(frame: &RgbImage, face: Option<&FaceDetection>) -> Vec<u8> {
    let map = match face {
        Some(f) => Affine::rect_crop(
            f.bbox[0],
            f.bbox[1],
            f.bbox[2],
            f.bbox[3],
            FINGERPRINT_SIDE,
            FINGERPRINT_SIDE,
        ),
        None => Affine::rect_crop(
            0.0,
            0.0,
            frame.width() as f32,
            frame.height() as f32,
            FINGERPRINT_SIDE,
            FINGERPRINT_SIDE,
        ),
    };
    let thumb = crop_affine(frame, &map, FINGERPRINT_SIDE, FINGERPRINT_SIDE).gray_from_rgb();
    thumb.data.iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect()
}

fn detected_default() -> bool {
    true
}

impl FrameSignals {
    /// The picture's real content (the whole frame for signals stored without it).
    pub fn content(&self) -> ContentRect {
        self.content.unwrap_or(ContentRect::full(self.size[0], self.size[1]))
    }

    /// The subject: the largest detected face.
    pub fn subject(&self) -> Option<&FaceDetection> {
        largest_face(&self.faces)
    }

    /// The subject's head is within [`IDENTITY_FRONTAL_DEG`] of frontal on every axis.
    pub fn is_frontal(&self) -> bool {
        self.pose.is_some_and(|p| {
            p.yaw.abs() < IDENTITY_FRONTAL_DEG
                && p.pitch.abs() < IDENTITY_FRONTAL_DEG
                && p.roll.abs() < IDENTITY_FRONTAL_DEG
        })
    }
}
