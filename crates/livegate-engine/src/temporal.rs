//! Signals over time: `[FrameSignals] → [Event]` (blinks, smiles, head turns).
//!
//! Thresholds that depend on the person are normalised per face over the sequence itself: a
//! blink is a dip below a fraction of *this* face's open-eye level, a smile a rise above *this*
//! face's neutral mouth. Pure and replayable from stored signals.

use serde::{Deserialize, Serialize};

use crate::analyzer::FrameSignals;

/// Yaw (degrees) past which a head turn counts.
pub const TURN_YAW_DEG: f32 = 25.0;
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
/// Rise of the smile score above the face's neutral level (its 20th percentile).
pub const SMILE_RISE: f32 = 0.3;
/// Shortest smile that counts (s): a mouth passing through smile-like shapes on its way to a
/// shout or a grimace is not a smile.
pub const SMILE_MIN_DURATION_S: f64 = 0.25;
/// Percentile of the smile score taken as the neutral level.
pub const SMILE_NEUTRAL_PERCENTILE: f32 = 0.2;

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
    /// Strongest value reached: |yaw| in degrees, smile score, or the lowest eye ratio
    /// relative to the open level.
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

fn events_from(
    frames: &[FrameSignals],
    kind: EventKind,
    states: &[Option<bool>],
    strength: impl Fn(&FrameSignals) -> f32,
    min_duration_s: f64,
) -> Vec<Event> {
    runs(states)
        .into_iter()
        .filter(|&(a, b, _)| frames[b].t - frames[a].t >= min_duration_s)
        .map(|(a, b, completed)| Event {
            kind,
            start: frames[a].t,
            end: frames[b].t,
            peak: frames[a..=b].iter().map(&strength).fold(f32::MIN, f32::max),
            completed,
        })
        .collect()
}

fn mean_ear(f: &FrameSignals) -> Option<f32> {
    f.geometry.map(|g| (g.ear_left + g.ear_right) / 2.0)
}

/// The face's open-eye aspect ratio over the sequence.
pub fn eye_open_level(frames: &[FrameSignals]) -> Option<f32> {
    let mut ears: Vec<f32> = frames.iter().filter_map(mean_ear).collect();
    percentile(&mut ears, EYE_OPEN_PERCENTILE)
}

/// Eye closures that dip below [`BLINK_CLOSED_FRACTION`] of the face's open level.
pub fn blinks(frames: &[FrameSignals]) -> Vec<Event> {
    let Some(open) = eye_open_level(frames) else {
        return Vec::new();
    };
    let ears: Vec<Option<f32>> = frames.iter().map(mean_ear).collect();
    let states = hysteresis(
        &ears,
        |e| e < BLINK_CLOSED_FRACTION * open,
        |e| e > BLINK_REOPEN_FRACTION * open,
    );
    events_from(
        frames,
        EventKind::Blink,
        &states,
        |f| 1.0 - mean_ear(f).unwrap_or(open) / open,
        0.0,
    )
}

/// Smiles rising from the face's neutral level.
pub fn smiles(frames: &[FrameSignals]) -> Vec<Event> {
    let mut scores: Vec<f32> = frames.iter().filter_map(|f| f.smile).collect();
    let Some(neutral) = percentile(&mut scores, SMILE_NEUTRAL_PERCENTILE) else {
        return Vec::new();
    };
    let values: Vec<Option<f32>> = frames.iter().map(|f| f.smile).collect();
    let states = hysteresis(
        &values,
        |s| s >= SMILE_ON && s - neutral >= SMILE_RISE,
        |s| s < SMILE_OFF,
    );
    events_from(
        frames,
        EventKind::Smile,
        &states,
        |f| f.smile.unwrap_or(0.0),
        SMILE_MIN_DURATION_S,
    )
}

/// Head turns past ±[`TURN_YAW_DEG`].
pub fn turns(frames: &[FrameSignals]) -> Vec<Event> {
    let yaw = |f: &FrameSignals| f.pose.map(|p| p.yaw);
    let left: Vec<Option<bool>> = frames.iter().map(|f| yaw(f).map(|y| y > TURN_YAW_DEG)).collect();
    let right: Vec<Option<bool>> = frames.iter().map(|f| yaw(f).map(|y| y < -TURN_YAW_DEG)).collect();
    let mut events = events_from(frames, EventKind::HeadLeft, &left, |f| yaw(f).unwrap_or(0.0), 0.0);
    events.extend(events_from(
        frames,
        EventKind::HeadRight,
        &right,
        |f| -yaw(f).unwrap_or(0.0),
        0.0,
    ));
    events.sort_by(|a, b| a.start.total_cmp(&b.start));
    events
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

/// Every event in time order.
pub fn detect_events(frames: &[FrameSignals]) -> Vec<Event> {
    let mut events = turns(frames);
    events.extend(blinks(frames));
    events.extend(smiles(frames));
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
