//! The session pipeline's plan: which stages a frame needs, given the frames before it.
//!
//! A verdict needs landmarks on every frame (turns, blinks and smiles are read from them), but
//! not a detector pass, an anti-spoofing pass or a descriptor on every frame. So, per frame:
//! - **Face**: tracked from the previous frame — FaceMesh runs on the crop the previous frame's
//!   face gives, and the new box is the previous one moved by the similarity transform between
//!   the two frames' landmarks. The detector runs on the first frame, whenever tracking is not
//!   trusted ([`tracking_holds`]), and at least every [`DETECT_INTERVAL_S`] so a second person
//!   entering the picture is still counted. A second face is therefore only seen on detector
//!   frames: one that stays in view for less than about `3 × DETECT_INTERVAL_S` is not counted
//!   (`multiple_faces` needs three detector frames, see `liveness::verdict`).
//! - **Texture** (both MiniFASNets and our cues): on the first [`TEXTURE_DENSE`] face frames, and
//!   again on the first [`TEXTURE_DENSE`] from the pre-capture gate's hold on (where the verdict
//!   reads texture: a passive burst after the gate is read on every frame), then at least
//!   [`TEXTURE_INTERVAL_S`] apart,
//!   preferring frames that pass every quality check; a session of poor frames still gets one
//!   every `2 × TEXTURE_INTERVAL_S`.
//! - **Embedding**: likewise — the first [`EMBEDDING_DENSE`] face frames (the session's
//!   reference face), then every [`EMBEDDING_INTERVAL_S`], preferring sharp near-frontal frames
//!   (the ones identity continuity and face match read).
//!
//! Suspicion makes it dense again: while the last detector frame counted a second person, the
//! detector runs on every frame ([`second_person_in_view`]), and while the last frontal
//! descriptor is far from the session's reference face, every frame gets one
//! ([`identity_in_doubt`]) — so the evidence that needs several frames (`multiple_faces`,
//! `face_changed`) gathers at the frame rate, not the sampling rate.
//!
//! Everything here is a pure function of the history, so a stored session replays the same plan.

use crate::detect::{counted_faces, FaceDetection};
use crate::liveness::evidence::{identity_reference, FACE_CHANGE_DISTANCE};
use crate::signals::FrameSignals;

/// Longest time between two detector passes (s).
pub const DETECT_INTERVAL_S: f64 = 0.5;
/// Face frames read for texture before sampling starts.
pub const TEXTURE_DENSE: usize = 5;
/// Target spacing of texture readings after the first [`TEXTURE_DENSE`] (s).
pub const TEXTURE_INTERVAL_S: f64 = 0.5;
/// Face frames given a descriptor before sampling starts.
pub const EMBEDDING_DENSE: usize = 3;
/// Target spacing of face descriptors after the first [`EMBEDDING_DENSE`] (s).
pub const EMBEDDING_INTERVAL_S: f64 = 1.0;
/// FaceMesh face presence below which a tracked face is considered lost.
pub const TRACK_PRESENCE_MIN: f32 = 0.5;
/// Largest move of a tracked face between frames, as a fraction of its box side; beyond it the
/// crop the mesh saw was off and the frame is detected again.
pub const TRACK_SHIFT_MAX: f32 = 0.3;
/// Largest change of a tracked face's size between frames (ratio).
pub const TRACK_SCALE_MAX: f32 = 1.3;
/// Fraction of [`FACE_CHANGE_DISTANCE`] beyond which a descriptor puts the identity in doubt.
pub const IDENTITY_DOUBT: f32 = 0.8;

/// The last detector frame counted a second person (so the next frame is detected too).
pub fn second_person_in_view(history: &[FrameSignals]) -> bool {
    history
        .iter()
        .rev()
        .find(|f| f.detected)
        .is_some_and(|f| counted_faces(&f.faces) > 1)
}

/// The last frontal descriptor is far enough from the session's reference face that the next
/// frame should be read too.
pub fn identity_in_doubt(history: &[FrameSignals]) -> bool {
    let Some(last) = history
        .iter()
        .rev()
        .find(|f| f.is_frontal() && f.embedding.is_some())
        .and_then(|f| f.embedding.as_ref())
    else {
        return false;
    };
    identity_reference(history).is_some_and(|r| last.distance(&r) > IDENTITY_DOUBT * FACE_CHANGE_DISTANCE)
}

/// The face to track into the next frame: the previous frame's subject, when that frame is
/// recent, had landmarks, the detector ran recently enough and no second person was in view.
/// `None`: run the detector. A face the mesh scored as barely present is tracked only when
/// the detector has just confirmed it (a strongly turned head scores low on every crop, so
/// detecting again would not help).
pub fn track_from(t: f64, history: &[FrameSignals]) -> Option<Tracked<'_>> {
    let last = history.last()?;
    let last_detected = history.iter().rev().find(|f| f.detected)?;
    // Capture times that do not advance (or are not numbers) start from a detection.
    let advances = t.partial_cmp(&last.t) == Some(std::cmp::Ordering::Greater);
    if !advances || t - last_detected.t >= DETECT_INTERVAL_S || second_person_in_view(history) {
        return None;
    }
    let face = last.subject()?;
    let present = last.mesh_presence.is_some_and(|p| p >= TRACK_PRESENCE_MIN);
    if last.mesh_points.is_empty() || !(present || last.detected) {
        return None;
    }
    Some(Tracked {
        face,
        points: &last.mesh_points,
        confirmed: last.detected,
    })
}

/// The previous frame's face, as [`track_from`] hands it on.
#[derive(Clone, Copy, Debug)]
pub struct Tracked<'a> {
    /// The face box and keypoints.
    pub face: &'a FaceDetection,
    /// Its [`crate::signals::MESH_SUBSET`] landmarks.
    pub points: &'a [[f32; 2]],
    /// The detector found it on that frame.
    pub confirmed: bool,
}

pub use crate::image::Similarity;

/// The face moved by `motion`: box centre mapped, box scaled (kept axis-aligned), keypoints
/// mapped; `score` is the tracking confidence.
pub fn move_face(motion: &Similarity, face: &FaceDetection, score: f32) -> FaceDetection {
    let (cx, cy) = face.centre();
    let [ncx, ncy] = motion.apply([cx, cy]);
    let (w, h) = (face.bbox[2] * motion.scale, face.bbox[3] * motion.scale);
    FaceDetection {
        bbox: [ncx - w / 2.0, ncy - h / 2.0, w, h],
        score,
        keypoints: face.keypoints.map(|k| motion.apply(k)),
    }
}

/// Whether a tracked face can be trusted: the mesh still sees a face (or the detector has just
/// confirmed it), and it has not moved or changed size so much that the crop it was read from
/// was off.
pub fn tracking_holds(previous: &FaceDetection, moved: &FaceDetection, presence: f32, confirmed: bool) -> bool {
    let side = previous.bbox[2].max(previous.bbox[3]).max(1.0);
    let ((px, py), (nx, ny)) = (previous.centre(), moved.centre());
    let shift = (nx - px).hypot(ny - py) / side;
    let ratio = moved.bbox[2].max(1e-3) / previous.bbox[2].max(1e-3);
    (presence >= TRACK_PRESENCE_MIN || confirmed)
        && shift <= TRACK_SHIFT_MAX
        && (1.0 / TRACK_SCALE_MAX..=TRACK_SCALE_MAX).contains(&ratio)
}

/// How a stage is sampled over a session.
#[derive(Clone, Copy, Debug)]
pub struct Sampling {
    /// Readings taken on every face frame before sampling starts.
    pub dense: usize,
    /// Target spacing afterwards (s).
    pub interval: f64,
}

/// Texture readings.
pub const TEXTURE: Sampling = Sampling {
    dense: TEXTURE_DENSE,
    interval: TEXTURE_INTERVAL_S,
};
/// Face descriptors.
pub const EMBEDDING: Sampling = Sampling {
    dense: EMBEDDING_DENSE,
    interval: EMBEDDING_INTERVAL_S,
};

/// Index of the first frame whose texture the verdict reads: the gate's hold once the gate has
/// passed (`liveness::evidence` reads texture from there on), else the first frame.
pub fn evidence_start(history: &[FrameSignals]) -> usize {
    crate::liveness::gate::run_gate(history).hold_start.unwrap_or(0)
}

/// Whether a sampled stage is due on a face frame at `t` (`has(frame)` marks earlier readings):
/// while fewer than `dense` readings exist from frame `from` on, on a `preferred` frame once
/// `interval` has passed since the last reading, and on any frame after twice that.
pub fn due(
    t: f64,
    history: &[FrameSignals],
    from: usize,
    sampling: Sampling,
    preferred: bool,
    has: impl Fn(&FrameSignals) -> bool,
) -> bool {
    let interval = sampling.interval;
    let Some(last) = history.iter().rev().find(|f| has(f)) else {
        return true;
    };
    let since = &history[from.min(history.len())..];
    if since.iter().filter(|f| has(f)).take(sampling.dense).count() < sampling.dense {
        return true;
    }
    let gap = t - last.t;
    // Capture times that do not advance (a replayed or reordered stream) get a fresh reading.
    gap <= 0.0 || (preferred && gap >= interval - 1e-6) || gap >= 2.0 * interval - 1e-6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_recovers_a_known_transform() {
        let truth = Similarity {
            scale: 1.2,
            angle: 0.1,
            shift: [5.0, -3.0],
        };
        let from = [[0.0, 0.0], [10.0, 0.0], [0.0, 20.0], [7.0, 9.0]];
        let to: Vec<[f32; 2]> = from.iter().map(|&p| truth.apply(p)).collect();
        let fit = Similarity::fit(&from, &to).unwrap();
        assert!((fit.scale - 1.2).abs() < 1e-4 && (fit.angle - 0.1).abs() < 1e-4);
        assert!((fit.shift[0] - 5.0).abs() < 1e-3 && (fit.shift[1] + 3.0).abs() < 1e-3);
        assert!(Similarity::fit(&[[1.0, 1.0], [1.0, 1.0]], &[[0.0, 0.0], [2.0, 2.0]]).is_none());
    }

    fn face(x: f32, w: f32) -> FaceDetection {
        FaceDetection {
            bbox: [x, 100.0, w, w],
            score: 0.9,
            keypoints: [[0.0; 2]; 5],
        }
    }

    #[test]
    fn tracking_is_refused_for_lost_jumping_or_resized_faces() {
        let prev = face(100.0, 100.0);
        assert!(tracking_holds(&prev, &face(110.0, 105.0), 0.9, false));
        assert!(!tracking_holds(&prev, &face(110.0, 105.0), 0.2, false));
        assert!(tracking_holds(&prev, &face(110.0, 105.0), 0.2, true));
        assert!(!tracking_holds(&prev, &face(150.0, 100.0), 0.9, true));
        assert!(!tracking_holds(&prev, &face(80.0, 140.0), 0.9, true));
    }

    /// A face frame at `t`, with a texture reading or not.
    fn frame(t: f64, textured: bool) -> FrameSignals {
        let texture = textured.then(crate::texture::Texture::default);
        serde_json::from_value(serde_json::json!({"t": t, "size": [640, 480], "face_count": 1,
            "faces": [], "quality": crate::quality::Quality::default(), "texture": texture,
            "mesh_points": [], "fingerprint": []}))
        .expect("minimal signals")
    }

    #[test]
    fn texture_is_dense_at_the_start_and_again_from_the_evidence_start() {
        let has = |f: &FrameSignals| f.texture.is_some();
        let history: Vec<FrameSignals> = (0..6).map(|i| frame(i as f64 * 0.1, i < 5)).collect();
        // Five readings already: sampled, and 0.1 s after the last one is too soon.
        assert!(!due(0.6, &history, 0, TEXTURE, true, has));
        // From frame 3 on (the gate's hold) only two readings exist: dense again.
        assert!(due(0.6, &history, 3, TEXTURE, true, has));
        // Past the interval a preferred frame is read; any frame after twice the interval.
        assert!(due(0.4 + TEXTURE_INTERVAL_S, &history, 0, TEXTURE, true, has));
        assert!(!due(0.4 + TEXTURE_INTERVAL_S, &history, 0, TEXTURE, false, has));
        assert!(due(0.4 + 2.0 * TEXTURE_INTERVAL_S, &history, 0, TEXTURE, false, has));
        assert!(due(0.0, &[], 0, TEXTURE, false, has));
    }
}
