//! Dense landmarks: `FaceDetection → Landmarks` with MediaPipe FaceMesh (468 points).
//!
//! The crop is the square around the detector box scaled 1.5x and rotated so the detector's eye
//! keypoints are level (as MediaPipe does for rolled heads); the model's crop coordinates are
//! mapped back to frame pixels through the same affine map.

use serde::Serialize;

use crate::detect::FaceDetection;
use crate::error::EngineError;
use crate::image::{sample_affine, Affine, RgbImage};
use crate::models::LoadedModel;

/// Number of FaceMesh landmarks.
pub const MESH_POINTS: usize = 468;
/// Crop side relative to the larger side of the detector box.
pub const MESH_CROP_SCALE: f32 = 1.5;

/// 468 points in frame pixels; `z` is relative depth in the same pixel scale (smaller = closer
/// to the camera), centred on the head.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Landmarks {
    /// (x, y, z) per FaceMesh index.
    pub points: Vec<[f32; 3]>,
    /// Face-presence probability from the mesh model.
    pub presence: f32,
}

/// Largest crop rotation taken from the detector's eye keypoints (radians, 40°).
pub const MESH_CROP_MAX_ROLL: f32 = 0.70;
/// Below this eye distance (fraction of the box width) the eye keypoints are unreliable (a
/// head turned near profile) and the crop is not rotated.
pub const MESH_CROP_MIN_EYE_SPAN: f32 = 0.25;

/// The rotated square crop FaceMesh sees for a detection.
pub fn mesh_crop(face: &FaceDetection, size: u32) -> Affine {
    let (cx, cy) = face.centre();
    let side = face.bbox[2].max(face.bbox[3]) * MESH_CROP_SCALE;
    let [right_eye, left_eye, ..] = face.keypoints;
    let (dx, dy) = (left_eye[0] - right_eye[0], left_eye[1] - right_eye[1]);
    let angle = if dx <= 0.0 || dx.hypot(dy) < MESH_CROP_MIN_EYE_SPAN * face.bbox[2] {
        0.0
    } else {
        dy.atan2(dx).clamp(-MESH_CROP_MAX_ROLL, MESH_CROP_MAX_ROLL)
    };
    Affine::square_crop(cx, cy, side, angle, size)
}

/// Runs FaceMesh on the face and maps the points back to the frame.
pub fn face_landmarks(frame: &RgbImage, face: &FaceDetection, model: &LoadedModel) -> Result<Landmarks, EngineError> {
    let canvas = model.spec.input.canvas(true);
    let map = mesh_crop(face, canvas.width);
    let mut input = Vec::new();
    sample_affine(frame, &map, &canvas, &mut input);
    let out = model.run_checked(input, &[MESH_POINTS * 3, 1])?;
    let scale = map.scale();
    let points = out[0]
        .data
        .chunks_exact(3)
        .map(|p| {
            let (x, y) = map.apply(p[0], p[1]);
            [x, y, p[2] * scale]
        })
        .collect();
    let presence = 1.0 / (1.0 + (-out[1].data[0]).exp());
    Ok(Landmarks { points, presence })
}
