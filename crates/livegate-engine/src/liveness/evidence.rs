//! Attack evidence over a session's frames: `[FrameSignals] → AttackEvidence`.
//!
//! Each cue is measured, kept as a number for explanation, and turned into a finding only past a
//! named threshold:
//! - presentation attack: the texture ensemble's median bona-fide probability;
//! - screen replay: specular glare and periodic spectral energy on the face;
//! - still-image attacks: a sheet's or screen's border around the face (the share of texture
//!   readings where [`crate::still_cues`] finds one);
//! - injection: identical consecutive frames (static stream), frames repeating after others
//!   (loops), timestamps that go backwards or repeat;
//! - rigid planar motion: the face moves (pose changes) while its landmarks stay related by a
//!   plane-to-plane map (a photo), with no blink or smile;
//! - identity: the descriptor of the face drifts away from the session's first frontal frames.

use nalgebra::{DMatrix, Matrix3, Vector3};
use serde::{Deserialize, Serialize};

use crate::detect::counted_faces;
use crate::embedding::Embedding;
use crate::signals::FrameSignals;
use crate::temporal::percentile;

/// Mean absolute difference (0..255) of face thumbnails below which two frames are the same image.
pub const IDENTICAL_FRAME_DIFF: f32 = 0.6;
/// Consecutive frames that must repeat an earlier run for a loop to be found.
pub const LOOP_RUN: usize = 3;
/// Fraction of consecutive pairs that may be identical before the stream counts as static.
pub const STATIC_PAIR_FRACTION: f32 = 0.5;
/// Median glare fraction above which a screen is suspected.
pub const GLARE_REPLAY: f32 = 0.02;
/// Median moiré score above which a screen is suspected.
pub const MOIRE_REPLAY: f32 = 0.5;
/// Descriptor distance from the session's reference above which the face has changed (looser
/// than the match threshold: the same person across expressions stays well below it).
pub const FACE_CHANGE_DISTANCE: f32 = 0.62;
/// Texture is read on the good-quality frames when there are at least this many …
pub const GOOD_FRAMES_MIN: usize = 3;
/// … and they make up at least this fraction of the face frames (otherwise on all of them).
pub const GOOD_FRAMES_FRACTION: f32 = 0.3;
pub use crate::signals::IDENTITY_FRONTAL_DEG;
/// A face change must persist over this many consecutive frontal frames (a hand passing in
/// front of the face disturbs one or two).
pub const IDENTITY_PERSIST_FRAMES: usize = 3;
/// Landmark residual (fraction of inter-ocular distance) of a homography fit below which two
/// posed views are consistent with a flat photo.
pub const PLANAR_RESIDUAL_MAX: f32 = 0.035;
/// Pose change (degrees) two frames need before planarity says anything.
pub const PLANAR_MIN_POSE_CHANGE: f32 = 10.0;

/// Everything the session's frames say about attacks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttackEvidence {
    /// Median ensemble bona-fide probability over face frames.
    pub bona_fide_median: f32,
    /// Median glare fraction.
    pub glare_median: f32,
    /// Median moiré score.
    pub moire_median: f32,
    /// Fraction of texture readings with a sheet's or screen's border around the face.
    #[serde(default)]
    pub border_fraction: f32,
    /// Fraction of consecutive frame pairs that are identical.
    pub identical_pair_fraction: f32,
    /// Frames that repeat an earlier, non-adjacent frame.
    pub looped_frames: usize,
    /// Timestamps that go backwards or repeat.
    pub bad_timestamps: usize,
    /// Median homography residual over posed frame pairs (None without enough pose change).
    pub planar_residual: Option<f32>,
    /// Largest descriptor distance of a frontal frame from the session's reference face.
    pub identity_drift: Option<f32>,
    /// Most faces the detector found in one frame (any size).
    pub max_faces: usize,
    /// Detector frames where a second face large enough to be a person was in view
    /// ([`crate::detect::counted_faces`]).
    #[serde(default)]
    pub multi_face_frames: usize,
    /// Frames with a face on which the detector ran (a second face can only be seen on these;
    /// tracked frames carry the subject alone). Absent in evidence stored before tracking.
    #[serde(default)]
    pub detected_face_frames: usize,
    /// Fraction of frames without a face.
    pub no_face_fraction: f32,
    /// How the face's light followed the colour flash (sessions that asked for `color_flash`;
    /// filled by the verdict, which holds the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash: Option<super::flash::FlashReading>,
}

fn median(mut v: Vec<f32>) -> f32 {
    percentile(&mut v, 0.5).unwrap_or(0.0)
}

/// Share of `true` among the readings (0 when there are none).
fn fraction(flags: impl Iterator<Item = bool>) -> f32 {
    let (hits, all) = flags.fold((0usize, 0usize), |(h, a), f| (h + f as usize, a + 1));
    hits as f32 / all.max(1) as f32
}

fn thumb_diff(a: &[u8], b: &[u8]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return f32::MAX;
    }
    a.iter().zip(b).map(|(x, y)| (*x as f32 - *y as f32).abs()).sum::<f32>() / a.len() as f32
}

/// Measures every cue over the frames (in capture order). Texture and screen cues are read on
/// the face frames from index `scored_from` on (the gate's hold), preferring those that pass
/// every quality check — a model read on a dark, tiny or blurred face says little; injection,
/// identity and face-count cues use every frame.
pub fn gather_evidence(frames: &[FrameSignals], scored_from: usize) -> AttackEvidence {
    let face_frames: Vec<&FrameSignals> = frames.iter().filter(|f| f.pose.is_some()).collect();
    let scored: Vec<&FrameSignals> = {
        let later: Vec<&FrameSignals> = frames
            .iter()
            .skip(scored_from.min(frames.len()))
            .filter(|f| f.pose.is_some())
            .collect();
        let later = if later.is_empty() { face_frames.clone() } else { later };
        // Texture models were trained on faces in ordinary light: frames lit by the colour
        // flash are left out while enough others remain.
        let unlit: Vec<&FrameSignals> = later.iter().copied().filter(|f| f.screen.is_none()).collect();
        let later = if unlit.iter().filter(|f| f.texture.is_some()).count() >= GOOD_FRAMES_MIN {
            unlit
        } else {
            later
        };
        let good: Vec<&FrameSignals> = later.iter().copied().filter(|f| f.quality.ok).collect();
        if good.len() < GOOD_FRAMES_MIN.max((GOOD_FRAMES_FRACTION * later.len() as f32).ceil() as usize) {
            later
        } else {
            good
        }
    };
    let textures = || scored.iter().filter_map(|f| f.texture);
    let pairs = frames.windows(2).count().max(1);
    let identical = frames
        .windows(2)
        .filter(|w| thumb_diff(&w[0].fingerprint, &w[1].fingerprint) < IDENTICAL_FRAME_DIFF)
        .count();
    let same = |a: usize, b: usize| thumb_diff(&frames[a].fingerprint, &frames[b].fingerprint) < IDENTICAL_FRAME_DIFF;
    // A loop replays a *run* of frames with motion in it: frames j..j+LOOP_RUN each equal frames
    // i..i+LOOP_RUN of an earlier stretch that itself moves (a live face returning to one pose
    // matches a single frame, and a person holding still for a moment, then again, matches a
    // still run — with the face tracked, a still head gives the same thumbnail; frozen streams
    // are the static cue's).
    let moving = |i: usize| (0..LOOP_RUN - 1).any(|k| !same(i + k, i + k + 1));
    let looped_frames = (2..frames.len().saturating_sub(LOOP_RUN - 1))
        .filter(|&j| {
            !same(j - 1, j)
                && (0..j - 1).any(|i| i + LOOP_RUN <= j && moving(i) && (0..LOOP_RUN).all(|k| same(i + k, j + k)))
        })
        .count();
    let bad_timestamps = frames.windows(2).filter(|w| w[1].t <= w[0].t).count();
    AttackEvidence {
        bona_fide_median: median(scored.iter().filter_map(|f| f.bona_fide).collect()),
        glare_median: median(textures().map(|t| t.glare).collect()),
        moire_median: median(textures().map(|t| t.moire).collect()),
        border_fraction: fraction(textures().map(|t| t.still.border_found())),
        identical_pair_fraction: identical as f32 / pairs as f32,
        looped_frames,
        bad_timestamps,
        planar_residual: planar_residual(&face_frames),
        identity_drift: identity_drift(&face_frames),
        max_faces: frames.iter().map(|f| f.face_count).max().unwrap_or(0),
        multi_face_frames: frames
            .iter()
            .filter(|f| f.detected && counted_faces(&f.faces) > 1)
            .count(),
        detected_face_frames: face_frames.iter().filter(|f| f.detected).count(),
        no_face_fraction: 1.0 - face_frames.len() as f32 / frames.len().max(1) as f32,
        flash: None,
    }
}

/// The session's reference face: the mean of its first three frontal descriptors.
pub fn identity_reference<'a>(frames: impl IntoIterator<Item = &'a FrameSignals>) -> Option<Embedding> {
    let first: Vec<&Embedding> = frames
        .into_iter()
        .filter(|f| f.is_frontal())
        .filter_map(|f| f.embedding.as_ref())
        .take(3)
        .collect();
    let k = first.len();
    let dim = first.first()?.0.len();
    let mut mean = vec![0f32; dim];
    for e in &first {
        for (m, v) in mean.iter_mut().zip(&e.0) {
            *m += v / k as f32;
        }
    }
    Some(Embedding(mean))
}

/// Largest distance from the session's reference face ([`identity_reference`]) that persists
/// over [`IDENTITY_PERSIST_FRAMES`] consecutive frontal frames.
fn identity_drift(frames: &[&FrameSignals]) -> Option<f32> {
    let frontal: Vec<&Embedding> = frames
        .iter()
        .filter(|f| f.is_frontal())
        .filter_map(|f| f.embedding.as_ref())
        .collect();
    if frontal.len() < 2 {
        return None;
    }
    let reference = identity_reference(frames.iter().copied())?;
    let distances: Vec<f32> = frontal.iter().map(|e| e.distance(&reference)).collect();
    distances
        .windows(IDENTITY_PERSIST_FRAMES.min(distances.len()))
        .map(|w| w.iter().copied().fold(f32::MAX, f32::min))
        .reduce(f32::max)
}

/// Fits a homography `b ≈ H a` by direct linear transform (points pre-normalised).
fn homography(a: &[[f32; 2]], b: &[[f32; 2]]) -> Option<Matrix3<f64>> {
    let n = a.len();
    if n < 5 || b.len() != n {
        return None;
    }
    let mut m = DMatrix::<f64>::zeros(2 * n, 9);
    for i in 0..n {
        let (x, y) = (a[i][0] as f64, a[i][1] as f64);
        let (u, v) = (b[i][0] as f64, b[i][1] as f64);
        let rows = [
            [-x, -y, -1.0, 0.0, 0.0, 0.0, u * x, u * y, u],
            [0.0, 0.0, 0.0, -x, -y, -1.0, v * x, v * y, v],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                m[(2 * i + r, c)] = *value;
            }
        }
    }
    let svd = (m.transpose() * &m).svd(true, true);
    let v_t = svd.v_t?;
    let (i, _) = svd
        .singular_values
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))?;
    let h = v_t.row(i);
    Some(Matrix3::from_row_slice(&[
        h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8],
    ]))
}

/// Points centred on their mean and scaled by the inter-ocular distance (first two points are
/// the outer eye corners), so residuals read as fractions of the eye distance.
fn normalised(points: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let n = points.len() as f32;
    let cx = points.iter().map(|p| p[0]).sum::<f32>() / n;
    let cy = points.iter().map(|p| p[1]).sum::<f32>() / n;
    let iod = ((points[0][0] - points[1][0]).hypot(points[0][1] - points[1][1])).max(1e-3);
    points.iter().map(|p| [(p[0] - cx) / iod, (p[1] - cy) / iod]).collect()
}

/// Mean reprojection error of the best homography between two landmark sets.
pub fn homography_residual(a: &[[f32; 2]], b: &[[f32; 2]]) -> Option<f32> {
    let (a, b) = (normalised(a), normalised(b));
    let h = homography(&a, &b)?;
    let mut total = 0.0;
    for (p, q) in a.iter().zip(&b) {
        let v = h * Vector3::new(p[0] as f64, p[1] as f64, 1.0);
        if v.z.abs() < 1e-9 {
            return None;
        }
        total += ((v.x / v.z - q[0] as f64).hypot(v.y / v.z - q[1] as f64)) as f32;
    }
    Some(total / a.len() as f32)
}

/// Median homography residual between frame pairs whose pose differs by at least
/// [`PLANAR_MIN_POSE_CHANGE`]: a real head shows parallax (nose against cheeks), a photo none.
fn planar_residual(frames: &[&FrameSignals]) -> Option<f32> {
    let posed: Vec<&&FrameSignals> = frames.iter().filter(|f| f.mesh_points.len() >= 5).collect();
    let mut residuals = Vec::new();
    for (i, a) in posed.iter().enumerate() {
        for b in posed.iter().skip(i + 1) {
            let (pa, pb) = (a.pose?, b.pose?);
            if (pa.yaw - pb.yaw).hypot(pa.pitch - pb.pitch) < PLANAR_MIN_POSE_CHANGE {
                continue;
            }
            if let Some(r) = homography_residual(&a.mesh_points, &b.mesh_points) {
                residuals.push(r);
            }
        }
        if residuals.len() > 200 {
            break;
        }
    }
    (!residuals.is_empty()).then(|| median(residuals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_projective_warp_of_a_plane_has_no_residual_and_parallax_has_some() {
        let base: Vec<[f32; 2]> = (0..20)
            .map(|i| [(i % 5) as f32 * 10.0, (i / 5) as f32 * 12.0 + (i % 3) as f32])
            .collect();
        let warped: Vec<[f32; 2]> = base
            .iter()
            .map(|p| {
                let w = 1.0 + 0.002 * p[0];
                [(1.1 * p[0] + 0.2 * p[1] + 5.0) / w, (0.1 * p[0] + 0.9 * p[1] - 3.0) / w]
            })
            .collect();
        assert!(homography_residual(&base, &warped).unwrap() < 1e-3);
        let mut parallax = warped.clone();
        parallax[7][0] += 8.0; // a nose moving against the cheeks
        parallax[12][1] -= 6.0;
        assert!(homography_residual(&base, &parallax).unwrap() > 0.02);
    }

    /// Frames whose fingerprints are uniform thumbnails of the given grey levels.
    fn frames_of(levels: &[u8]) -> Vec<FrameSignals> {
        levels
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                serde_json::from_value(serde_json::json!({"t": i as f64 * 0.1, "size": [640, 480],
                    "face_count": 0, "faces": [], "quality": crate::quality::Quality::default(),
                    "mesh_points": [], "fingerprint": vec![v; 256]}))
                .expect("minimal signals")
            })
            .collect()
    }

    #[test]
    fn a_replayed_moving_run_is_a_loop_and_holding_still_twice_is_not() {
        // Still, a small move, still again at the same pose: a person holding still twice.
        let still = frames_of(&[10, 10, 10, 10, 40, 10, 10, 10, 10]);
        assert_eq!(gather_evidence(&still, 0).looped_frames, 0);
        // A moving stretch played again after something else: a loop.
        let looped = frames_of(&[10, 20, 30, 40, 90, 10, 20, 30, 40]);
        assert!(gather_evidence(&looped, 0).looped_frames > 0);
    }
}
