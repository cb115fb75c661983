//! Tests of the colour-flash sequence draw and response correlation (on synthetic light
//! samples: a face of given albedo lit by ambient light plus the screen, seen by a camera whose
//! exposure gain lags the scene's brightness, with sensor noise).

use super::*;
use crate::light::{LightSample, ScreenColor};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn nonce(i: u64) -> [u8; 16] {
    let mut n = [0u8; 16];
    n[..8].copy_from_slice(&i.to_le_bytes());
    n
}

#[test]
fn same_nonce_same_sequence_and_nonces_vary() {
    let a = FlashSequence::from_nonce(&nonce(1));
    assert_eq!(a, FlashSequence::from_nonce(&nonce(1)));
    let distinct: std::collections::HashSet<Vec<FlashColor>> = (0..200)
        .map(|i| {
            FlashSequence::from_nonce(&nonce(i))
                .steps
                .iter()
                .map(|s| s.color)
                .collect()
        })
        .collect();
    assert!(distinct.len() > 190, "only {} distinct colour orders", distinct.len());
}

#[test]
fn every_drawn_sequence_is_photosensitive_safe_and_distinguishable() {
    for i in 0..5000 {
        let seq = FlashSequence::from_nonce(&nonce(i));
        assert_eq!(seq.steps.len(), FLASH_STEPS);
        assert!(
            seq.max_changes_per_second() <= MAX_CHANGES_PER_S,
            "nonce {i}: {} changes in one second",
            seq.max_changes_per_second()
        );
        for w in seq.steps.windows(2) {
            assert_ne!(w[0].color, w[1].color, "nonce {i}: a step that does not change");
        }
        for s in &seq.steps {
            assert!((STEP_MIN_S..=STEP_MAX_S).contains(&s.duration_s), "{s:?}");
        }
        assert!(seq.distinguishable());
    }
}

#[test]
fn no_palette_colour_is_a_saturated_red() {
    for c in PALETTE {
        let [r, g, b] = c.srgb().map(|v| v as f64);
        let sum = r + g + b;
        assert!(sum == 0.0 || r / sum < 0.8, "{c:?} is a saturated red");
        assert_eq!(c.css().len(), 7);
    }
}

/// How the simulated face answers the screen.
#[derive(Clone, Copy)]
enum Answer<'a> {
    /// Reflects the colours of this sequence.
    Follows(&'a FlashSequence),
    /// Reflects `seq`'s colours `shift` steps late.
    Shifted(&'a FlashSequence, usize),
    /// Reflects nothing (a replayed recording).
    Nothing,
}

/// Frames at `fps` over `seq`, labelled as the SDK labels them; the light on the face is
/// `albedo × (ambient + strength · screen)`, the background `albedo_bg × ambient`, both times an
/// exposure gain that chases the mean brightness with a 0.3 s time constant, plus noise.
fn simulate(seq: &FlashSequence, answer: Answer, strength: f64, fps: f64, seed: u64) -> Vec<FrameSignals> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut noise = move || (rng.next_u32() as f64 / u32::MAX as f64 - 0.5) * 0.01;
    let starts = seq.starts();
    let (albedo, albedo_bg, ambient) = ([0.55, 0.38, 0.3], [0.4, 0.4, 0.42], 0.5);
    let mut gain = 1.0;
    let mut out = Vec::new();
    let frames = (seq.duration_s() * fps) as usize;
    for i in 0..frames {
        let t = i as f64 / fps;
        let step = starts.iter().rposition(|&s| s <= t).unwrap_or(0);
        let lit: [f64; 3] = match answer {
            Answer::Follows(s) => s.steps[step.min(s.steps.len() - 1)].color.linear(),
            Answer::Shifted(s, k) => s.steps[(step + k) % s.steps.len()].color.linear(),
            Answer::Nothing => [0.0; 3],
        };
        let face: [f64; 3] = std::array::from_fn(|c| albedo[c] * (ambient + strength * lit[c]));
        let target = 0.45 / (face.iter().sum::<f64>() / 3.0 * 0.3 + albedo_bg[1] * ambient * 0.7);
        gain += (target - gain) * (1.0 - (-1.0 / (fps * 0.3)).exp());
        let sample = LightSample {
            face: face.map(|v| ((v * gain) * (1.0 + noise())) as f32),
            background: std::array::from_fn(|c| ((albedo_bg[c] * ambient * gain) * (1.0 + noise())) as f32),
        };
        let mut f: FrameSignals = serde_json::from_value(serde_json::json!({"t": t, "size": [640, 480],
            "face_count": 1, "faces": [], "quality": crate::quality::Quality::default(),
            "mesh_points": [], "fingerprint": []}))
        .expect("minimal signals");
        f.light = Some(sample);
        f.screen = Some(ScreenColor {
            step,
            since_s: t - starts[step],
        });
        out.push(f);
    }
    out
}

#[test]
fn a_face_lit_by_the_issued_sequence_follows_it() {
    let mut failures = 0;
    for i in 0..300 {
        let seq = FlashSequence::from_nonce(&nonce(i));
        // A weak screen (a tenth of the ambient light at full white) at 5 frames/s.
        let r = measure_response(&simulate(&seq, Answer::Follows(&seq), 0.05, 5.0, i), &seq);
        if !r.follows {
            failures += 1;
        }
    }
    assert!(failures <= 3, "{failures} of 300 bona fide responses refused");
}

#[test]
fn no_response_shifted_and_foreign_responses_do_not_follow() {
    for i in 0..300 {
        let seq = FlashSequence::from_nonce(&nonce(i));
        let other = FlashSequence::from_nonce(&nonce(i + 100_000));
        let none = measure_response(&simulate(&seq, Answer::Nothing, 0.05, 8.0, i), &seq);
        assert!(!none.follows && !none.responded, "nonce {i}: {none:?}");
        for k in 1..FLASH_STEPS {
            let shifted = measure_response(&simulate(&seq, Answer::Shifted(&seq, k), 0.08, 8.0, i), &seq);
            assert!(!shifted.follows, "nonce {i} shift {k}: {shifted:?}");
        }
        let foreign = measure_response(&simulate(&seq, Answer::Follows(&other), 0.08, 8.0, i), &seq);
        assert!(!foreign.follows, "nonce {i}: another session's response {foreign:?}");
    }
}

#[test]
fn unlabelled_or_unsettled_frames_give_no_reading() {
    let seq = FlashSequence::from_nonce(&nonce(3));
    let mut frames = simulate(&seq, Answer::Follows(&seq), 0.1, 8.0, 3);
    for f in &mut frames {
        if let Some(s) = f.screen.as_mut() {
            s.since_s = SETTLE_S / 2.0;
        }
    }
    let r = measure_response(&frames, &seq);
    assert_eq!(r.steps_measured, 0);
    assert!(!r.follows);
    for f in &mut frames {
        f.screen = None;
    }
    assert!(flash_span(&frames, &seq).is_none());
}

#[test]
fn the_span_is_complete_only_when_every_step_was_shown() {
    let seq = FlashSequence::from_nonce(&nonce(4));
    let frames = simulate(&seq, Answer::Follows(&seq), 0.1, 8.0, 4);
    let span = flash_span(&frames, &seq).unwrap();
    assert!(span.complete, "{span:?}");
    let half: Vec<FrameSignals> = frames
        .iter()
        .filter(|f| f.t < seq.duration_s() / 2.0)
        .cloned()
        .collect();
    assert!(!flash_span(&half, &seq).unwrap().complete);
}

#[test]
fn labels_must_tell_one_timing_of_the_sequence() {
    let seq = FlashSequence::from_nonce(&nonce(5));
    let honest = simulate(&seq, Answer::Follows(&seq), 0.1, 8.0, 5);
    assert!(labels_consistent(&honest, &seq));
    // A page whose timer fires late: each step comes on 0.1 s after its nominal time.
    let mut late = honest.clone();
    for f in &mut late {
        let s = f.screen.as_mut().unwrap();
        f.t += 0.1 * s.step as f64;
    }
    assert!(labels_consistent(&late, &seq));
    // One frame claiming its colour came on 0.3 s earlier than its step's other frames say.
    let mut odd = honest.clone();
    odd[3].screen.as_mut().unwrap().since_s += 0.3;
    assert!(!labels_consistent(&odd, &seq));
    // Labels that go back: a replay's frames sorted into the steps that would make it correlate.
    let mut sorted = honest.clone();
    let n = sorted.len();
    sorted.swap(2, n - 2);
    let times: Vec<f64> = honest.iter().map(|f| f.t).collect();
    for (f, t) in sorted.iter_mut().zip(times) {
        f.t = t;
    }
    assert!(!labels_consistent(&sorted, &seq));
    let r = measure_response(&sorted, &seq);
    assert!(!r.timing_consistent && !r.follows, "{r:?}");
    // A step reported on screen far longer than it lasts.
    let mut long = honest;
    let last = long.len() - 1;
    long[last].screen.as_mut().unwrap().since_s = 5.0;
    assert!(!labels_consistent(&long, &seq));
}
