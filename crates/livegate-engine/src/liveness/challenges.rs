//! The challenge walk: `ChallengePlan + [Event] → [ChallengeResult]`, and the live progress of
//! the challenge under way (for the capture page's "a little further" cue).
//!
//! Each challenge counts when its movement is done and the face is back near neutral (a
//! completed [`Event`]), after the previous challenge completed, and starting within its time
//! frame of that moment. The first challenge's clock starts at the pre-capture gate.

use serde::{Deserialize, Serialize};

use super::config::Challenge;
use super::flash::{flash_span, FlashSpan, FLASH_STEPS};
use super::plan::ChallengePlan;
use super::verdict::Reason;
use crate::signals::FrameSignals;
use crate::temporal::{strength, Baseline, Event, EventKind};

/// How one planned challenge went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChallengeResult {
    /// The challenge.
    pub challenge: Challenge,
    /// Completed in order and in time.
    pub completed: bool,
    /// When it started (s), if it happened.
    pub start: Option<f64>,
    /// When it ended (s), if it happened.
    pub end: Option<f64>,
    /// Seconds from the previous challenge's end (or the gate) to this one's start (0 when the
    /// movement was already under way).
    pub response_s: Option<f64>,
    /// Why not, if not.
    pub reason: Option<Reason>,
}

/// The event kind that performs a movement challenge (`None` for the colour flash, which the
/// screen performs: see [`FlashSpan`]).
pub fn kind_of(c: Challenge) -> Option<EventKind> {
    match c {
        Challenge::HeadLeft => Some(EventKind::HeadLeft),
        Challenge::HeadRight => Some(EventKind::HeadRight),
        Challenge::Smile => Some(EventKind::Smile),
        Challenge::Blink => Some(EventKind::Blink),
        Challenge::ColorFlash => None,
    }
}

/// When a challenge was performed: a movement's event, or the colour flash's span.
#[derive(Clone, Copy)]
struct Performed {
    start: f64,
    end: f64,
}

/// Walks the plan in order from `start_t` (the gate): each challenge needs a completed event (or,
/// for turns and smiles, one still held when the capture ended) that is still under way or
/// begins after the previous challenge ended, starting within its
/// time frame of that moment. `end_t` is the time of the last frame: a challenge never seen
/// although the capture outlasted its window timed out; one whose window the capture did not
/// reach is missing; one seen only before its turn is out of order.
///
/// With `capture_ended`, a turn or smile still held at the last frame counts (the recording
/// stopped); without it (live progress, while frames still arrive) it must come back first.
/// `flash` is where the colour flash ran ([`flash_span`]); it must have shown every step.
pub fn check_challenges(
    plan: &ChallengePlan,
    events: &[Event],
    flash: Option<FlashSpan>,
    start_t: f64,
    end_t: f64,
    capture_ended: bool,
) -> Vec<ChallengeResult> {
    let mut cursor = start_t;
    let mut results = Vec::new();
    for planned in &plan.challenges {
        // A turn or smile still held when the capture ended was performed (a recording can stop
        // mid-smile); a blink must reopen (closed eyes at the end may be a still photo). The
        // flash was performed when every step was shown; whether the face followed it is the
        // verdict's `flash_response_mismatch`, not the walk's.
        let performed: Vec<Performed> = match kind_of(planned.challenge) {
            Some(kind) => events
                .iter()
                .filter(|e| {
                    e.kind == kind
                        && (e.completed || (capture_ended && kind != EventKind::Blink && e.end >= end_t - 1e-9))
                })
                .map(|e| Performed {
                    start: e.start,
                    end: e.end,
                })
                .collect(),
            None => flash
                .filter(|s| s.complete)
                .map(|s| Performed {
                    start: s.start,
                    end: s.end,
                })
                .into_iter()
                .collect(),
        };
        // The first challenge may already be under way at the gate; later ones must begin
        // after the previous one ended (or the order would mean nothing).
        let first = results.is_empty();
        let next = performed
            .iter()
            .find(|e| if first { e.end >= cursor } else { e.start >= cursor });
        let result = match next {
            Some(e) if e.start - cursor <= planned.time_frame_s => {
                let r = ChallengeResult {
                    challenge: planned.challenge,
                    completed: true,
                    start: Some(e.start),
                    end: Some(e.end),
                    response_s: Some((e.start - cursor).max(0.0)),
                    reason: None,
                };
                cursor = e.end;
                r
            }
            Some(e) => ChallengeResult {
                challenge: planned.challenge,
                completed: false,
                start: Some(e.start),
                end: Some(e.end),
                response_s: Some(e.start - cursor),
                reason: Some(Reason::Timeout),
            },
            None => {
                let earlier = performed.iter().any(|e| e.start < cursor);
                ChallengeResult {
                    challenge: planned.challenge,
                    completed: false,
                    start: None,
                    end: None,
                    response_s: None,
                    reason: Some(if earlier {
                        Reason::ChallengeOutOfOrder
                    } else if end_t - cursor >= planned.time_frame_s {
                        Reason::Timeout
                    } else {
                        Reason::ChallengeMissing
                    }),
                }
            }
        };
        results.push(result);
    }
    results
}

/// Where the movement of the challenge under way stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not reached yet: keep going.
    Move,
    /// Reached: come back to neutral to complete it.
    Return,
}

/// The challenge under way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Current {
    /// The challenge.
    pub challenge: Challenge,
    /// Strongest movement since the previous challenge completed, relative to what completes
    /// it (≥ 1 reached).
    pub fraction: f32,
    /// Keep going, or come back.
    pub phase: Phase,
}

/// Live progress over the frames received so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveProgress {
    /// Challenges completed, in plan order.
    pub completed: Vec<Challenge>,
    /// The next one to perform (`None` when all are done).
    pub next: Option<Challenge>,
    /// The one under way (`None` before the clock starts and after the plan is complete).
    pub current: Option<Current>,
    /// When the window of the one under way began: the previous challenge's end, or the gate
    /// (`None` before the clock starts and after the plan is complete).
    pub window_start: Option<f64>,
}

/// Progress of `plan` over `frames` whose clock started at `start_t` (`None`: not yet).
pub fn live_progress(
    plan: &ChallengePlan,
    frames: &[FrameSignals],
    events: &[Event],
    baseline: &Baseline,
    start_t: Option<f64>,
) -> LiveProgress {
    let end_t = frames.last().map_or(0.0, |f| f.t);
    let flash = plan.flash.as_ref().and_then(|seq| flash_span(frames, seq));
    let results = start_t
        .map(|s| check_challenges(plan, events, flash, s, end_t, false))
        .unwrap_or_default();
    let completed: Vec<Challenge> = results
        .iter()
        .take_while(|r| r.completed)
        .map(|r| r.challenge)
        .collect();
    let next = plan.challenges.get(completed.len()).map(|c| c.challenge);
    let window_start = match (start_t, next) {
        (Some(start), Some(_)) => Some(
            completed
                .len()
                .checked_sub(1)
                .and_then(|i| results[i].end)
                .unwrap_or(start),
        ),
        _ => None,
    };
    let current = match (window_start, next) {
        (Some(since), Some(challenge)) => {
            let (fraction, reached) = match kind_of(challenge) {
                Some(kind) => (
                    frames
                        .iter()
                        .filter(|f| f.t > since)
                        .filter_map(|f| strength(kind, f, baseline))
                        .fold(0.0f32, f32::max),
                    // Past the threshold and not yet back: an event still open at the last frame.
                    events.iter().any(|e| e.kind == kind && !e.completed && e.end > since),
                ),
                // The flash: the share of its steps shown so far.
                None => {
                    let shown = frames
                        .iter()
                        .filter_map(|f| f.screen.map(|s| s.step))
                        .collect::<std::collections::BTreeSet<usize>>()
                        .len();
                    let total = plan.flash.as_ref().map_or(FLASH_STEPS, |s| s.steps.len()).max(1);
                    (shown as f32 / total as f32, false)
                }
            };
            Some(Current {
                challenge,
                fraction: (fraction.max(0.0) * 100.0).round() / 100.0,
                phase: if reached { Phase::Return } else { Phase::Move },
            })
        }
        _ => None,
    };
    LiveProgress {
        completed,
        next,
        current,
        window_start,
    }
}
