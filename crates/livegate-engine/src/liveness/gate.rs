//! The pre-capture gate: `[FrameSignals] → Gate`.
//!
//! The challenge clock starts only once exactly one face has been inside the oval — at the right
//! distance, centred, frontal, still and lit well enough — for [`GATE_HOLD_S`] of capture time
//! without a break (the anchor is AWS Amplify's oval fit before the challenge starts). The gate
//! frames also give the person's neutral baseline (pose, smile) that challenges are measured
//! against. Pure and replayable: the server answers each uploaded frame with the gate's state,
//! and `analyze` / `eval` run the same rule on files, so a browser attempt and a file of the
//! same performance start their clocks alike.

use serde::{Deserialize, Serialize};

use crate::detect::counted_faces;
use crate::framing::ContentRect;
use crate::quality::{is_cut_off, FACE_PIXELS_MIN, LUMA_BRIGHT};
use crate::signals::FrameSignals;
use crate::temporal::{detect_events, percentile, Baseline, Event};

/// Capture time the gate conditions must hold without a break (s).
pub const GATE_HOLD_S: f64 = 0.5;
/// Oval half-width as a fraction of the picture's short side.
pub const OVAL_RX: f32 = 0.34;
/// Oval half-height as a fraction of the picture's short side (at most half the height).
pub const OVAL_RY: f32 = 0.44;
/// The face centre must lie within this normalised distance of the oval's centre (1 = on the
/// oval's edge).
pub const GATE_CENTRE_MAX: f32 = 0.55;
/// Face wider than this fraction of the oval's width: too close.
pub const GATE_FACE_MAX: f32 = 1.15;
/// |yaw| and |pitch| (degrees) within which the face counts as looking at the camera. Loose on
/// purpose: challenges are measured from wherever the person's neutral pose is (a laptop camera
/// off to one side reads 10-15° at rest), the gate only stops a face clearly turned away.
pub const GATE_FRONTAL_DEG: f32 = 35.0;
/// Face box width below this fraction of the picture's short side: "Move closer". Looser than
/// the quality check's [`crate::quality::FACE_SIZE_MIN`] (still a hint, and scored), so a
/// laptop user sitting back is let through once the face has pixels enough
/// ([`FACE_PIXELS_MIN`]).
pub const GATE_FACE_MIN: f32 = 0.12;
/// Mean face luma below which the gate holds ("Find more light"). Lower than the quality
/// check's [`crate::quality::LUMA_DARK`] (which still shows as a hint and is scored): a dim webcam room where
/// the models still read the face well must not keep a person waiting forever — the live
/// `lestari_real` selfie of the test data measures 51.
pub const GATE_LUMA_MIN: f32 = 38.0;
/// Face centre movement between consecutive frames, as a fraction of the face width, above
/// which the person is asked to hold still.
pub const GATE_STILL_MAX: f32 = 0.25;

/// The region the gate judges, in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Oval {
    /// Centre x.
    pub cx: f32,
    /// Centre y.
    pub cy: f32,
    /// Half-width.
    pub rx: f32,
    /// Half-height.
    pub ry: f32,
}

impl Oval {
    /// The oval of a picture: centred in its content, sized from its short side.
    pub fn of(content: ContentRect) -> Self {
        let (cx, cy) = content.centre();
        let (w, h) = content.size();
        let s = content.short_side();
        Self {
            cx,
            cy,
            rx: (OVAL_RX * s).min(w / 2.0),
            ry: (OVAL_RY * s).min(h / 2.0),
        }
    }

    /// Normalised distance of a point from the centre (1 on the edge).
    pub fn distance(&self, x: f32, y: f32) -> f32 {
        ((x - self.cx) / self.rx.max(1.0)).hypot((y - self.cy) / self.ry.max(1.0))
    }

    /// The same oval as fractions of the frame's width (x, rx) and height (y, ry).
    pub fn fractions(&self, size: [u32; 2]) -> Self {
        let (w, h) = (size[0].max(1) as f32, size[1].max(1) as f32);
        Self {
            cx: self.cx / w,
            cy: self.cy / h,
            rx: self.rx / w,
            ry: self.ry / h,
        }
    }
}

/// Why a frame does not meet the gate, in the order they are checked (the first one found is
/// what the person is told).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum GateHint {
    /// No face.
    NoFace,
    /// Someone else is in view too.
    MultipleFaces,
    /// Too dark to see the face.
    TooDark,
    /// Light straight into the camera or on the face.
    TooBright,
    /// Too close: the face fills more than the oval.
    TooLarge,
    /// Too far away.
    TooSmall,
    /// Not in the middle of the oval, or partly outside the picture.
    OffCentre,
    /// Turned or tilted away from the camera.
    LookStraight,
    /// Moving too much.
    HoldStill,
}

/// Every gate hint.
pub const ALL_GATE_HINTS: [GateHint; 9] = [
    GateHint::NoFace,
    GateHint::MultipleFaces,
    GateHint::TooDark,
    GateHint::TooBright,
    GateHint::TooLarge,
    GateHint::TooSmall,
    GateHint::OffCentre,
    GateHint::LookStraight,
    GateHint::HoldStill,
];

impl GateHint {
    /// The stable code (the quality code where there is one).
    pub fn code(self) -> &'static str {
        match self {
            Self::NoFace => "quality_no_face",
            Self::MultipleFaces => "quality_multiple_faces",
            Self::TooDark => "quality_too_dark",
            Self::TooBright => "quality_too_bright",
            Self::TooLarge => "quality_face_too_large",
            Self::TooSmall => "quality_face_too_small",
            Self::OffCentre => "quality_face_off_center",
            Self::LookStraight => "gate_look_straight",
            Self::HoldStill => "gate_hold_still",
        }
    }
}

impl From<GateHint> for String {
    fn from(h: GateHint) -> String {
        h.code().to_string()
    }
}

impl TryFrom<String> for GateHint {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        ALL_GATE_HINTS
            .into_iter()
            .find(|h| h.code() == code)
            .ok_or_else(|| format!("unknown gate hint `{code}`"))
    }
}

/// The first gate condition `frame` fails (`None`: it meets them all). `previous` is the frame
/// before it, for stillness.
pub fn frame_hint(frame: &FrameSignals, previous: Option<&FrameSignals>) -> Option<GateHint> {
    let Some(face) = frame.subject() else {
        return Some(GateHint::NoFace);
    };
    if frame.pose.is_none() {
        return Some(GateHint::NoFace);
    }
    if counted_faces(&frame.faces) > 1 {
        return Some(GateHint::MultipleFaces);
    }
    let m = &frame.quality.metrics;
    if m.brightness < GATE_LUMA_MIN {
        return Some(GateHint::TooDark);
    }
    if m.brightness > LUMA_BRIGHT {
        return Some(GateHint::TooBright);
    }
    let content = frame.content();
    let oval = Oval::of(content);
    let w = face.bbox[2];
    if w > GATE_FACE_MAX * 2.0 * oval.rx {
        return Some(GateHint::TooLarge);
    }
    if m.face_size < GATE_FACE_MIN || w < FACE_PIXELS_MIN {
        return Some(GateHint::TooSmall);
    }
    let (cx, cy) = face.centre();
    if is_cut_off(face, content) || oval.distance(cx, cy) > GATE_CENTRE_MAX {
        return Some(GateHint::OffCentre);
    }
    if frame
        .pose
        .is_some_and(|p| p.yaw.abs() > GATE_FRONTAL_DEG || p.pitch.abs() > GATE_FRONTAL_DEG)
    {
        return Some(GateHint::LookStraight);
    }
    if let Some(prev) = previous.and_then(FrameSignals::subject) {
        let (px, py) = prev.centre();
        if (cx - px).hypot(cy - py) > GATE_STILL_MAX * w {
            return Some(GateHint::HoldStill);
        }
    }
    None
}

/// The gate over a sequence of frames.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    /// The conditions held for [`GATE_HOLD_S`].
    pub passed: bool,
    /// Capture time at which it passed: the challenge clock's zero.
    pub t: Option<f64>,
    /// Index of the first frame of the hold that passed it.
    pub hold_start: Option<usize>,
    /// Index of the frame at which it passed.
    pub pass_index: Option<usize>,
    /// The last frame meets every condition.
    pub ok: bool,
    /// The first condition the last frame fails.
    pub hint: Option<GateHint>,
    /// How long the conditions have held without a break at the last frame (s).
    pub held_s: f64,
}

/// Runs the gate over frames in capture order. Once passed it stays passed; `ok`, `hint` and
/// `held_s` describe the last frame.
pub fn run_gate(frames: &[FrameSignals]) -> Gate {
    let mut gate = Gate::default();
    let mut run_start: Option<usize> = None;
    for (i, f) in frames.iter().enumerate() {
        let hint = frame_hint(f, i.checked_sub(1).map(|p| &frames[p]));
        gate.hint = hint;
        gate.ok = hint.is_none();
        if hint.is_some() {
            run_start = None;
            gate.held_s = 0.0;
            continue;
        }
        let start = *run_start.get_or_insert(i);
        gate.held_s = f.t - frames[start].t;
        if !gate.passed && gate.held_s >= GATE_HOLD_S - 1e-6 {
            gate.passed = true;
            gate.t = Some(f.t);
            gate.hold_start = Some(start);
            gate.pass_index = Some(i);
        }
    }
    gate
}

/// The person's neutral face: pose and smile over the gate's hold (median), the smile's
/// neutral level taken as the lower of that and the sequence's own low percentile (someone
/// already smiling at the gate is not held to a bigger smile). Without a passed gate, the
/// sequence's first face frames stand in.
pub fn baseline(frames: &[FrameSignals], gate: &Gate) -> Baseline {
    let window: Vec<&FrameSignals> = match (gate.hold_start, gate.pass_index) {
        (Some(a), Some(b)) => frames[a..=b].iter().collect(),
        _ => frames.iter().filter(|f| f.pose.is_some()).take(4).collect(),
    };
    let mut yaws: Vec<f32> = window.iter().filter_map(|f| f.pose.map(|p| p.yaw)).collect();
    let mut smiles: Vec<f32> = window.iter().filter_map(|f| f.smile).collect();
    let sequence = Baseline::of_sequence(frames);
    Baseline {
        yaw: percentile(&mut yaws, 0.5).unwrap_or(sequence.yaw),
        smile: percentile(&mut smiles, 0.5).map_or(sequence.smile, |s| s.min(sequence.smile)),
        eye_open: sequence.eye_open,
    }
}

/// A sequence read as a session: its gate, the baseline from it, and the events measured
/// against that baseline — what the verdict, the live progress and `analyze` all use.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// The gate.
    pub gate: Gate,
    /// The neutral face.
    pub baseline: Baseline,
    /// Blinks, smiles and turns against the baseline.
    pub events: Vec<Event>,
}

/// Reads `frames` (capture order) as a session.
pub fn read_session(frames: &[FrameSignals]) -> Reading {
    let gate = run_gate(frames);
    let baseline = baseline(frames, &gate);
    let events = detect_events(frames, &baseline);
    Reading { gate, baseline, events }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::FaceDetection;
    use crate::pose::HeadPose;
    use crate::quality::{Quality, QualityMetrics};

    fn face(x: f32, y: f32, w: f32) -> FaceDetection {
        FaceDetection {
            bbox: [x, y, w, w * 1.2],
            score: 0.9,
            keypoints: [[0.0; 2]; 5],
        }
    }

    /// A 640x480 frame at `t` with the given faces (the first is the subject) and face luma.
    fn frame(t: f64, faces: Vec<FaceDetection>, brightness: f32, yaw: f32) -> FrameSignals {
        let size = faces.first().map_or(0.0, |f| f.bbox[2] / 480.0);
        FrameSignals {
            t,
            size: [640, 480],
            content: None,
            face_count: faces.len(),
            detected: true,
            pose: faces.first().map(|_| HeadPose {
                yaw,
                pitch: 0.0,
                roll: 0.0,
            }),
            faces,
            eyes: None,
            smile: Some(0.1),
            mouth_open: None,
            bona_fide: None,
            texture: None,
            geometry: None,
            mesh_presence: None,
            quality: Quality {
                ok: true,
                metrics: QualityMetrics {
                    face_size: size,
                    brightness,
                    ..Default::default()
                },
                ..Default::default()
            },
            embedding: None,
            mesh_points: Vec::new(),
            fingerprint: Vec::new(),
            light: None,
            screen: None,
        }
    }

    fn centred(t: f64) -> FrameSignals {
        frame(t, vec![face(250.0, 150.0, 140.0)], 120.0, 3.0)
    }

    #[test]
    fn the_clock_starts_after_half_a_second_in_the_oval() {
        let mut frames = vec![frame(0.0, vec![], 0.0, 0.0)];
        frames.extend((1..=8).map(|i| centred(i as f64 * 0.2)));
        let g = run_gate(&frames);
        assert!(g.passed);
        assert_eq!(g.hold_start, Some(1));
        assert_eq!(g.pass_index, Some(4));
        assert!((g.t.unwrap() - 0.8).abs() < 1e-9, "{g:?}");
        assert!(g.ok && g.hint.is_none());
    }

    #[test]
    fn every_condition_has_its_hint() {
        let cases = [
            (frame(0.0, vec![], 0.0, 0.0), GateHint::NoFace),
            (
                frame(
                    0.0,
                    vec![face(250.0, 150.0, 140.0), face(40.0, 40.0, 100.0)],
                    120.0,
                    0.0,
                ),
                GateHint::MultipleFaces,
            ),
            (
                frame(0.0, vec![face(250.0, 150.0, 140.0)], 30.0, 0.0),
                GateHint::TooDark,
            ),
            (
                frame(0.0, vec![face(250.0, 150.0, 140.0)], 240.0, 0.0),
                GateHint::TooBright,
            ),
            (
                frame(0.0, vec![face(100.0, 0.0, 420.0)], 120.0, 0.0),
                GateHint::TooLarge,
            ),
            (
                frame(0.0, vec![face(300.0, 200.0, 60.0)], 120.0, 0.0),
                GateHint::TooSmall,
            ),
            (
                frame(0.0, vec![face(20.0, 150.0, 140.0)], 120.0, 0.0),
                GateHint::OffCentre,
            ),
            (
                frame(0.0, vec![face(250.0, 150.0, 140.0)], 120.0, 45.0),
                GateHint::LookStraight,
            ),
        ];
        for (f, expected) in cases {
            assert_eq!(frame_hint(&f, None), Some(expected));
        }
        let moved = frame(0.2, vec![face(330.0, 150.0, 140.0)], 120.0, 0.0);
        assert_eq!(frame_hint(&moved, Some(&centred(0.0))), Some(GateHint::HoldStill));
    }

    #[test]
    fn a_small_background_face_does_not_hold_the_gate() {
        let f = frame(0.0, vec![face(250.0, 150.0, 140.0), face(20.0, 20.0, 40.0)], 120.0, 0.0);
        assert_eq!(frame_hint(&f, None), None);
    }

    #[test]
    fn a_break_restarts_the_hold() {
        let mut frames: Vec<FrameSignals> = (0..3).map(|i| centred(i as f64 * 0.2)).collect();
        frames.push(frame(0.6, vec![], 0.0, 0.0));
        frames.extend((4..6).map(|i| centred(i as f64 * 0.2)));
        let g = run_gate(&frames);
        assert!(!g.passed, "{g:?}");
        assert!((g.held_s - 0.2).abs() < 1e-9);
    }

    #[test]
    fn the_baseline_is_the_gate_pose() {
        let frames: Vec<FrameSignals> = (0..10)
            .map(|i| frame(i as f64 * 0.2, vec![face(250.0, 150.0, 140.0)], 120.0, 12.0))
            .collect();
        let g = run_gate(&frames);
        let b = baseline(&frames, &g);
        assert!((b.yaw - 12.0).abs() < 1e-6);
    }
}
