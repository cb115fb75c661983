//! Face embedding for face match: `Frame + FaceDetection → Embedding` (dlib ResNet, two views).
//!
//! One descriptor is two 128-d views of the same face through the same network:
//! - **box**: the square around the detector box (scale 1.0) resized to 150x150;
//! - **chip**: dlib's aligned 150x150 face chip — the similarity transform that best maps the
//!   face's five keypoints onto [`CHIP_TEMPLATE`] (dlib's `get_face_chip_details` geometry,
//!   padding 0.25), eyes level, the face filling the chip as the network was trained.
//!
//! RGB, the graph does its own mean subtraction. Two descriptors are compared by the root mean
//! square of the per-view Euclidean distances (the sum rule of score fusion). The chip alone is
//! the better view on the labelled pairs, but it put two different women of the Silent-Face
//! samples 0.42 apart (a false match); the box view keeps them 0.67 apart. Fused they are 0.56
//! apart at a cost of 3.5 ms more per sampled frame (ort) — see the README's face-match table.
//! A similarity in 0..1 is derived from the distance for reporting.

use serde::{Deserialize, Serialize};

use crate::detect::FaceDetection;
use crate::error::EngineError;
use crate::image::{sample_affine, Affine, RgbImage, Similarity};
use crate::models::LoadedModel;

/// Length of one view (the network's output).
pub const EMBEDDING_DIM: usize = 128;
/// Views per descriptor, in this order: box, chip.
pub const VIEWS: usize = 2;
/// Fused distance at or below which two faces match. Measured on the labelled pairs of
/// `../shared/testdata/annotations/face_pairs_dlib.csv` (face-match test) and on the same
/// pairs with one side degraded the way ID photos are (100-150 px faces, grey, blurred, JPEG
/// 30-60): FAR ≈ 0.1-0.2 % with FRR ≈ 2 % clean and 3.4 % degraded (README). An identity check
/// should err toward refusing: this is the FAR 0.1 % point, not the equal error.
pub const MATCH_DISTANCE: f32 = 0.52;
/// Distance that maps to similarity 0 (twice the match distance, so the threshold is 0.5).
const SIMILARITY_ZERO_DISTANCE: f32 = 2.0 * MATCH_DISTANCE;

/// A face descriptor: [`VIEWS`] views of [`EMBEDDING_DIM`] values, box first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Embedding(pub Vec<f32>);

/// The result of comparing two faces.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceMatch {
    /// Euclidean distance between descriptors.
    pub distance: f32,
    /// 1 - distance / (2 · match distance), clamped to 0..1 (0.5 at the match threshold).
    pub similarity: f32,
    /// Similarity threshold equivalent to [`MATCH_DISTANCE`].
    pub threshold: f32,
    /// `distance <= MATCH_DISTANCE`.
    pub matched: bool,
}

/// Similarity for a distance.
pub fn similarity_from_distance(distance: f32) -> f32 {
    (1.0 - distance / SIMILARITY_ZERO_DISTANCE).clamp(0.0, 1.0)
}

impl Embedding {
    /// The root mean square of the per-view Euclidean distances, over the views both sides
    /// have (a descriptor stored before the chip view existed holds the box view only).
    pub fn distance(&self, other: &Embedding) -> f32 {
        let views = (self.0.len().min(other.0.len()) / EMBEDDING_DIM).max(1);
        let squared: f32 = self
            .0
            .iter()
            .zip(&other.0)
            .take(views * EMBEDDING_DIM)
            .map(|(a, b)| (a - b).powi(2))
            .sum();
        (squared / views as f32).sqrt()
    }

    /// Compares against a reference at the calibrated threshold.
    pub fn compare(&self, reference: &Embedding) -> FaceMatch {
        FaceMatch::from_distance(self.distance(reference))
    }
}

impl FaceMatch {
    /// The match decision for a descriptor distance, at the calibrated threshold.
    pub fn from_distance(distance: f32) -> Self {
        FaceMatch {
            distance,
            similarity: similarity_from_distance(distance),
            threshold: similarity_from_distance(MATCH_DISTANCE),
            matched: distance <= MATCH_DISTANCE,
        }
    }
}

/// Where the five keypoints sit in dlib's 150x150 face chip (padding 0.25), in the detector's
/// order — image-left eye, image-right eye, nose tip, image-left and image-right mouth corner:
/// the eye centres, nose tip and mouth corners of dlib's 68-point mean face shape, mapped as
/// `(0.25 + p) / 1.5 · 150`.
pub const CHIP_TEMPLATE: [[f32; 2]; 5] = [
    [47.55, 46.60],
    [100.48, 46.60],
    [74.01, 76.56],
    [50.41, 103.02],
    [97.61, 103.02],
];

/// The chip → frame map for a face: the keypoints' similarity to [`CHIP_TEMPLATE`], scaled to
/// the model's input side; the plain box square when the keypoints are degenerate.
pub fn chip_map(face: &FaceDetection, side: u32) -> Affine {
    let k = side as f32 / 150.0;
    let template = CHIP_TEMPLATE.map(|[x, y]| [x * k, y * k]);
    match Similarity::fit(&template, &face.keypoints) {
        Some(fit) if fit.scale.is_finite() && fit.scale > 1e-3 => fit.to_affine(),
        _ => box_map(face, side),
    }
}

/// The box view's map: the square around the detector box.
fn box_map(face: &FaceDetection, side: u32) -> Affine {
    let (cx, cy) = face.centre();
    Affine::square_crop(cx, cy, face.bbox[2].max(face.bbox[3]), 0.0, side)
}

/// Computes the descriptor of a detected face: the box view, then the chip view.
pub fn face_embedding(frame: &RgbImage, face: &FaceDetection, model: &LoadedModel) -> Result<Embedding, EngineError> {
    let canvas = model.spec.input.canvas(true);
    let mut descriptor = Vec::with_capacity(VIEWS * EMBEDDING_DIM);
    for map in [box_map(face, canvas.width), chip_map(face, canvas.width)] {
        let mut input = Vec::new();
        sample_affine(frame, &map, &canvas, &mut input);
        let out = model.run_checked(input, &[EMBEDDING_DIM])?;
        descriptor.extend_from_slice(&out[0].data);
    }
    Ok(Embedding(descriptor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chip_map_puts_the_keypoints_on_the_template() {
        // A face twice the chip's size, shifted: the template maps onto its keypoints.
        let keypoints = CHIP_TEMPLATE.map(|[x, y]| [2.0 * x + 40.0, 2.0 * y + 10.0]);
        let face = FaceDetection {
            bbox: [100.0, 80.0, 200.0, 220.0],
            score: 0.9,
            keypoints,
        };
        let map = chip_map(&face, 150);
        for (t, k) in CHIP_TEMPLATE.iter().zip(&keypoints) {
            let (x, y) = map.apply(t[0], t[1]);
            assert!(
                (x - k[0]).abs() < 1e-2 && (y - k[1]).abs() < 1e-2,
                "{t:?} → ({x}, {y}) vs {k:?}"
            );
        }
        // Degenerate keypoints fall back to the box square.
        let flat = FaceDetection {
            keypoints: [[5.0, 5.0]; 5],
            ..face
        };
        assert_eq!(chip_map(&flat, 150).scale(), 220.0 / 150.0);
    }

    #[test]
    fn threshold_is_half_similarity() {
        assert!((similarity_from_distance(MATCH_DISTANCE) - 0.5).abs() < 1e-6);
        let a = Embedding(vec![0.0; 128]);
        let mut b = a.clone();
        b.0[0] = MATCH_DISTANCE - 0.01;
        assert!(a.compare(&b).matched);
        b.0[0] = MATCH_DISTANCE + 0.01;
        assert!(!a.compare(&b).matched);
    }

    #[test]
    fn the_distance_is_the_rms_of_the_views_both_sides_have() {
        let a = Embedding(vec![0.0; VIEWS * EMBEDDING_DIM]);
        let mut b = a.clone();
        b.0[0] = 0.3; // box view
        b.0[EMBEDDING_DIM] = 0.4; // chip view
        let fused = ((0.09f32 + 0.16) / 2.0).sqrt();
        assert!((a.distance(&b) - fused).abs() < 1e-6);
        // A stored box-only descriptor is compared on the box view alone.
        let old = Embedding(vec![0.0; EMBEDDING_DIM]);
        assert!((old.distance(&b) - 0.3).abs() < 1e-6);
        assert!((b.distance(&old) - 0.3).abs() < 1e-6);
    }
}
