//! Issue 14, the colour-flash measurement on real pixels: the screen's light rendered onto real
//! face clips (`livegate::synth_flash`: albedo × (ambient + screen) with falloff, auto exposure
//! and white balance lagging, display latency), analysed by the whole pipeline, and the face's
//! response correlated with the session's sequence (`liveness::flash::measure_response`). The
//! issued response must follow; no response, a shifted one and another session's must not.

mod common;

use common::{analyzer, data, shared};
use livegate::synth_flash::{physics_rng, FlashPhysics, FlashRender, FlashRenderer};
use livegate_engine::liveness::flash::{measure_response, FlashReading, FlashSequence, MIN_CORRELATION};
use livegate_engine::{FrameSignals, RgbImage};
use livegate_media::open_source;

const FPS: f64 = 10.0;

/// The clip's frames at `FPS` within `[from, to]` s (where the person holds still, as the flash
/// asks), played forth and back until `seconds` (a real face, long enough for any sequence).
fn frames(path: &std::path::Path, (from, to): (f64, f64), seconds: f64) -> Vec<(f64, RgbImage)> {
    let mut forth = Vec::new();
    open_source(path, Some(FPS))
        .expect("clip opens")
        .for_each_frame(|f| -> Result<(), livegate_media::MediaError> {
            if (from..=to).contains(&f.t) {
                forth.push(f.image);
            }
            Ok(())
        })
        .expect("clip decodes");
    let back: Vec<RgbImage> = forth.iter().rev().skip(1).cloned().collect();
    let cycle: Vec<RgbImage> = forth.into_iter().chain(back).collect();
    let n = (seconds * FPS).ceil() as usize;
    (0..n)
        .map(|i| (i as f64 / FPS, cycle[i % cycle.len()].clone()))
        .collect()
}

/// Analyses the clean frames (for the face boxes), renders `render` with the flash starting at
/// 0.3 s, and reads the response.
fn reading(
    images: &[(f64, RgbImage)],
    seq: &FlashSequence,
    render: &FlashRender,
    strength: f64,
    seed: u64,
) -> FlashReading {
    let mut clean: Vec<FrameSignals> = Vec::new();
    for (t, image) in images {
        let s = analyzer().analyze_next(image, *t, &clean).expect("analysis");
        clean.push(s);
    }
    let physics = FlashPhysics::draw(strength, &mut physics_rng(seed));
    let mut renderer = FlashRenderer::new(analyzer(), &clean, seq, render, 0.3, f64::INFINITY, physics);
    for (t, image) in images {
        renderer.push(*t, image.clone()).expect("render");
    }
    let frames = renderer.finish();
    assert!(frames.iter().filter(|f| f.screen.is_some()).count() >= 25);
    measure_response(&frames, seq)
}

fn check_clip(path: &std::path::Path, still: (f64, f64), strength: f64) {
    let seq = FlashSequence::from_nonce(b"issue 14 real pixels");
    let other = FlashSequence::from_nonce(b"another session's nonce");
    let images = frames(path, still, 0.3 + seq.duration_s().max(other.duration_s()) + 0.6);
    let name = path.file_name().unwrap().to_string_lossy();
    let live = reading(&images, &seq, &FlashRender::Issued, strength, 1);
    eprintln!("{name} issued (strength {strength}): {live:?}");
    assert!(live.follows, "{name}: the issued response must follow: {live:?}");
    assert!(live.correlation >= MIN_CORRELATION, "{live:?}");
    let attacks = [
        ("no response", FlashRender::Nothing),
        ("one step late", FlashRender::Shifted(1)),
        ("two steps late", FlashRender::Shifted(2)),
        ("another session", FlashRender::Foreign(other.clone())),
    ];
    for (what, render) in attacks {
        let r = reading(&images, &seq, &render, strength, 2);
        eprintln!("{name} {what}: {r:?}");
        assert!(!r.follows, "{name} {what} must not follow: {r:?}");
    }
}

#[test]
fn a_committed_clip_follows_only_the_issued_sequence() {
    check_clip(&data("liveportrait_d5.mp4"), (0.0, 5.0), 0.08);
}

#[test]
fn a_webcam_selfie_follows_only_the_issued_sequence() {
    // Frontal and still until 2.1 s; he turns his head after it (a turn during the flash is
    // not holding still, and moves ln(face/background) ten times more than a weak screen does).
    let Some(path) = shared("videos/webcam_selfie/krzysiek_real.mp4") else {
        return;
    };
    check_clip(&path, (0.0, 2.1), 0.3);
}
