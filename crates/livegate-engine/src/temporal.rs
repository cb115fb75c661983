//! Signals over time: `[FrameSignals] + Baseline → [Event]` (blinks, smiles, head turns).
//!
//! Every challenge is measured relative to the person's own neutral face ([`Baseline`]: the
//! pose and smile at the pre-capture gate, the open-eye level of the sequence), as a
//! *strength* where 1.0 is "done". An event starts when the strength reaches 1 and completes
//! when the face comes back near neutral (the strength falls below the kind's return level):
//! a turn is a turn and back, a smile a smile and relax, a blink a close and reopen. Pure and
//! replayable from stored signals.

use serde::{Deserialize, Serialize};

use crate::signals::FrameSignals;

/// Yaw change from the person's neutral pose (degrees) that completes a head turn. Chosen from
/// the deliberate turns of the real clips in `../shared/testdata` (README, "Challenges"): the
/// weakest peaks 24.8° from neutral, the strongest 40°+; 18° leaves a margin of about a
/// quarter below the weakest, and stays above the natural sway of talking heads.
pub const TURN_YAW_DEG: f32 = 18.0;
/// A turn is back near neutral below this fraction of [`TURN_YAW_DEG`].
pub const TURN_RETURN_FRACTION: f32 = 0.45;
/// Eyes count as closed below this fraction of the face's open-eye aspect ratio.
pub const BLINK_CLOSED_FRACTION: f32 = 0.6;
/// Closed eyes count as reopened above this fraction of the open level (hysteresis: a long
/// closure hovering near the closed threshold stays one event).
pub const BLINK_REOPEN_FRACTION: f32 = 0.8;
/// Percentile of the eye aspect ratio taken as the face's open level.
pub const EYE_OPEN_PERCENTILE: f32 = 0.75;
/// Smile score a smiling frame must reach.
pub const SMILE_ON: f32 = 0.5;
/// Smile score below which a smile has relaxed.
pub const SMILE_OFF: f32 = 0.3;
/// Rise of the smile score above the person's neutral level.
pub const SMILE_RISE: f32 = 0.3;
/// Shortest smile that counts (s): a mouth passing through smile-like shapes on its way to a
/// shout or a grimace is not a smile.
pub const SMILE_MIN_DURATION_S: f64 = 0.25;
/// Percentile of the smile score taken as the neutral level of a whole sequence.
pub const SMILE_NEUTRAL_PERCENTILE: f32 = 0.2;
/// Frames at the start of a sequence whose median yaw stands in for the neutral pose when
/// there is no gate.
const SEQUENCE_NEUTRAL_FRAMES: usize = 4;

/// The person's own neutral face, against which challenges are measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Neutral yaw (degrees).
    pub yaw: f32,
    /// Neutral smile score.
    pub smile: f32,
    /// Open-eye aspect ratio (`None` without eye measurements).
    pub eye_open: Option<f32>,
}

impl Baseline {
    /// A baseline from the sequence alone: the median yaw of its first face frames, the low
    /// percentile of its smile score and the open-eye level.
    pub fn of_sequence(frames: &[FrameSignals]) -> Self {
        let mut yaws: Vec<f32> = frames
            .iter()
            .filter_map(|f| f.pose.map(|p| p.yaw))
            .take(SEQUENCE_NEUTRAL_FRAMES)
            .collect();
        let mut smiles: Vec<f32> = frames.iter().filter_map(|f| f.smile).collect();
        Self {
            yaw: percentile(&mut yaws, 0.5).unwrap_or(0.0),
            smile: percentile(&mut smiles, SMILE_NEUTRAL_PERCENTILE).unwrap_or(0.0),
            eye_open: eye_open_level(frames),
        }
    }
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Eyes closed and reopened (or closed at the end of the sequence: `reopened = false`).
    Blink,
    /// Smile onset from the neutral level.
    Smile,
    /// Turn to the subject's own left (yaw > +threshold): challenge `head_left`.
    HeadLeft,
    /// Turn to the subject's own right (yaw < -threshold): challenge `head_right`.
    HeadRight,
}

/// One event with its time span.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Kind.
    pub kind: EventKind,
    /// Time of the first frame in the event (s).
    pub start: f64,
    /// Time of the last frame in the event (s).
    pub end: f64,
    /// Strongest [`strength`] reached (1 = the threshold that completes it).
    pub peak: f32,
    /// The state ended inside the sequence (eyes reopened, smile relaxed, head came back).
    pub completed: bool,
}

/// The `p`-quantile (0..=1, nearest rank) of `values` (sorted in place); `None` when empty.
pub fn percentile(values: &mut [f32], p: f32) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f32::total_cmp);
    let i = ((values.len() - 1) as f32 * p).round() as usize;
    Some(values[i])
}

/// Two-threshold state per frame: enters on `on(v)`, stays until `off(v)`; `None` (no face)
/// resets the state.
fn hysteresis(values: &[Option<f32>], on: impl Fn(f32) -> bool, off: impl Fn(f32) -> bool) -> Vec<Option<bool>> {
    let mut state = false;
    values
        .iter()
        .map(|v| match *v {
            Some(v) => {
                state = if state { !off(v) } else { on(v) };
                Some(state)
            }
            None => {
                state = false;
                None
            }
        })
        .collect()
}

/// Maximal runs of consecutive frames where `state` is `Some(true)`; a frame with `None` (no
/// face) ends a run. Returns (first, last, completed) indices.
fn runs(states: &[Option<bool>]) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, s) in states.iter().enumerate() {
        match (s, start) {
            (Some(true), None) => start = Some(i),
            (Some(true), Some(_)) => {}
            (Some(false), Some(b)) => {
                out.push((b, i - 1, true));
                start = None;
            }
            (None, Some(b)) => {
                out.push((b, i - 1, false));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(b) = start {
        out.push((b, states.len() - 1, false));
    }
    out
}

fn mean_ear(f: &FrameSignals) -> Option<f32> {
    f.geometry.map(|g| (g.ear_left + g.ear_right) / 2.0)
}

/// The face's open-eye aspect ratio over the sequence.
pub fn eye_open_level(frames: &[FrameSignals]) -> Option<f32> {
    let mut ears: Vec<f32> = frames.iter().filter_map(mean_ear).collect();
    percentile(&mut ears, EYE_OPEN_PERCENTILE)
}

/// How far `frame` has gone towards an event of `kind` from the person's neutral face: 1.0 is
/// the threshold that completes the movement, 0 is neutral. `None` without a face.
pub fn strength(kind: EventKind, frame: &FrameSignals, baseline: &Baseline) -> Option<f32> {
    match kind {
        EventKind::HeadLeft => frame.pose.map(|p| (p.yaw - baseline.yaw) / TURN_YAW_DEG),
        EventKind::HeadRight => frame.pose.map(|p| (baseline.yaw - p.yaw) / TURN_YAW_DEG),
        EventKind::Smile => frame
            .smile
            .map(|s| ((s - baseline.smile) / SMILE_RISE).min(s / SMILE_ON)),
        EventKind::Blink => {
            let open = baseline.eye_open?;
            mean_ear(frame).map(|e| (1.0 - e / open) / (1.0 - BLINK_CLOSED_FRACTION))
        }
    }
}

/// Strength below which an event of `kind` is back near neutral (completed).
pub fn return_level(kind: EventKind) -> f32 {
    match kind {
        EventKind::HeadLeft | EventKind::HeadRight => TURN_RETURN_FRACTION,
        // Below SMILE_OFF, or back within 60 % of the rise from neutral.
        EventKind::Smile => SMILE_OFF / SMILE_ON,
        EventKind::Blink => (1.0 - BLINK_REOPEN_FRACTION) / (1.0 - BLINK_CLOSED_FRACTION),
    }
}

fn min_duration(kind: EventKind) -> f64 {
    match kind {
        EventKind::Smile => SMILE_MIN_DURATION_S,
        _ => 0.0,
    }
}

/// Events of one kind: runs where the strength reached 1 until it fell below the return level.
pub fn events_of(frames: &[FrameSignals], kind: EventKind, baseline: &Baseline) -> Vec<Event> {
    let values: Vec<Option<f32>> = frames.iter().map(|f| strength(kind, f, baseline)).collect();
    let back = return_level(kind);
    let states = hysteresis(&values, |v| v >= 1.0, |v| v < back);
    runs(&states)
        .into_iter()
        .filter(|&(a, b, _)| frames[b].t - frames[a].t >= min_duration(kind))
        .map(|(a, b, completed)| Event {
            kind,
            start: frames[a].t,
            end: frames[b].t,
            peak: values[a..=b].iter().flatten().copied().fold(f32::MIN, f32::max),
            completed,
        })
        .collect()
}

/// Rewrites every frame's eye openness relative to this face's own open level over the sequence
/// (`ear / open` mapped from [`BLINK_CLOSED_FRACTION`]·0.75 → 0 to 0.95 → 1), so 0 means closed
/// and 1 open for this person, whatever the shape of their eyes.
pub fn normalise_eyes(frames: &mut [FrameSignals]) {
    let Some(open) = eye_open_level(frames) else {
        return;
    };
    let closed = 0.75 * BLINK_CLOSED_FRACTION;
    let map = |ear: f32| ((ear / open - closed) / (0.95 - closed)).clamp(0.0, 1.0);
    for f in frames.iter_mut() {
        if let (Some(g), Some(eyes)) = (f.geometry, f.eyes.as_mut()) {
            eyes.left = map(g.ear_left);
            eyes.right = map(g.ear_right);
        }
    }
}

/// Every event in time order, measured against `baseline`.
pub fn detect_events(frames: &[FrameSignals], baseline: &Baseline) -> Vec<Event> {
    let mut events: Vec<Event> = [
        EventKind::HeadLeft,
        EventKind::HeadRight,
        EventKind::Blink,
        EventKind::Smile,
    ]
    .into_iter()
    .flat_map(|k| events_of(frames, k, baseline))
    .collect();
    events.sort_by(|a, b| a.start.total_cmp(&b.start));
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_on_false_and_missing() {
        let s = [
            Some(false),
            Some(true),
            Some(true),
            Some(false),
            Some(true),
            None,
            Some(true),
        ];
        assert_eq!(runs(&s), vec![(1, 2, true), (4, 4, false), (6, 6, false)]);
    }

    #[test]
    fn hysteresis_holds_between_thresholds() {
        let v = [
            Some(0.3),
            Some(0.15),
            Some(0.2),
            Some(0.17),
            Some(0.26),
            Some(0.15),
            None,
            Some(0.2),
        ];
        let s = hysteresis(&v, |e| e < 0.18, |e| e > 0.24);
        assert_eq!(
            s,
            vec![
                Some(false),
                Some(true),
                Some(true),
                Some(true),
                Some(false),
                Some(true),
                None,
                Some(false)
            ]
        );
    }

    #[test]
    fn percentile_of_sorted_values() {
        let mut v = vec![5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&mut v, 0.5), Some(3.0));
        assert_eq!(percentile(&mut [], 0.5), None);
    }
}
