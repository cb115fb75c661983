//! Session evaluation: `[FrameSignals] + LivenessConfig + ChallengePlan → Verdict`.
//!
//! Pure and replayable: the same stored signals always give the same verdict. The score follows
//! seed 001 — pose variation and expression variation weigh 50/50 (active mode; passive mode is
//! the texture score) — and is then only ever *lowered* by attack evidence and quality failures:
//! every penalty is a factor in 0..=1.

use serde::{Deserialize, Serialize};

use super::challenges::{check_challenges, ChallengeResult};
use super::config::{Challenge, LivenessConfig, LivenessMode};
use super::evidence::{
    gather_evidence, AttackEvidence, FACE_CHANGE_DISTANCE, GLARE_REPLAY, MOIRE_REPLAY, PLANAR_RESIDUAL_MAX,
    STATIC_PAIR_FRACTION,
};
use super::flash::{flash_span, measure_response};
use super::gate::{read_session, Reading};
use super::plan::ChallengePlan;
use crate::signals::FrameSignals;
use crate::temporal::{percentile, Baseline, Event, EventKind};

/// Head movement (degrees, combined yaw/pitch range) that earns the full pose score.
pub const POSE_RANGE_FULL_DEG: f32 = 45.0;
/// Smile range (p95 − p10 of the smile score) that earns the full smile component.
pub const SMILE_RANGE_FULL: f32 = 0.6;
/// Mouth-open range that earns the full mouth component.
pub const MOUTH_RANGE_FULL: f32 = 0.5;
/// Median bona-fide probability below which texture is evidence of an attack (factor 0).
pub const BONA_FIDE_ATTACK: f32 = 0.15;
/// Median bona-fide probability from which texture costs nothing (factor 1).
pub const BONA_FIDE_CLEAN: f32 = 0.45;
/// Fused burst reading from which a passive score is full (100); readings between this and
/// [`BONA_FIDE_ATTACK`] fall through the review band to a decline.
pub const PASSIVE_CLEAN: f32 = 0.75;
/// Factor applied when a screen replay is suspected.
pub const REPLAY_FACTOR: f32 = 0.5;
/// Share of texture readings with a sheet's or screen's border around the face from which a
/// passive session counts it as evidence (half: one odd frame of a live session is not).
pub const STILL_CUE_FRACTION: f32 = 0.5;
/// Fraction of face frames with quality failures above which the score is lowered.
pub const QUALITY_FAIL_FRACTION: f32 = 0.5;
/// Factor for widespread quality failures.
pub const QUALITY_FACTOR: f32 = 0.85;
/// Face frames below this fraction of all frames: `no_face`.
pub const MIN_FACE_FRACTION: f32 = 0.5;
/// Frames with a second counted face before `multiple_faces` is a finding.
pub const SECOND_FACE_MIN_FRAMES: usize = 3;
/// Fraction of face frames with a second counted face before `multiple_faces` is a finding.
pub const SECOND_FACE_MIN_FRACTION: f32 = 0.2;
/// Lowest score that goes to manual review instead of being declined (seed 001's bands).
pub const REVIEW_MIN: f64 = 50.0;
/// Ceiling of the score when the session fails a hard rule (challenge, identity, injection).
pub const HARD_FAIL_CEILING: f64 = 49.0;

/// A stable reason code (serialised as its code string).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Reason {
    /// A challenge was not performed within its time frame: it came too late, or the capture
    /// ran past the end of its window without it.
    Timeout,
    /// The score is below the threshold.
    ThresholdNotMatched,
    /// A challenge never happened, and the capture ended before its window did.
    ChallengeMissing,
    /// A challenge happened, but before the one that should come first.
    ChallengeOutOfOrder,
    /// More than one face.
    MultipleFaces,
    /// No face in most frames.
    NoFace,
    /// Another face took over.
    FaceChanged,
    /// Texture or planar-motion evidence of a printed or displayed face.
    PresentationAttack,
    /// Screen cues or looped frames.
    ReplaySuspected,
    /// Frozen frames or implausible timing.
    StaticStream,
    /// Too few frames captured.
    NotEnoughFrames,
    /// Most frames failed a quality check (the code names the most common one).
    Quality(crate::quality::QualityCode),
    /// The session asked for `color_flash`, the screen showed the whole sequence, and the
    /// light on the face did not follow it (no response, or a response to another sequence).
    FlashResponseMismatch,
}

impl Reason {
    /// The stable code string.
    pub fn code(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::ThresholdNotMatched => "threshold_not_matched",
            Self::ChallengeMissing => "challenge_missing",
            Self::ChallengeOutOfOrder => "challenge_out_of_order",
            Self::MultipleFaces => "multiple_faces",
            Self::NoFace => "no_face",
            Self::FaceChanged => "face_changed",
            Self::PresentationAttack => "presentation_attack",
            Self::ReplaySuspected => "replay_suspected",
            Self::StaticStream => "static_stream",
            Self::NotEnoughFrames => "not_enough_frames",
            Self::Quality(q) => q.code(),
            Self::FlashResponseMismatch => "flash_response_mismatch",
        }
    }

    /// Whether the reason describes what attack detection saw (texture, screen, injection,
    /// identity, order, or a score below the threshold): such reasons are kept for the
    /// integrator and never shown to the person in front of the camera, who is told something
    /// generic instead — naming the cue would coach an attacker.
    pub fn reveals_detection(self) -> bool {
        matches!(
            self,
            Self::PresentationAttack
                | Self::ReplaySuspected
                | Self::StaticStream
                | Self::FaceChanged
                | Self::ChallengeOutOfOrder
                | Self::ThresholdNotMatched
                | Self::FlashResponseMismatch
        )
    }

    /// Whether the reason alone fails the session (as opposed to lowering the score).
    pub fn is_hard(self) -> bool {
        !matches!(
            self,
            Self::ThresholdNotMatched | Self::Quality(_) | Self::ReplaySuspected
        )
    }
}

impl From<Reason> for String {
    fn from(r: Reason) -> String {
        r.code().to_string()
    }
}

impl TryFrom<String> for Reason {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        const SIMPLE: [Reason; 12] = [
            Reason::Timeout,
            Reason::ThresholdNotMatched,
            Reason::ChallengeMissing,
            Reason::ChallengeOutOfOrder,
            Reason::MultipleFaces,
            Reason::NoFace,
            Reason::FaceChanged,
            Reason::PresentationAttack,
            Reason::ReplaySuspected,
            Reason::StaticStream,
            Reason::NotEnoughFrames,
            Reason::FlashResponseMismatch,
        ];
        SIMPLE
            .into_iter()
            .find(|r| r.code() == code)
            .or_else(|| crate::quality::QualityCode::from_code(&code).map(Reason::Quality))
            .ok_or_else(|| format!("unknown reason code `{code}`"))
    }
}

/// Score band (seed 001).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// 90-100.
    VeryHigh,
    /// 75-89.
    High,
    /// 50-74: manual review.
    Review,
    /// 0-49.
    LikelySpoof,
}

impl Band {
    /// The band of a score.
    pub fn of(score: f64) -> Self {
        match score {
            s if s >= 90.0 => Self::VeryHigh,
            s if s >= 75.0 => Self::High,
            s if s >= 50.0 => Self::Review,
            _ => Self::LikelySpoof,
        }
    }
}

/// Approved, review or declined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Passed.
    Approved,
    /// Moderate confidence: a person should look.
    Review,
    /// Failed.
    Declined,
}

/// One multiplicative penalty and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Penalty {
    /// What it is for.
    pub cause: String,
    /// Factor 0..=1 applied to the score.
    pub factor: f64,
}

/// The explained result of a session: seed 001's selfie fields verbatim plus the evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `passive` or `active`.
    pub liveness_mode: LivenessMode,
    /// 0-100.
    pub liveness_score: f64,
    /// score ≥ threshold and no hard failure.
    pub liveness_passed: bool,
    /// Threshold used.
    pub liveness_threshold: f64,
    /// Challenge names completed in order and in time.
    pub challenges_completed: Vec<Challenge>,
    /// Frames analysed.
    pub frames_captured: usize,
    /// 0-100.
    pub pose_variation_score: f64,
    /// 0-100.
    pub expression_variation_score: f64,
    /// Approved / review / declined.
    pub decision: Decision,
    /// Score band.
    pub band: Band,
    /// Stable reason codes, most important first.
    pub reasons: Vec<Reason>,
    /// Per challenge.
    pub challenges: Vec<ChallengeResult>,
    /// Score before penalties.
    pub base_score: f64,
    /// Penalties applied, in order.
    pub penalties: Vec<Penalty>,
    /// The measured evidence.
    pub evidence: AttackEvidence,
    /// Capture time at which the pre-capture gate passed (the challenge clock's zero).
    #[serde(default)]
    pub gate_t: Option<f64>,
    /// The person's neutral face the challenges were measured against.
    #[serde(default)]
    pub baseline: Baseline,
}

/// Spread between the 5th and 95th percentiles (0 when empty).
fn range(mut v: Vec<f32>) -> f32 {
    let high = percentile(&mut v, 0.95).unwrap_or(0.0);
    high - percentile(&mut v, 0.05).unwrap_or(0.0)
}

/// Pose variation 0-100: the combined yaw/pitch range (5th-95th percentile) over face frames.
pub fn pose_variation(frames: &[FrameSignals]) -> f64 {
    let yaw = range(frames.iter().filter_map(|f| f.pose.map(|p| p.yaw)).collect());
    let pitch = range(frames.iter().filter_map(|f| f.pose.map(|p| p.pitch)).collect());
    (100.0 * (yaw.hypot(pitch) / POSE_RANGE_FULL_DEG).min(1.0)) as f64
}

/// Expression variation 0-100. When the plan asks for expression challenges, the mean of their
/// components (smile range; a completed blink) plus a bonus for mouth movement; otherwise any
/// expression change counts (0.6 smile + 0.6 blink + 0.3 mouth, capped).
pub fn expression_variation(frames: &[FrameSignals], events: &[Event], asked: &[Challenge]) -> f64 {
    let smile = (range(frames.iter().filter_map(|f| f.smile).collect()) / SMILE_RANGE_FULL).min(1.0);
    let mouth = (range(frames.iter().filter_map(|f| f.mouth_open).collect()) / MOUTH_RANGE_FULL).min(1.0);
    let blinked = events.iter().any(|e| e.kind == EventKind::Blink && e.completed);
    let blink = if blinked { 1.0 } else { 0.0 };
    let required: Vec<f32> = asked
        .iter()
        .filter_map(|c| match c {
            Challenge::Smile => Some(smile),
            Challenge::Blink => Some(blink),
            _ => None,
        })
        .collect();
    let value = if required.is_empty() {
        0.6 * smile + 0.6 * blink + 0.3 * mouth
    } else {
        required.iter().sum::<f32>() / required.len() as f32 + 0.3 * mouth
    };
    (100.0 * value.min(1.0)) as f64
}

/// Weights of (pose, expression): 50/50 as seed 001 describes for a plan with both kinds of
/// challenge (or none); a plan of only head turns or only expressions is scored on what it asks.
pub fn weights(asked: &[Challenge]) -> (f64, f64) {
    let pose = asked
        .iter()
        .any(|c| matches!(c, Challenge::HeadLeft | Challenge::HeadRight));
    let expression = asked.iter().any(|c| matches!(c, Challenge::Smile | Challenge::Blink));
    match (pose, expression) {
        (true, false) => (1.0, 0.0),
        (false, true) => (0.0, 1.0),
        _ => (0.5, 0.5),
    }
}

/// Evaluates a session.
pub fn evaluate(config: &LivenessConfig, plan: &ChallengePlan, frames: &[FrameSignals]) -> Verdict {
    let Reading { gate, baseline, events } = read_session(frames);
    // Texture and screen cues are read from the gate's hold onwards: frames before it may be
    // dark, tiny or half out of the picture while the person settles in.
    let mut evidence = gather_evidence(frames, gate.hold_start.unwrap_or(0));
    let flash = match config.mode {
        LivenessMode::Active if plan.has_flash() => plan.flash.as_ref(),
        _ => None,
    };
    evidence.flash = flash.map(|seq| measure_response(frames, seq));
    let pose = pose_variation(frames);
    // The movements asked for; a plan of the colour flash alone is scored on texture, as a
    // passive burst is (the flash is a pass/fail test on top).
    let asked: Vec<Challenge> = match config.mode {
        LivenessMode::Active => plan
            .challenges
            .iter()
            .map(|c| c.challenge)
            .filter(|c| c.is_movement())
            .collect(),
        LivenessMode::Passive => Vec::new(),
    };
    let texture_scored = config.mode == LivenessMode::Passive || asked.is_empty();
    let expression = expression_variation(frames, &events, &asked);
    // The challenge clock starts at the gate (or, if it never passed, at the first frame).
    let first_t = frames.first().map(|f| f.t).unwrap_or(0.0);
    let start_t = gate.t.unwrap_or(first_t);
    let end_t = frames.last().map(|f| f.t).unwrap_or(start_t);
    let challenges = match config.mode {
        LivenessMode::Active => {
            let span = flash.and_then(|seq| flash_span(frames, seq));
            check_challenges(plan, &events, span, start_t, end_t, true)
        }
        LivenessMode::Passive => Vec::new(),
    };
    let base_score = if texture_scored {
        passive_score(&evidence)
    } else {
        let (wp, we) = weights(&asked);
        wp * pose + we * expression
    };
    let mut reasons: Vec<Reason> = Vec::new();
    let mut penalties = Vec::new();
    let mut penalise = |cause: &str, factor: f64| {
        penalties.push(Penalty {
            cause: cause.to_string(),
            factor: factor.clamp(0.0, 1.0),
        })
    };
    let face_frames = frames.iter().filter(|f| f.pose.is_some()).count();
    if (face_frames as u32) < config.min_frames {
        reasons.push(if face_frames == 0 {
            Reason::NoFace
        } else {
            Reason::NotEnoughFrames
        });
    }
    if evidence.no_face_fraction > 1.0 - MIN_FACE_FRACTION && !reasons.contains(&Reason::NoFace) {
        reasons.push(Reason::NoFace);
    }
    for c in &challenges {
        if let Some(r) = c.reason {
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        }
    }
    let flash_shown = challenges
        .iter()
        .any(|c| c.challenge == Challenge::ColorFlash && c.completed);
    if flash_shown && evidence.flash.as_ref().is_some_and(|r| !r.follows) {
        reasons.push(Reason::FlashResponseMismatch);
        penalise("screen flash not reflected by the face", 0.0);
    }
    if second_face_persists(&evidence) {
        reasons.push(Reason::MultipleFaces);
    }
    if evidence.identity_drift.is_some_and(|d| d > FACE_CHANGE_DISTANCE) {
        reasons.push(Reason::FaceChanged);
    }
    if evidence.identical_pair_fraction > STATIC_PAIR_FRACTION || evidence.bad_timestamps > 0 {
        reasons.push(Reason::StaticStream);
        penalise("static or mistimed frames", 0.0);
    }
    if face_frames > 0 {
        let texture = texture_factor(evidence.bona_fide_median);
        // Passive scores are the texture reading itself; active ones are lowered by it.
        if texture < 1.0 && !texture_scored {
            penalise("texture (bona fide median)", texture as f64);
        }
        let planar = config.mode == LivenessMode::Active
            && evidence.planar_residual.is_some_and(|r| r < PLANAR_RESIDUAL_MAX)
            && expression < 30.0;
        if planar {
            penalise("rigid planar motion without expression", 0.0);
        }
        // Active sessions leave prints to the challenges (a door frame around a live face must
        // not undo a performed challenge); a passive still has nothing else.
        let border = config.mode == LivenessMode::Passive && evidence.border_fraction >= STILL_CUE_FRACTION;
        if border {
            penalise("sheet or screen border around the face", 0.0);
        }
        if texture == 0.0 || planar || border {
            reasons.push(Reason::PresentationAttack);
        }
    }
    if evidence.glare_median > GLARE_REPLAY || evidence.moire_median > MOIRE_REPLAY || evidence.looped_frames > 0 {
        reasons.push(Reason::ReplaySuspected);
        penalise("screen cues or looped frames", REPLAY_FACTOR as f64);
    }
    if let Some((code, count)) = most_common_quality(frames) {
        if count as f32 > QUALITY_FAIL_FRACTION * face_frames.max(1) as f32 {
            reasons.push(Reason::Quality(code));
            penalise("quality failures", QUALITY_FACTOR as f64);
        }
    }
    let mut score = penalties.iter().fold(base_score, |s, p| s * p.factor);
    let hard = reasons.iter().any(|r| r.is_hard());
    if hard {
        score = score.min(HARD_FAIL_CEILING);
    }
    let score = (score * 10.0).round() / 10.0;
    let passed = score >= config.threshold && !hard;
    if !passed && !hard {
        reasons.insert(0, Reason::ThresholdNotMatched);
    }
    let decision = if passed {
        Decision::Approved
    } else if !hard && score >= REVIEW_MIN {
        // Below the configured threshold but not in the likely-spoof band: a person decides.
        Decision::Review
    } else {
        Decision::Declined
    };
    Verdict {
        liveness_mode: config.mode,
        liveness_score: score,
        liveness_passed: passed,
        liveness_threshold: config.threshold,
        challenges_completed: challenges.iter().filter(|c| c.completed).map(|c| c.challenge).collect(),
        frames_captured: frames.len(),
        pose_variation_score: (pose * 10.0).round() / 10.0,
        expression_variation_score: (expression * 10.0).round() / 10.0,
        decision,
        band: Band::of(score),
        reasons,
        challenges,
        base_score,
        penalties,
        evidence,
        gate_t: gate.t,
        baseline,
    }
}

/// The texture reading mapped onto 0..1: [`BONA_FIDE_ATTACK`] and below is evidence of an
/// attack (0), [`BONA_FIDE_CLEAN`] and above costs nothing (1), linear between.
pub fn texture_factor(bona_fide: f32) -> f32 {
    ramp(bona_fide, BONA_FIDE_ATTACK, BONA_FIDE_CLEAN)
}

/// `v` mapped linearly from `low` (0) to `high` (1), clamped.
fn ramp(v: f32, low: f32, high: f32) -> f32 {
    ((v - low) / (high - low)).clamp(0.0, 1.0)
}

/// The passive base score 0-100 (README, "Passive scoring"): the burst's fused texture reading
/// ([`AttackEvidence::bona_fide_median`]: per frame the mean of both models' bona-fide
/// probabilities, the median over the burst's good-quality frames from the gate on, so one
/// weak model or one weak frame does not decide) mapped linearly from [`BONA_FIDE_ATTACK`]
/// (0) to [`PASSIVE_CLEAN`] (100). Screen cues, frozen or looped frames and quality failures
/// then lower it like any other score.
pub fn passive_score(evidence: &AttackEvidence) -> f64 {
    100.0 * ramp(evidence.bona_fide_median, BONA_FIDE_ATTACK, PASSIVE_CLEAN) as f64
}

/// A second face is evidence only when it is as large as a person beside the subject
/// ([`crate::detect::SECOND_FACE_MIN_RATIO`]) in at least [`SECOND_FACE_MIN_FRAMES`] frames and
/// [`SECOND_FACE_MIN_FRACTION`] of the face frames the detector ran on: a detector blip on one
/// frame is not a second person.
pub fn second_face_persists(evidence: &AttackEvidence) -> bool {
    evidence.multi_face_frames >= SECOND_FACE_MIN_FRAMES
        && evidence.multi_face_frames as f32 >= SECOND_FACE_MIN_FRACTION * evidence.detected_face_frames as f32
}

fn most_common_quality(frames: &[FrameSignals]) -> Option<(crate::quality::QualityCode, usize)> {
    let mut counts: Vec<(crate::quality::QualityCode, usize)> = Vec::new();
    for f in frames.iter().filter(|f| f.pose.is_some()) {
        for &c in &f.quality.codes {
            match counts.iter_mut().find(|(k, _)| *k == c) {
                Some((_, n)) => *n += 1,
                None => counts.push((c, 1)),
            }
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expression::{ExpressionGeometry, EyeOpenness};
    use crate::pose::HeadPose;
    use crate::quality::Quality;
    use crate::texture::Texture;
    use proptest::prelude::*;
    use rand_chacha::rand_core::SeedableRng;

    /// A recorded frame with the given head pose, smile, eye ratio and texture score.
    fn frame(i: usize, yaw: f32, smile: f32, ear: f32, bona_fide: f32) -> FrameSignals {
        let t = i as f64 * 0.1;
        FrameSignals {
            t,
            size: [640, 480],
            content: None,
            face_count: 1,
            detected: true,
            faces: Vec::new(),
            pose: Some(HeadPose {
                yaw,
                pitch: 0.0,
                roll: 0.0,
            }),
            eyes: Some(EyeOpenness { left: 1.0, right: 1.0 }),
            smile: Some(smile),
            mouth_open: Some(0.0),
            bona_fide: Some(bona_fide),
            texture: Some(Texture {
                bona_fide,
                ..Default::default()
            }),
            geometry: Some(ExpressionGeometry {
                ear_left: ear,
                ear_right: ear,
                ..Default::default()
            }),
            mesh_presence: Some(1.0),
            quality: Quality {
                ok: true,
                ..Default::default()
            },
            embedding: None,
            // Distinct thumbnails: a live camera never repeats a frame exactly.
            fingerprint: (0..256).map(|k| ((k * 7 + i * 13) % 251) as u8).collect(),
            mesh_points: Vec::new(),
            light: None,
            screen: None,
        }
    }

    /// 6 s of a person who smiles (1.0-1.8 s), turns left (2.5-3.3 s), blinks (4.0 s), turns right.
    fn performance(bona_fide: f32) -> Vec<FrameSignals> {
        (0..60)
            .map(|i| {
                let t = i as f32 * 0.1;
                let smile = if (1.0..1.8).contains(&t) { 0.9 } else { 0.0 };
                let yaw = if (2.5..3.3).contains(&t) {
                    35.0
                } else if (4.6..5.4).contains(&t) {
                    -35.0
                } else {
                    2.0
                };
                let ear = if (4.0..4.2).contains(&t) { 0.08 } else { 0.3 };
                frame(i, yaw, smile, ear, bona_fide)
            })
            .collect()
    }

    fn config(names: &[&str]) -> (LivenessConfig, ChallengePlan) {
        let c = LivenessConfig::new("active", 75.0, names, None, Some(6.0)).unwrap();
        let p = ChallengePlan::draw(&c, true, &mut rand_chacha::ChaCha20Rng::seed_from_u64(0));
        (c, p)
    }

    #[test]
    fn a_full_performance_passes_in_order() {
        let (c, p) = config(&["smile", "head_left", "blink", "head_right"]);
        let v = evaluate(&c, &p, &performance(0.99));
        assert!(v.liveness_passed, "{v:#?}");
        assert_eq!(v.decision, Decision::Approved);
        assert_eq!(v.challenges_completed.len(), 4);
        assert!(v.pose_variation_score > 90.0 && v.expression_variation_score > 90.0);
    }

    #[test]
    fn a_swapped_plan_is_scored_like_one_that_asked_for_the_replacement() {
        // X5's score rule: the replacement is judged as if it had been planned — same
        // threshold, same texture penalty — and it must be performed.
        let (c, mut swapped) = config(&["smile", "head_left", "head_right"]);
        let rng = &mut rand_chacha::ChaCha20Rng::seed_from_u64(1);
        assert_eq!(swapped.swap(2, &[Challenge::Blink], 0.0, rng), Ok(Challenge::Blink));
        let (c2, planned) = config(&["smile", "head_left", "blink"]);
        assert_eq!(swapped.names(), planned.names());
        for bona_fide in [0.99, 0.3, 0.05] {
            let a = evaluate(&c, &swapped, &performance(bona_fide));
            let b = evaluate(&c2, &planned, &performance(bona_fide));
            assert_eq!(
                (a.liveness_score, a.decision, &a.reasons),
                (b.liveness_score, b.decision, &b.reasons)
            );
        }
        // Without the blink, the replacement is missing: no pass.
        let mut frames = performance(0.99);
        frames.iter_mut().for_each(|f| {
            if let Some(g) = f.geometry.as_mut() {
                g.ear_left = 0.3;
                g.ear_right = 0.3;
            }
        });
        let v = evaluate(&c, &swapped, &frames);
        assert!(!v.liveness_passed, "{v:#?}");
    }

    #[test]
    fn below_a_high_threshold_a_good_score_goes_to_review() {
        let c = LivenessConfig::new("active", 99.0, &["smile", "head_left"], None, Some(6.0)).unwrap();
        let p = ChallengePlan::draw(&c, true, &mut rand_chacha::ChaCha20Rng::seed_from_u64(0));
        let mut frames = performance(0.99);
        for f in &mut frames {
            // Half-hearted smiles: the score lands between the bands and the threshold.
            f.smile = f.smile.map(|s| s * 0.6);
        }
        let v = evaluate(&c, &p, &frames);
        assert!(
            v.liveness_score >= REVIEW_MIN && v.liveness_score < 99.0,
            "{}",
            v.liveness_score
        );
        assert_eq!(v.decision, Decision::Review, "{v:#?}");
        assert_eq!(v.reasons, vec![Reason::ThresholdNotMatched]);
    }

    #[test]
    fn no_motion_and_no_expression_cannot_pass_active_mode() {
        let (c, p) = config(&["smile", "head_left"]);
        let still: Vec<FrameSignals> = (0..60).map(|i| frame(i, 1.0, 0.0, 0.3, 1.0)).collect();
        let v = evaluate(&c, &p, &still);
        assert!(!v.liveness_passed);
        assert!(v.liveness_score < 10.0, "{}", v.liveness_score);
        assert!(v.reasons.contains(&Reason::ChallengeMissing));
    }

    #[test]
    fn a_challenge_not_seen_while_its_window_ran_out_is_a_timeout() {
        let (c, p) = config(&["smile"]);
        let window = p.challenges[0].time_frame_s;
        let frames = |n: usize| -> Vec<FrameSignals> { (0..n).map(|i| frame(i, 1.0, 0.0, 0.3, 1.0)).collect() };
        let short = frames((window * 10.0) as usize - 5);
        assert!(evaluate(&c, &p, &short).reasons.contains(&Reason::ChallengeMissing));
        let long = frames((window * 10.0) as usize + 5);
        let v = evaluate(&c, &p, &long);
        assert!(v.reasons.contains(&Reason::Timeout), "{:?}", v.reasons);
        assert!(!v.reasons.contains(&Reason::ChallengeMissing));
    }

    #[test]
    fn out_of_order_and_timeout_are_named() {
        let (c, p) = config(&["head_left", "smile"]);
        let v = evaluate(&c, &p, &performance(0.99));
        assert!(v.reasons.contains(&Reason::ChallengeOutOfOrder), "{:?}", v.reasons);
        let c = LivenessConfig::new("active", 75.0, &["head_right"], None, Some(2.0)).unwrap();
        let p = ChallengePlan::draw(&c, true, &mut rand_chacha::ChaCha20Rng::seed_from_u64(0));
        let v = evaluate(&c, &p, &performance(0.99));
        assert!(v.reasons.contains(&Reason::Timeout), "{:?}", v.reasons);
        assert!(!v.liveness_passed);
    }

    #[test]
    fn low_texture_is_a_presentation_attack() {
        let (c, p) = config(&["smile", "head_left", "blink", "head_right"]);
        let v = evaluate(&c, &p, &performance(0.02));
        assert!(!v.liveness_passed);
        assert!(v.reasons.contains(&Reason::PresentationAttack));
    }

    #[test]
    fn static_frames_are_an_injection() {
        let (c, p) = config(&["smile"]);
        let mut frames = performance(0.99);
        let first = frames[0].fingerprint.clone();
        for f in &mut frames {
            f.fingerprint = first.clone();
        }
        let v = evaluate(&c, &p, &frames);
        assert!(v.reasons.contains(&Reason::StaticStream));
        assert_eq!(v.liveness_score, 0.0);
    }

    /// Frames of a person whose neutral yaw is `neutral` and who turns to `neutral + delta`
    /// between 1.0 and 2.0 s, coming back to neutral after unless `stay`.
    fn turn(neutral: f32, delta: f32, stay: bool) -> Vec<FrameSignals> {
        (0..40)
            .map(|i| {
                let t = i as f32 * 0.1;
                let yaw = if (1.0..2.0).contains(&t) || (stay && t >= 1.0) {
                    neutral + delta
                } else {
                    neutral
                };
                frame(i, yaw, 0.0, 0.3, 0.99)
            })
            .collect()
    }

    #[test]
    fn turns_are_measured_from_the_persons_own_neutral_pose() {
        let (c, p) = config(&["head_left"]);
        // A camera off to the side: neutral at -12°, a 20° turn peaks at only +8° absolute.
        let v = evaluate(&c, &p, &turn(-12.0, 20.0, false));
        assert_eq!(v.challenges_completed, vec![Challenge::HeadLeft], "{v:#?}");
        // A head already at +20° that does not move has not turned.
        let v = evaluate(&c, &p, &turn(20.0, 0.0, false));
        assert!(v.challenges_completed.is_empty());
        // Under the threshold from neutral is not a turn.
        let v = evaluate(&c, &p, &turn(0.0, crate::temporal::TURN_YAW_DEG - 3.0, false));
        assert!(v.challenges_completed.is_empty());
    }

    #[test]
    fn a_turn_completes_only_back_near_neutral_and_progress_says_so() {
        use crate::liveness::challenges::{live_progress, Phase};
        use crate::liveness::gate::read_session;
        let (c, p) = config(&["head_left"]);
        let held = turn(0.0, 30.0, true);
        // At completion a turn the recording stopped in counts; while frames still arrive the
        // person is asked to come back first.
        assert_eq!(evaluate(&c, &p, &held).challenges_completed, vec![Challenge::HeadLeft]);
        let r = read_session(&held);
        let live = live_progress(&p, &held, &r.events, &r.baseline, Some(0.0));
        let current = live.current.expect("under way");
        assert_eq!(current.phase, Phase::Return);
        assert!(current.fraction >= 1.0);
        let back = turn(0.0, 30.0, false);
        let r = read_session(&back);
        let live = live_progress(&p, &back, &r.events, &r.baseline, Some(0.0));
        assert_eq!(live.completed, vec![Challenge::HeadLeft]);
        assert!(live.current.is_none());
        // Half way: keep going.
        let half = turn(0.0, 9.0, true);
        let r = read_session(&half);
        let live = live_progress(&p, &half, &r.events, &r.baseline, Some(0.0));
        let current = live.current.unwrap();
        assert_eq!(current.phase, Phase::Move);
        assert!((current.fraction - 0.5).abs() < 0.05, "{current:?}");
    }

    #[test]
    fn one_weak_texture_reading_does_not_fail_a_passive_burst() {
        let c = LivenessConfig::new("passive", 75.0, &[], Some(3), None).unwrap();
        let p = ChallengePlan::draw(&c, true, &mut rand_chacha::ChaCha20Rng::seed_from_u64(0));
        let mut burst: Vec<FrameSignals> = (0..5).map(|i| frame(i, 0.0, 0.0, 0.3, 0.98)).collect();
        burst[2].bona_fide = Some(0.1);
        let v = evaluate(&c, &p, &burst);
        assert_eq!(v.decision, Decision::Approved, "{v:#?}");
        // One model unsure (1.0 and 0.4: ensemble 0.7) still passes; attack-level readings fail.
        let middling: Vec<FrameSignals> = (0..5).map(|i| frame(i, 0.0, 0.0, 0.3, 0.7)).collect();
        assert_eq!(evaluate(&c, &p, &middling).decision, Decision::Approved);
        let attack: Vec<FrameSignals> = (0..5).map(|i| frame(i, 0.0, 0.0, 0.3, 0.05)).collect();
        let v = evaluate(&c, &p, &attack);
        assert_eq!(v.decision, Decision::Declined);
        assert!(v.reasons.contains(&Reason::PresentationAttack));
        // Screen glare lowers a clean reading.
        let mut glare: Vec<FrameSignals> = (0..5).map(|i| frame(i, 0.0, 0.0, 0.3, 0.98)).collect();
        for f in &mut glare {
            f.texture.as_mut().unwrap().glare = 0.1;
        }
        let v = evaluate(&c, &p, &glare);
        assert!(
            v.reasons.contains(&Reason::ReplaySuspected) && !v.liveness_passed,
            "{v:#?}"
        );
    }

    #[test]
    fn a_second_face_counts_only_when_large_and_persistent() {
        use crate::detect::FaceDetection;
        let face = |x: f32, w: f32| FaceDetection {
            bbox: [x, 100.0, w, w * 1.2],
            score: 0.9,
            keypoints: [[0.0; 2]; 5],
        };
        let (c, p) = config(&["smile", "head_left", "blink", "head_right"]);
        let with = |second: Option<(f32, std::ops::Range<usize>)>| -> Vec<FrameSignals> {
            performance(0.99)
                .into_iter()
                .enumerate()
                .map(|(i, mut f)| {
                    f.faces = vec![face(250.0, 150.0)];
                    if let Some((w, range)) = &second {
                        if range.contains(&i) {
                            f.faces.push(face(20.0, *w));
                        }
                    }
                    f.face_count = f.faces.len();
                    f
                })
                .collect()
        };
        // A small face in the background all along, or a large one on two frames: not evidence.
        assert!(!evaluate(&c, &p, &with(Some((40.0, 0..60))))
            .reasons
            .contains(&Reason::MultipleFaces));
        assert!(!evaluate(&c, &p, &with(Some((140.0, 10..12))))
            .reasons
            .contains(&Reason::MultipleFaces));
        // Someone beside the subject for a good part of the session: evidence.
        assert!(evaluate(&c, &p, &with(Some((140.0, 10..30))))
            .reasons
            .contains(&Reason::MultipleFaces));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Texture evidence can only lower a score, and the same signals give the same verdict.
        #[test]
        fn texture_only_lowers_and_verdicts_are_deterministic(
            yaws in proptest::collection::vec(-50f32..50.0, 12..40),
            smile_at in 0usize..12,
            good in 0.5f32..1.0,
            bad in 0.0f32..0.5,
        ) {
            let (c, p) = config(&["smile", "head_left"]);
            let make = |bf: f32| -> Vec<FrameSignals> {
                yaws.iter().enumerate().map(|(i, &y)| frame(i, y, if i == smile_at || i == smile_at + 1 || i == smile_at + 2 { 0.9 } else { 0.0 }, 0.3, bf)).collect()
            };
            let clean = evaluate(&c, &p, &make(good));
            let worse = evaluate(&c, &p, &make(bad));
            prop_assert!(worse.liveness_score <= clean.liveness_score);
            prop_assert!(clean.liveness_score <= clean.base_score + 1e-9);
            prop_assert_eq!(&evaluate(&c, &p, &make(good)), &clean);
        }
    }
}
