//! Face detection: `Frame → Vec<FaceDetection>` with YuNet (all faces, 5 keypoints each).
//!
//! Decoding follows the model manifest: outputs are already sigmoided per anchor on strides
//! 8/16/32; score = sqrt(cls · obj); boxes are centre offsets and log sizes in stride units.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::image::{pack_top_left, resize, RgbImage};
use crate::models::LoadedModel;

/// Minimum detector score for a face to count.
pub const DETECTION_SCORE_MIN: f32 = 0.6;
/// Overlap above which the weaker of two boxes is suppressed.
pub const NMS_IOU: f32 = 0.3;
const STRIDES: [usize; 3] = [8, 16, 32];

/// One detected face in frame pixel coordinates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceDetection {
    /// Left, top, width, height.
    pub bbox: [f32; 4],
    /// Detector confidence 0..1.
    pub score: f32,
    /// Subject's right eye, left eye, nose tip, right and left mouth corner (image-left eye first).
    pub keypoints: [[f32; 2]; 5],
}

impl FaceDetection {
    /// Box area in pixels.
    pub fn area(&self) -> f32 {
        self.bbox[2].max(0.0) * self.bbox[3].max(0.0)
    }

    /// Box centre.
    pub fn centre(&self) -> (f32, f32) {
        (self.bbox[0] + self.bbox[2] / 2.0, self.bbox[1] + self.bbox[3] / 2.0)
    }

    fn iou(&self, other: &FaceDetection) -> f32 {
        let [ax, ay, aw, ah] = self.bbox;
        let [bx, by, bw, bh] = other.bbox;
        let ix = ((ax + aw).min(bx + bw) - ax.max(bx)).max(0.0);
        let iy = ((ay + ah).min(by + bh) - ay.max(by)).max(0.0);
        let inter = ix * iy;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }
}

/// The session's subject among the detected faces: the largest one (nearest the camera).
pub fn largest_face(faces: &[FaceDetection]) -> Option<&FaceDetection> {
    faces.iter().max_by(|a, b| a.area().total_cmp(&b.area()))
}

/// A second face counts as a person in view only when its box is at least this fraction of the
/// subject's width: someone standing beside or just behind the subject, not a face on a poster
/// far behind, a reflection or a detector false positive on a patterned background.
pub const SECOND_FACE_MIN_RATIO: f32 = 0.45;

/// Faces that count as people: the subject and every face at least [`SECOND_FACE_MIN_RATIO`]
/// of its width.
pub fn counted_faces(faces: &[FaceDetection]) -> usize {
    let Some(subject) = largest_face(faces) else {
        return 0;
    };
    let min = SECOND_FACE_MIN_RATIO * subject.bbox[2];
    faces.iter().filter(|f| f.bbox[2] >= min).count()
}

/// Builds the letterboxed detector input: the frame resized (SIMD, anti-aliased) so its long
/// side fits the model size, padded bottom/right with zeros. Returns the tensor data and the
/// frame→model scale.
pub fn detector_input(frame: &RgbImage, model: &LoadedModel) -> (Vec<f32>, f32) {
    let (mw, mh) = model.spec.input.image_size();
    let scale = (mw as f32 / frame.width() as f32).min(mh as f32 / frame.height() as f32);
    let w = ((frame.width() as f32 * scale).round() as u32).clamp(1, mw);
    let h = ((frame.height() as f32 * scale).round() as u32).clamp(1, mh);
    let mut data = Vec::new();
    pack_top_left(&resize(frame, w, h), &model.spec.input.canvas(true), &mut data);
    (data, scale)
}

/// Detects every face in the frame, strongest first.
pub fn detect_faces(frame: &RgbImage, model: &LoadedModel) -> Result<Vec<FaceDetection>, EngineError> {
    let (input, scale) = detector_input(frame, model);
    let (mw, _) = model.spec.input.image_size();
    let counts: Vec<usize> = STRIDES.iter().map(|s| (mw as usize / s).pow(2)).collect();
    let mut expected = Vec::with_capacity(12);
    for per in [1usize, 1, 4, 10] {
        expected.extend(counts.iter().map(|n| n * per));
    }
    let out = model.run_checked(input, &expected)?;
    Ok(decode_yunet(&out, mw as usize, scale))
}

fn decode_yunet(out: &[crate::infer::Tensor], size: usize, scale: f32) -> Vec<FaceDetection> {
    let mut faces = Vec::new();
    for (k, &stride) in STRIDES.iter().enumerate() {
        let cols = size / stride;
        let (cls, obj, bbox, kps) = (&out[k].data, &out[3 + k].data, &out[6 + k].data, &out[9 + k].data);
        let s = stride as f32;
        for i in 0..cols * cols {
            let score = (cls[i].clamp(0.0, 1.0) * obj[i].clamp(0.0, 1.0)).sqrt();
            if score < DETECTION_SCORE_MIN {
                continue;
            }
            let (r, c) = ((i / cols) as f32, (i % cols) as f32);
            let b = &bbox[i * 4..i * 4 + 4];
            let cx = (c + b[0]) * s;
            let cy = (r + b[1]) * s;
            let w = b[2].exp() * s;
            let h = b[3].exp() * s;
            let mut keypoints = [[0f32; 2]; 5];
            for (n, kp) in keypoints.iter_mut().enumerate() {
                kp[0] = (kps[i * 10 + 2 * n] + c) * s / scale;
                kp[1] = (kps[i * 10 + 2 * n + 1] + r) * s / scale;
            }
            faces.push(FaceDetection {
                bbox: [(cx - w / 2.0) / scale, (cy - h / 2.0) / scale, w / scale, h / scale],
                score,
                keypoints,
            });
        }
    }
    non_max_suppression(faces)
}

/// Greedy NMS: keeps the strongest box of every overlapping group.
pub fn non_max_suppression(mut faces: Vec<FaceDetection>) -> Vec<FaceDetection> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<FaceDetection> = Vec::new();
    for f in faces {
        if kept.iter().all(|k| k.iou(&f) <= NMS_IOU) {
            kept.push(f);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, score: f32) -> FaceDetection {
        FaceDetection {
            bbox: [x, 0.0, 10.0, 10.0],
            score,
            keypoints: [[0.0; 2]; 5],
        }
    }

    #[test]
    fn nms_keeps_strongest_of_overlaps_and_all_separate() {
        let kept = non_max_suppression(vec![face(0.0, 0.7), face(1.0, 0.9), face(50.0, 0.65)]);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].score, 0.9);
        assert_eq!(kept[1].bbox[0], 50.0);
    }

    #[test]
    fn iou_of_disjoint_and_identical() {
        assert_eq!(face(0.0, 1.0).iou(&face(100.0, 1.0)), 0.0);
        assert!((face(0.0, 1.0).iou(&face(0.0, 1.0)) - 1.0).abs() < 1e-6);
    }
}
