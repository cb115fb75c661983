//! The tracked, sampled session pipeline (`Analyzer::analyze_next`) on real media: it runs the
//! detector on a minority of frames, yet a second person entering mid-session is still counted
//! and a change of identity is still caught.
//!
//! The clip is composed from two `../shared/testdata` clips of different people
//! (`liveportrait_d14`, a woman, 512x512; `liveportrait_d19`, a man with glasses, 480x480),
//! side by side on a 1024x512 canvas:
//! - 0-2 s: d14 alone (left half; the right half is flat grey);
//! - 2-4 s: d19 appears in the right half at 75 % size (a second person beside the subject);
//! - 4-6 s: d19 alone in the left half (the subject is someone else).

mod common;

use common::{analyzer, shared};
use livegate::analyze::evaluate_recording;
use livegate_engine::image::{crop_affine, Affine};
use livegate_engine::liveness::{LivenessConfig, Reason};
use livegate_engine::track::DETECT_INTERVAL_S;
use livegate_engine::{FrameSignals, RgbImage};
use livegate_media::open_source;

const FPS: f64 = 10.0;
const ENTERS: f64 = 2.0;
const SWAPS: f64 = 4.0;
const ENDS: f64 = 6.0;

fn frames_of(rel: &str) -> Option<Vec<RgbImage>> {
    let path = shared(rel)?;
    let mut out = Vec::new();
    open_source(&path, Some(FPS))
        .unwrap()
        .for_each_frame(|f| -> Result<(), livegate_media::MediaError> {
            out.push(f.image);
            Ok(())
        })
        .unwrap();
    Some(out)
}

/// Copies `src` scaled to `side` x `side` into `canvas` at (x, y).
fn paste(canvas: &mut RgbImage, src: &RgbImage, x: u32, y: u32, side: u32) {
    let map = Affine::rect_crop(0.0, 0.0, src.width() as f32, src.height() as f32, side, side);
    let scaled = crop_affine(src, &map, side, side);
    let w = canvas.width() as usize;
    let data = canvas.as_raw_mut();
    for row in 0..side as usize {
        let from = &scaled.as_raw()[row * side as usize * 3..(row + 1) * side as usize * 3];
        let at = ((y as usize + row) * w + x as usize) * 3;
        data[at..at + from.len()].copy_from_slice(from);
    }
}

fn composed() -> Option<Vec<(f64, RgbImage)>> {
    let subject = frames_of("videos/active_actions/liveportrait_d14.mp4")?;
    let other = frames_of("videos/active_actions/liveportrait_d19.mp4")?;
    let n = subject.len().min(other.len()).min((ENDS * FPS) as usize);
    Some(
        (0..n)
            .map(|i| {
                let t = i as f64 / FPS;
                let mut canvas = RgbImage::filled(1024, 512, [128, 128, 128]);
                if t < SWAPS {
                    paste(&mut canvas, &subject[i], 0, 0, 512);
                    if t >= ENTERS {
                        paste(&mut canvas, &other[i], 576, 64, 384);
                    }
                } else {
                    paste(&mut canvas, &other[i], 0, 0, 512);
                }
                (t, canvas)
            })
            .collect(),
    )
}

#[test]
fn a_second_person_and_a_new_identity_are_caught_while_tracking() {
    let Some(clip) = composed() else {
        return;
    };
    let mut frames: Vec<FrameSignals> = Vec::new();
    for (t, image) in &clip {
        let signals = analyzer().analyze_next(image, *t, &frames).unwrap();
        frames.push(signals);
    }
    let detected: Vec<f64> = frames.iter().filter(|f| f.detected).map(|f| f.t).collect();
    // Tracking carries the frames with one person; the detector still runs at least every
    // DETECT_INTERVAL_S, and on every frame while a second person is in view.
    let alone = |f: &&FrameSignals| f.t < ENTERS || f.t >= SWAPS + DETECT_INTERVAL_S;
    let alone_detected = frames.iter().filter(alone).filter(|f| f.detected).count();
    assert!(
        alone_detected * 3 < frames.iter().filter(alone).count(),
        "detector on {detected:?}"
    );
    assert!(
        detected.windows(2).all(|w| w[1] - w[0] <= DETECT_INTERVAL_S + 1e-9),
        "detector frames {detected:?}"
    );
    // The second person is seen on the first detector frame after entering.
    let first_two = frames
        .iter()
        .find(|f| f.face_count >= 2)
        .map(|f| f.t)
        .expect("the second face is detected");
    assert!(
        (ENTERS..=ENTERS + DETECT_INTERVAL_S + 1e-9).contains(&first_two),
        "second face first seen at {first_two} s"
    );
    // Landmarks, and so turns and blinks, are measured on every face frame.
    assert!(frames.iter().all(|f| f.pose.is_some()), "a frame lost its face");
    let texture = frames.iter().filter(|f| f.texture.is_some()).count();
    let embedding = frames.iter().filter(|f| f.embedding.is_some()).count();
    eprintln!(
        "{} frames: detector {}, texture {texture}, descriptor {embedding}",
        frames.len(),
        detected.len()
    );
    assert!(
        texture < frames.len() && embedding < frames.len(),
        "{texture} / {embedding}"
    );
    let config = LivenessConfig::new("passive", 75.0, &[], None, None).unwrap();
    let verdict = evaluate_recording(&config, &frames).verdict;
    assert!(
        verdict.reasons.contains(&Reason::MultipleFaces),
        "{:?}",
        verdict.reasons
    );
    assert!(verdict.reasons.contains(&Reason::FaceChanged), "{:?}", verdict.reasons);
}
