//! The colour-flash challenge (`color_flash`): a sequence of screen colours drawn per session,
//! and the test that the face's light followed it.
//!
//! `nonce → FlashSequence::from_nonce` (palette colours, jittered durations, photosensitive-safe)
//! `→ [FrameSignals with ScreenColor + LightSample] → measure_response → FlashReading`.
//!
//! The measurement, per frame: `r_c = ln(face_c) − ln(background_c)` in linear light
//! ([`crate::light`]), which cancels the camera's global exposure and white-balance gains and the
//! skin's own albedo, leaving the share of light the nearby screen adds. Per step: the mean `r`
//! of the frames captured at least [`SETTLE_S`] after the colour came on (display latency and
//! the camera's first reaction). Per channel the step means are detrended (a constant and a
//! linear drift over the steps: the face's albedo against the wall, slow movement or a slowly
//! adapting camera) and correlated with the issued colours' linear light, detrended the same
//! way. The same correlation with every cyclic shift of the sequence is the null: a clip that
//! responds to *a* sequence but not this one (a replay of another session, a shifted response)
//! correlates better, or no worse, with a shift.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::signals::FrameSignals;

/// One colour of the palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlashColor {
    /// Full white.
    White,
    /// Screen dark.
    Black,
    /// Blue.
    Blue,
    /// Green.
    Green,
    /// Cyan.
    Cyan,
    /// Yellow.
    Yellow,
    /// Magenta (red share 0.5: not a saturated red).
    Magenta,
}

/// The palette, in documentation order. No colour is a saturated red (WCAG 2.3.1's red share
/// R / (R + G + B) ≥ 0.8), and every colour differs from every other in linear light.
pub const PALETTE: [FlashColor; 7] = [
    FlashColor::White,
    FlashColor::Black,
    FlashColor::Blue,
    FlashColor::Green,
    FlashColor::Cyan,
    FlashColor::Yellow,
    FlashColor::Magenta,
];

impl FlashColor {
    /// sRGB value the screen shows.
    pub fn srgb(self) -> [u8; 3] {
        match self {
            Self::White => [255, 255, 255],
            Self::Black => [0, 0, 0],
            Self::Blue => [0, 60, 255],
            Self::Green => [0, 220, 60],
            Self::Cyan => [0, 230, 230],
            Self::Yellow => [255, 225, 0],
            Self::Magenta => [230, 0, 230],
        }
    }

    /// CSS colour for the SDK (`#rrggbb`).
    pub fn css(self) -> String {
        let [r, g, b] = self.srgb();
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// Linear light of the colour (0..1 per channel).
    pub fn linear(self) -> [f64; 3] {
        self.srgb().map(|v| {
            let c = v as f64 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        })
    }
}

/// Steps in a sequence. With 6 steps about 1 % of other sessions' sequences passed the
/// thresholds below against a drawn one (they share colours by chance); with 8, 15 in 20,000
/// pairs (0.075 %) did (README "Colour flash").
pub const FLASH_STEPS: usize = 8;
/// Shortest step (s). With it no one-second window holds more than 2 changes.
pub const STEP_MIN_S: f64 = 0.5;
/// Longest step (s).
pub const STEP_MAX_S: f64 = 0.8;
/// Most colour changes allowed in any one second (WCAG 2.3.1 general flash threshold).
pub const MAX_CHANGES_PER_S: usize = 3;
/// Seconds after a colour comes on before its frames are read (screen latency, the camera's
/// pipeline, its first exposure reaction).
pub const SETTLE_S: f64 = 0.2;
/// Largest correlation of a drawn sequence's expected response with any of its own cyclic
/// shifts: above it the shifted null could not tell a response from a shifted one.
pub const SHIFT_CORR_MAX: f64 = 0.3;
/// Steps that must have settled frames for a reading.
pub const MIN_STEPS_MEASURED: usize = FLASH_STEPS - 1;
/// Correlation with the issued sequence a response needs.
pub const MIN_CORRELATION: f64 = 0.75;
/// How much better than the best shifted sequence the issued one must correlate.
pub const MIN_MARGIN: f64 = 0.25;
/// Smallest fitted gain (change of `ln(face/background)` per unit of linear screen light): a
/// screen at arm's length indoors gives 0.05-0.3; below 0.01 the response is lost in camera
/// noise (bright daylight), and is counted as no response.
pub const MIN_GAIN: f64 = 0.01;
/// How far the frames of one step may disagree about when it came on (`t − since`, s): the SDK
/// reads both from one clock at the same moment, so only rounding separates them.
pub const STEP_START_TOLERANCE_S: f64 = 0.1;
/// How much later than its nominal time a step may come on after the one before (s): the page's
/// timer fires after the duration and the colour waits for the next paint.
pub const STEP_LATE_MAX_S: f64 = 0.25;
/// Light added before taking logs (linear units), so black pixels stay finite.
const LOG_FLOOR: f64 = 1e-3;

/// One step of a sequence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlashStep {
    /// The colour shown.
    pub color: FlashColor,
    /// The colour as CSS (`#rrggbb`), for the client that shows it.
    pub css: String,
    /// How long it is shown (s).
    pub duration_s: f64,
}

/// The colours a session's screen shows, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlashSequence {
    /// The steps.
    pub steps: Vec<FlashStep>,
}

/// SHA-256 in counter mode over the nonce: a deterministic stream only the nonce's holder can
/// reproduce (the nonce itself comes from the server's CSPRNG).
struct NonceStream<'a> {
    nonce: &'a [u8],
    counter: u64,
    block: [u8; 32],
    pos: usize,
}

impl<'a> NonceStream<'a> {
    fn new(nonce: &'a [u8]) -> Self {
        Self {
            nonce,
            counter: 0,
            block: [0; 32],
            pos: 32,
        }
    }

    fn next_u32(&mut self) -> u32 {
        if self.pos + 4 > 32 {
            let mut h = Sha256::new();
            h.update(b"livegate color_flash v1");
            h.update(self.nonce);
            h.update(self.counter.to_le_bytes());
            self.block = h.finalize().into();
            self.counter += 1;
            self.pos = 0;
        }
        let v = u32::from_le_bytes(self.block[self.pos..self.pos + 4].try_into().unwrap_or([0; 4]));
        self.pos += 4;
        v
    }

    /// Uniform in `0..n` without modulo bias.
    fn below(&mut self, n: u32) -> u32 {
        let zone = u32::MAX - (u32::MAX % n);
        loop {
            let v = self.next_u32();
            if v < zone {
                return v % n;
            }
        }
    }
}

impl FlashSequence {
    /// The session's sequence, a pure function of its nonce: each colour differs from the one
    /// before, durations are jittered in [`STEP_MIN_S`]..[`STEP_MAX_S`] (to the millisecond),
    /// and a draw whose response could be confused with its own shift is drawn again.
    pub fn from_nonce(nonce: &[u8]) -> Self {
        let mut s = NonceStream::new(nonce);
        loop {
            let mut steps: Vec<FlashStep> = Vec::with_capacity(FLASH_STEPS);
            for _ in 0..FLASH_STEPS {
                let previous = steps.last().map(|p| p.color);
                let choices: Vec<FlashColor> = PALETTE.into_iter().filter(|c| Some(*c) != previous).collect();
                let color = choices[s.below(choices.len() as u32) as usize];
                let jitter_ms = s.below(((STEP_MAX_S - STEP_MIN_S) * 1000.0) as u32 + 1);
                steps.push(FlashStep {
                    color,
                    css: color.css(),
                    duration_s: STEP_MIN_S + jitter_ms as f64 / 1000.0,
                });
            }
            let seq = Self { steps };
            if seq.distinguishable() {
                return seq;
            }
        }
    }

    /// Total length (s).
    pub fn duration_s(&self) -> f64 {
        self.steps.iter().map(|s| s.duration_s).sum()
    }

    /// Start time of each step from the sequence's start (s).
    pub fn starts(&self) -> Vec<f64> {
        self.steps
            .iter()
            .scan(0.0, |t, s| {
                let start = *t;
                *t += s.duration_s;
                Some(start)
            })
            .collect()
    }

    /// Most colour changes in any one-second window (a change is the start of every step after
    /// the first; the first colour's appearance counts as one too, over the page's own colour).
    pub fn max_changes_per_second(&self) -> usize {
        let changes = self.starts();
        changes
            .iter()
            .map(|&t0| changes.iter().filter(|&&t| t >= t0 && t < t0 + 1.0).count())
            .max()
            .unwrap_or(0)
    }

    /// Whether the expected response differs enough from each of its cyclic shifts.
    fn distinguishable(&self) -> bool {
        let steps: Vec<usize> = (0..self.steps.len()).collect();
        let e = self.expected(&steps, 0);
        if norm(&e) < 1e-6 {
            return false;
        }
        (1..self.steps.len()).all(|j| correlation(&e, &self.expected(&steps, j)) <= SHIFT_CORR_MAX)
    }

    /// Expected response over `steps` (channel-major, detrended), with colours taken `shift`
    /// steps later (cyclically).
    fn expected(&self, steps: &[usize], shift: usize) -> Vec<f64> {
        let n = self.steps.len();
        let rows: Vec<[f64; 3]> = steps
            .iter()
            .map(|&k| self.steps[(k + shift) % n].color.linear())
            .collect();
        detrended(steps, &rows)
    }
}

/// Where in a session the flash ran, from the frames that carry a screen colour.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlashSpan {
    /// First labelled frame (s).
    pub start: f64,
    /// Last labelled frame (s).
    pub end: f64,
    /// Every step was on screen in some frame, and the last one long enough to be read.
    pub complete: bool,
}

/// The flash's span over `frames` (`None` when no frame carries a screen colour).
pub fn flash_span(frames: &[FrameSignals], seq: &FlashSequence) -> Option<FlashSpan> {
    let labelled: Vec<(&FrameSignals, usize, f64)> = frames
        .iter()
        .filter_map(|f| f.screen.map(|s| (f, s.step, s.since_s)))
        .filter(|(_, step, _)| *step < seq.steps.len())
        .collect();
    let (first, last) = (labelled.first()?, labelled.last()?);
    let n = seq.steps.len();
    let every = (0..n).all(|k| labelled.iter().any(|(_, s, _)| *s == k));
    let last_read = labelled.iter().any(|(_, s, since)| *s == n - 1 && *since >= SETTLE_S);
    Some(FlashSpan {
        start: first.0.t,
        end: last.0.t,
        complete: every && last_read,
    })
}

/// What the face's light said about the sequence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlashReading {
    /// Steps with settled, measured frames.
    pub steps_measured: usize,
    /// Correlation of the response with the issued sequence (−1..1).
    pub correlation: f64,
    /// Best correlation with a cyclic shift of it (the null).
    pub null_max: f64,
    /// Fitted gain: change of `ln(face/background)` per unit of linear screen light.
    pub gain: f64,
    /// The gain reached [`MIN_GAIN`]: the face responded to light at all.
    pub responded: bool,
    /// The frames' labels tell one story of the sequence's timing ([`labels_consistent`]): a
    /// client cannot sort frames into steps at will.
    pub timing_consistent: bool,
    /// The response follows the issued sequence (every test passed).
    pub follows: bool,
}

/// Measures how the face's light followed `seq` over the labelled frames.
pub fn measure_response(frames: &[FrameSignals], seq: &FlashSequence) -> FlashReading {
    let n = seq.steps.len();
    let mut sums = vec![([0.0f64; 3], 0usize); n];
    for f in frames {
        let (Some(screen), Some(light)) = (f.screen, f.light) else {
            continue;
        };
        if screen.step >= n || screen.since_s < SETTLE_S || !screen.since_s.is_finite() {
            continue;
        }
        let r: [f64; 3] = std::array::from_fn(|c| {
            (light.face[c] as f64 + LOG_FLOOR).ln() - (light.background[c] as f64 + LOG_FLOOR).ln()
        });
        if r.iter().all(|v| v.is_finite()) {
            let (sum, count) = &mut sums[screen.step];
            for c in 0..3 {
                sum[c] += r[c];
            }
            *count += 1;
        }
    }
    let steps: Vec<usize> = (0..n).filter(|&k| sums[k].1 > 0).collect();
    let rows: Vec<[f64; 3]> = steps.iter().map(|&k| sums[k].0.map(|v| v / sums[k].1 as f64)).collect();
    let mut reading = FlashReading {
        steps_measured: steps.len(),
        correlation: 0.0,
        null_max: 0.0,
        gain: 0.0,
        responded: false,
        timing_consistent: labels_consistent(frames, seq),
        follows: false,
    };
    if steps.len() < MIN_STEPS_MEASURED.min(n) || steps.len() < 3 {
        return reading;
    }
    let measured = detrended(&steps, &rows);
    let expected = seq.expected(&steps, 0);
    let energy: f64 = expected.iter().map(|v| v * v).sum();
    reading.correlation = correlation(&measured, &expected);
    reading.gain = if energy > 0.0 {
        measured.iter().zip(&expected).map(|(m, e)| m * e).sum::<f64>() / energy
    } else {
        0.0
    };
    reading.null_max = (1..n)
        .map(|j| correlation(&measured, &seq.expected(&steps, j)))
        .fold(-1.0, f64::max);
    reading.responded = reading.gain >= MIN_GAIN;
    reading.follows = reading.responded
        && reading.timing_consistent
        && reading.correlation >= MIN_CORRELATION
        && reading.correlation - reading.null_max >= MIN_MARGIN;
    reading
}

/// Whether the labelled frames agree with one showing of `seq`: labels never go back in capture
/// order, no step is reported on longer than its duration allows, the frames of a step agree on
/// when it came on ([`STEP_START_TOLERANCE_S`]), and each step came on its predecessors'
/// durations after the one before (up to [`STEP_LATE_MAX_S`] late per step). Without this a
/// client could sort the frames of a replay into whichever steps make it correlate.
pub fn labels_consistent(frames: &[FrameSignals], seq: &FlashSequence) -> bool {
    let n = seq.steps.len();
    let labelled: Vec<(f64, usize, f64)> = frames
        .iter()
        .filter_map(|f| f.screen.map(|s| (f.t, s.step, s.since_s)))
        .collect();
    if labelled.iter().any(|&(t, step, since)| {
        step >= n || !(t.is_finite() && since.is_finite()) || since > seq.steps[step].duration_s + STEP_LATE_MAX_S
    }) {
        return false;
    }
    if labelled.windows(2).any(|w| w[1].1 < w[0].1) {
        return false;
    }
    // When each step came on, by its frames: (earliest, latest) of `t − since`.
    let mut came_on: Vec<Option<(f64, f64)>> = vec![None; n];
    for &(t, step, since) in &labelled {
        let on = t - since;
        let slot = &mut came_on[step];
        *slot = Some(slot.map_or((on, on), |(lo, hi)| (lo.min(on), hi.max(on))));
    }
    if came_on
        .iter()
        .flatten()
        .any(|(lo, hi)| hi - lo > STEP_START_TOLERANCE_S)
    {
        return false;
    }
    let seen: Vec<(usize, f64)> = came_on
        .iter()
        .enumerate()
        .filter_map(|(k, on)| on.map(|(lo, _)| (k, lo)))
        .collect();
    seen.windows(2).all(|w| {
        let ((j, a), (k, b)) = (w[0], w[1]);
        let nominal: f64 = seq.steps[j..k].iter().map(|s| s.duration_s).sum();
        let gap = b - a;
        gap >= nominal - STEP_START_TOLERANCE_S && gap <= nominal + STEP_LATE_MAX_S * (k - j) as f64
    })
}

/// Per channel, `values` minus their least-squares fit `a + b·k` over the step indices `steps`;
/// channel-major.
fn detrended(steps: &[usize], rows: &[[f64; 3]]) -> Vec<f64> {
    let m = steps.len() as f64;
    let k_mean = steps.iter().map(|&k| k as f64).sum::<f64>() / m.max(1.0);
    let k_var: f64 = steps.iter().map(|&k| (k as f64 - k_mean).powi(2)).sum();
    let mut out = Vec::with_capacity(rows.len() * 3);
    for c in 0..3 {
        let mean = rows.iter().map(|r| r[c]).sum::<f64>() / m.max(1.0);
        let slope = if k_var > 0.0 {
            steps
                .iter()
                .zip(rows)
                .map(|(&k, r)| (k as f64 - k_mean) * (r[c] - mean))
                .sum::<f64>()
                / k_var
        } else {
            0.0
        };
        out.extend(
            steps
                .iter()
                .zip(rows)
                .map(|(&k, r)| r[c] - mean - slope * (k as f64 - k_mean)),
        );
    }
    out
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Cosine of two zero-mean vectors (0 when either is zero).
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (norm(a), norm(b));
    if na < 1e-12 || nb < 1e-12 {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / (na * nb)
}

#[cfg(test)]
#[path = "flash_tests.rs"]
mod tests;
