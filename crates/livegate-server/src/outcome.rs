//! A session's outcome from its stored frames: the liveness verdict, face match against the
//! reference (not attempted when liveness fails), the final status, and which frames become
//! audit images. Pure: the same frames give the same outcome, so a verdict can be re-evaluated.

use livegate_engine::embedding::{Embedding, FaceMatch};
use livegate_engine::liveness::evidence::IDENTITY_FRONTAL_DEG;
use livegate_engine::liveness::{evaluate, ChallengePlan, Decision, LivenessConfig, Verdict};
use livegate_engine::temporal::percentile;
use livegate_engine::FrameSignals;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Face match result of a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FaceMatchResult {
    /// False when liveness failed or no frame showed the face frontally.
    pub attempted: bool,
    /// Whether the selfie matches the reference (absent when not attempted).
    pub matched: Option<bool>,
    /// 0..1, 1 = identical descriptors (absent when not attempted).
    pub similarity: Option<f32>,
    /// Similarity at the calibrated match threshold.
    pub threshold: f32,
    /// Median descriptor distance over frontal frames (absent when not attempted).
    pub distance: Option<f32>,
    /// Why it was not attempted: `liveness_failed` or `no_frontal_face`.
    pub reason: Option<String>,
}

/// Everything stored as a session's result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionResult {
    /// The liveness verdict.
    pub verdict: Verdict,
    /// Face match, when the session has a reference.
    pub face_match: Option<FaceMatchResult>,
    /// Every quality code seen on the session's frames, sorted.
    pub quality_codes: Vec<String>,
    /// approved / declined / review.
    pub status: String,
}

fn status_of(decision: Decision) -> &'static str {
    match decision {
        Decision::Approved => "approved",
        Decision::Review => "review",
        Decision::Declined => "declined",
    }
}

/// Largest yaw or pitch of the frame compared when no frame is frontal.
pub const FALLBACK_DEG: f32 = 35.0;

/// Compares the frontal frames' descriptors with the reference: the median distance decides.
pub fn face_match(frames: &[FrameSignals], reference: &Embedding, liveness_passed: bool) -> FaceMatchResult {
    let threshold = FaceMatch::from_distance(0.0).threshold;
    let not_attempted = |reason: &str| FaceMatchResult {
        attempted: false,
        matched: None,
        similarity: None,
        threshold,
        distance: None,
        reason: Some(reason.into()),
    };
    if !liveness_passed {
        return not_attempted("liveness_failed");
    }
    // Frontal frames decide; without one, the most frontal frame within FALLBACK_DEG (a single
    // still is often slightly turned). The descriptor crop is not roll-aligned, so turned faces
    // are not compared.
    let candidates: Vec<(&FrameSignals, f32)> = frames
        .iter()
        .filter(|f| f.face_count == 1 && f.embedding.is_some())
        .filter_map(|f| f.pose.as_ref().map(|p| (f, p.yaw.abs().max(p.pitch.abs()))))
        .collect();
    let mut chosen: Vec<&FrameSignals> = candidates
        .iter()
        .filter(|(_, a)| *a < IDENTITY_FRONTAL_DEG)
        .map(|(f, _)| *f)
        .collect();
    if chosen.is_empty() {
        chosen.extend(
            candidates
                .iter()
                .filter(|(_, a)| *a < FALLBACK_DEG)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(f, _)| *f),
        );
    }
    let mut distances: Vec<f32> = chosen
        .iter()
        .filter_map(|f| f.embedding.as_ref())
        .map(|e| e.distance(reference))
        .collect();
    let Some(median) = percentile(&mut distances, 0.5) else {
        return not_attempted("no_frontal_face");
    };
    let m = FaceMatch::from_distance(median);
    FaceMatchResult {
        attempted: true,
        matched: Some(m.matched),
        similarity: Some(m.similarity),
        threshold,
        distance: Some(m.distance),
        reason: None,
    }
}

/// Evaluates a session. Status: the liveness decision, then `declined` when face match was
/// attempted and failed, and `review` when it could not be attempted on a live capture.
pub fn outcome(
    config: &LivenessConfig,
    plan: &ChallengePlan,
    frames: &[FrameSignals],
    reference: Option<&Embedding>,
) -> SessionResult {
    let verdict = evaluate(config, plan, frames);
    let face_match = reference.map(|r| face_match(frames, r, verdict.liveness_passed));
    let mut status = status_of(verdict.decision);
    if let Some(m) = &face_match {
        if m.matched == Some(false) {
            status = "declined";
        } else if !m.attempted && verdict.liveness_passed {
            status = "review";
        }
    }
    let mut quality_codes: Vec<String> = frames
        .iter()
        .flat_map(|f| f.quality.codes.iter().map(|c| c.code().to_string()))
        .collect();
    quality_codes.sort();
    quality_codes.dedup();
    SessionResult {
        verdict,
        face_match,
        quality_codes,
        status: status.into(),
    }
}

/// Up to `n` frames to keep as audit images: frames with exactly one face and good quality
/// (any frame with a face when there are fewer than `n` of those), spread evenly over the capture, frontal ones first at equal
/// spacing. Returns indexes into `frames`.
pub fn audit_frames(frames: &[FrameSignals], n: usize) -> Vec<usize> {
    let good: Vec<usize> = (0..frames.len())
        .filter(|&i| frames[i].face_count == 1 && frames[i].quality.ok)
        .collect();
    // Fewer good frames than images wanted (a dim room marks most frames): choose among every
    // frame with a face, so the session still keeps `n` captures.
    let pool = if good.len() < n {
        (0..frames.len()).filter(|&i| frames[i].face_count >= 1).collect()
    } else {
        good
    };
    if pool.len() <= n {
        return pool;
    }
    let mut picked: Vec<usize> = (0..n)
        .map(|k| {
            // The k-th of n equal slices; its most frontal frame.
            let slice = &pool[k * pool.len() / n..(k + 1) * pool.len() / n];
            let frontalness = |&i: &usize| {
                frames[i]
                    .pose
                    .as_ref()
                    .map_or(f32::MAX, |p| p.yaw.abs() + p.pitch.abs())
            };
            *slice
                .iter()
                .min_by(|a, b| frontalness(a).total_cmp(&frontalness(b)))
                .unwrap_or(&slice[0])
        })
        .collect();
    picked.dedup();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use livegate_engine::quality::Quality;
    use serde_json::json;

    /// A one-face frame turned `yaw` degrees, with a descriptor or not (the session pipeline
    /// measures descriptors and texture on some frames only).
    fn frame(t: f64, yaw: f32, embedding: Option<&Embedding>) -> FrameSignals {
        let keypoints = [[0.0f32; 2]; 5];
        let face = json!({"bbox": [200.0, 120.0, 200.0, 240.0], "score": 0.9, "keypoints": keypoints});
        let quality = Quality {
            ok: true,
            ..Quality::default()
        };
        serde_json::from_value(json!({"t": t, "size": [640, 480], "face_count": 1, "faces": [face],
            "pose": {"yaw": yaw, "pitch": 0.0, "roll": 0.0}, "quality": quality,
            "embedding": embedding, "mesh_points": [], "fingerprint": []}))
        .expect("minimal signals")
    }

    #[test]
    fn face_match_compares_only_frames_with_a_descriptor() {
        let reference = Embedding(vec![0.1; 128]);
        let far = Embedding(vec![0.9; 128]);
        // Frontal frames without descriptors, a slightly turned one with the reference's.
        let mut frames: Vec<FrameSignals> = (0..4).map(|i| frame(f64::from(i) * 0.1, 0.0, None)).collect();
        frames.push(frame(0.5, 25.0, Some(&reference)));
        let m = face_match(&frames, &reference, true);
        assert_eq!(
            (m.attempted, m.matched, m.distance),
            (true, Some(true), Some(0.0)),
            "{m:?}"
        );
        // A frontal descriptor decides over the turned one.
        frames.push(frame(0.6, 2.0, Some(&far)));
        assert_eq!(face_match(&frames, &reference, true).matched, Some(false));
        // No frame with a descriptor: not attempted, not a panic.
        let bare: Vec<FrameSignals> = (0..3).map(|i| frame(f64::from(i), 0.0, None)).collect();
        let m = face_match(&bare, &reference, true);
        assert_eq!((m.attempted, m.reason.as_deref()), (false, Some("no_frontal_face")));
    }

    #[test]
    fn audit_images_do_not_need_descriptors_or_texture() {
        let e = Embedding(vec![0.1; 128]);
        let frames: Vec<FrameSignals> = (0..9)
            .map(|i| frame(f64::from(i) * 0.1, 0.0, (i == 4).then_some(&e)))
            .collect();
        assert_eq!(audit_frames(&frames, 3).len(), 3);
        // One good frame among dim ones: still three captures.
        let mut dim = frames.clone();
        for (i, f) in dim.iter_mut().enumerate() {
            f.quality.ok = i == 4;
        }
        let picked = audit_frames(&dim, 3);
        assert_eq!(picked.len(), 3, "{picked:?}");
    }
}
