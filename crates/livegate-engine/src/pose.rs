//! Head pose: `Landmarks → HeadPose`, solved against MediaPipe's canonical 3D mean face.
//!
//! A similarity transform (scale, rotation, translation) is fitted between rigid points of the
//! canonical face and the observed 3D landmarks by orthogonal Procrustes (Kabsch, SVD). Angles come
//! from the fitted rotation, so they are real 3D angles, not 2D ratios.
//!
//! Convention (fixed): `yaw > 0` when the subject turns to *their own left*, which in an
//! unmirrored frame moves the nose toward image-right; `pitch > 0` when looking up; `roll > 0` when
//! the head tilts counter-clockwise as seen in the image (toward the subject's right shoulder).

use std::sync::OnceLock;

use nalgebra::{Matrix3, Rotation3, Vector3};
use serde::{Deserialize, Serialize};

use crate::landmarks::{Landmarks, MESH_POINTS};

/// Landmarks that move little with expression (nose, brow ridge, forehead, eye corners,
/// cheekbones, temples): the rigid part of the face the pose is fitted to.
pub const RIGID_POINTS: [usize; 52] = [
    1, 4, 5, 6, 168, 197, 195, 10, 151, 9, 8, 33, 133, 263, 362, 130, 359, 70, 300, 105, 334, 107, 336, 234, 454, 127,
    356, 93, 323, 116, 345, 123, 352, 98, 327, 48, 278, 64, 294, 2, 94, 19, 21, 251, 54, 284, 103, 332, 67, 297, 109,
    338,
];

/// Head orientation in degrees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeadPose {
    /// Turn; > 0 toward the subject's own left.
    pub yaw: f32,
    /// Nod; > 0 looking up.
    pub pitch: f32,
    /// Tilt; > 0 counter-clockwise in the image.
    pub roll: f32,
}

/// A fitted similarity transform: observed ≈ scale · R · canonical + t (in a right-handed frame
/// with +x image-right, +y up, +z toward the camera).
#[derive(Clone, Debug)]
pub struct FaceFrame {
    /// Rotation canonical → observed.
    pub rotation: Matrix3<f32>,
    /// Pixels per canonical centimetre.
    pub scale: f32,
    /// Translation (pixels).
    pub translation: Vector3<f32>,
}

impl FaceFrame {
    /// Maps an observed landmark back into canonical coordinates (centimetres, pose removed), so
    /// expression geometry does not change with head turns or distance.
    pub fn to_canonical(&self, p: &[f32; 3]) -> Vector3<f32> {
        let v = observed_vector(p) - self.translation;
        self.rotation.transpose() * v / self.scale
    }

    /// Euler angles of the rotation under the documented convention, decomposed as
    /// `R = Ry(yaw) · Rx(-pitch) · Rz(roll)`: the head rolls in its own plane, nods, then turns
    /// about the vertical axis.
    pub fn pose(&self) -> HeadPose {
        let forward = self.rotation.column(2);
        let yaw = forward.x.atan2(forward.z);
        let pitch = forward.y.atan2(forward.x.hypot(forward.z));
        let yaw_pitch = Rotation3::from_axis_angle(&Vector3::y_axis(), yaw)
            * Rotation3::from_axis_angle(&-Vector3::x_axis(), pitch);
        let rz = yaw_pitch.matrix().transpose() * self.rotation;
        let roll = rz[(1, 0)].atan2(rz[(0, 0)]);
        HeadPose {
            yaw: yaw.to_degrees(),
            pitch: pitch.to_degrees(),
            roll: roll.to_degrees(),
        }
    }
}

fn observed_vector(p: &[f32; 3]) -> Vector3<f32> {
    // Image y points down and FaceMesh z grows away from the camera; flipping both keeps the
    // frame right-handed (a proper rotation, no mirror).
    Vector3::new(p[0], -p[1], -p[2])
}

/// The canonical face, parsed once from the vendored vertex list.
pub fn canonical_face() -> &'static [Vector3<f32>] {
    static FACE: OnceLock<Vec<Vector3<f32>>> = OnceLock::new();
    FACE.get_or_init(|| {
        let text = include_str!("../../../models/canonical_face_vertices.txt");
        let face: Vec<Vector3<f32>> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let v: Vec<f32> = l.split_whitespace().filter_map(|t| t.parse().ok()).collect();
                Vector3::new(v[0], v[1], v[2])
            })
            .collect();
        assert_eq!(face.len(), MESH_POINTS, "canonical face must have 468 vertices");
        face
    })
}

/// Fits the canonical face to the landmarks (orthogonal Procrustes on [`RIGID_POINTS`]).
pub fn fit_face_frame(landmarks: &Landmarks) -> FaceFrame {
    let canon = canonical_face();
    let n = RIGID_POINTS.len() as f32;
    let model: Vec<Vector3<f32>> = RIGID_POINTS.iter().map(|&i| canon[i]).collect();
    let seen: Vec<Vector3<f32>> = RIGID_POINTS
        .iter()
        .map(|&i| observed_vector(&landmarks.points[i]))
        .collect();
    let mean_m = model.iter().sum::<Vector3<f32>>() / n;
    let mean_s = seen.iter().sum::<Vector3<f32>>() / n;
    let mut cov = Matrix3::zeros();
    let mut var_m = 0.0;
    for (m, s) in model.iter().zip(&seen) {
        let dm = m - mean_m;
        cov += (s - mean_s) * dm.transpose();
        var_m += dm.norm_squared();
    }
    let svd = cov.svd(true, true);
    let (u, v_t) = (svd.u.expect("requested"), svd.v_t.expect("requested"));
    let d = (u * v_t).determinant().signum();
    let fix = Matrix3::from_diagonal(&Vector3::new(1.0, 1.0, d));
    let rotation = u * fix * v_t;
    let sv = svd.singular_values;
    let scale = (sv[0] + sv[1] + d * sv[2]) / var_m;
    let translation = mean_s - scale * rotation * mean_m;
    FaceFrame {
        rotation,
        scale,
        translation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the canonical face under a known pose into FaceMesh-style landmarks.
    fn posed(yaw: f32, pitch: f32, roll: f32) -> Landmarks {
        // yaw about +y, pitch about -x (nose up), roll about +z.
        let r = Rotation3::from_axis_angle(&Vector3::y_axis(), yaw.to_radians())
            * Rotation3::from_axis_angle(&-Vector3::x_axis(), pitch.to_radians())
            * Rotation3::from_axis_angle(&Vector3::z_axis(), roll.to_radians());
        let points = canonical_face()
            .iter()
            .map(|v| {
                let o = r * v * 20.0 + Vector3::new(300.0, -200.0, 0.0);
                [o.x, -o.y, -o.z]
            })
            .collect();
        Landmarks { points, presence: 1.0 }
    }

    #[test]
    fn recovers_known_angles() {
        for &(y, p, r) in &[
            (0.0, 0.0, 0.0),
            (30.0, 0.0, 0.0),
            (-40.0, 10.0, 5.0),
            (10.0, -20.0, -15.0),
        ] {
            let pose = fit_face_frame(&posed(y, p, r)).pose();
            assert!((pose.yaw - y).abs() < 0.5, "yaw {pose:?} vs {y}");
            assert!((pose.pitch - p).abs() < 0.5, "pitch {pose:?} vs {p}");
            assert!((pose.roll - r).abs() < 0.5, "roll {pose:?} vs {r}");
        }
    }

    #[test]
    fn positive_yaw_moves_nose_to_image_right() {
        let lm = posed(30.0, 0.0, 0.0);
        let nose_x = lm.points[1][0];
        let centre_x = (lm.points[234][0] + lm.points[454][0]) / 2.0;
        assert!(nose_x > centre_x);
    }

    #[test]
    fn canonical_round_trip() {
        let lm = posed(25.0, 5.0, -10.0);
        let frame = fit_face_frame(&lm);
        let back = frame.to_canonical(&lm.points[61]);
        assert!((back - canonical_face()[61]).norm() < 0.05);
    }
}
