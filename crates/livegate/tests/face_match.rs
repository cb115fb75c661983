//! Issue 17: face match on the labelled pairs, clean and with references worn the way ID photos
//! are, and the reference-photo gate on real images. Error rates are regression bounds: the
//! measured rates (README, face match) plus a small margin.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{analyzer, data, shared};
use livegate::synth::{gaussian_blur, greyscale, worn_reference};
use livegate_engine::embedding::{Embedding, MATCH_DISTANCE};
use livegate_engine::reference::{ReferenceCheck, ReferenceProblem};
use livegate_engine::RgbImage;
use livegate_media::{decode_image, ImageLimits};

/// Clean pairs at [`MATCH_DISTANCE`]: measured FAR 0.17 %, FRR 1.8 % (see the README).
const CLEAN_FAR_MAX: f64 = 0.004;
const CLEAN_FRR_MAX: f64 = 0.035;
/// One side worn: measured FAR 0.10 %, FRR 3.4 %.
const WORN_FAR_MAX: f64 = 0.004;
const WORN_FRR_MAX: f64 = 0.06;

fn image(path: &Path) -> RgbImage {
    decode_image(&std::fs::read(path).unwrap(), ImageLimits::default()).unwrap()
}

/// A labelled still, or `None` for the few our decoder refuses (a WebP behind a `.jpg` name).
fn labelled_still(path: &Path) -> Option<RgbImage> {
    decode_image(&std::fs::read(path).ok()?, ImageLimits::default()).ok()
}

/// A stable seed per file name (FNV-1a), so the worn copies are the same on every run.
fn seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The descriptor of the largest face (no gate: the labelled set measures the matcher itself).
fn descriptor(photo: &RgbImage) -> Option<(Embedding, f32)> {
    let signals = analyzer()
        .analyze(&livegate_engine::reference::padded_to_minimum(photo), 0.0)
        .ok()?;
    let width = signals.subject()?.bbox[2];
    Some((signals.embedding?, width))
}

struct Rates {
    far: f64,
    frr: f64,
    genuine: usize,
    impostor: usize,
}

/// FAR/FRR at the threshold, and the FRR at FAR 0.1 % and 1 % (printed for the README).
fn rates(label: &str, distances: &[(f32, bool)]) -> Rates {
    let mut impostors: Vec<f32> = distances.iter().filter(|(_, g)| !g).map(|(d, _)| *d).collect();
    impostors.sort_by(f32::total_cmp);
    let genuine: Vec<f32> = distances.iter().filter(|(_, g)| *g).map(|(d, _)| *d).collect();
    let frr_at = |t: f32| genuine.iter().filter(|d| **d > t).count() as f64 / genuine.len() as f64;
    for far in [0.001, 0.01] {
        let t = impostors[((impostors.len() as f64 * far) as usize).min(impostors.len() - 1)];
        eprintln!(
            "  {label}: FRR {:.2}% at FAR {:.1}% (distance {t:.3})",
            frr_at(t) * 100.0,
            far * 100.0
        );
    }
    let far = impostors.iter().filter(|d| **d <= MATCH_DISTANCE).count() as f64 / impostors.len() as f64;
    let frr = frr_at(MATCH_DISTANCE);
    eprintln!(
        "  {label} at {MATCH_DISTANCE}: {} genuine, {} impostor pairs, FAR {:.2}%, FRR {:.2}%",
        genuine.len(),
        impostors.len(),
        far * 100.0,
        frr * 100.0
    );
    Rates {
        far,
        frr,
        genuine: genuine.len(),
        impostor: impostors.len(),
    }
}

#[test]
fn face_match_error_rates_clean_and_with_worn_references() {
    let Some(pairs) = shared("annotations/face_pairs_dlib.csv") else {
        return;
    };
    let faces = pairs.parent().unwrap().parent().unwrap().join("faces");
    let text = std::fs::read_to_string(&pairs).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let mut clean: HashMap<&str, Option<Embedding>> = HashMap::new();
    let mut worn: HashMap<&str, Option<Embedding>> = HashMap::new();
    for row in &rows {
        for &name in &row[..2] {
            if clean.contains_key(name) {
                continue;
            }
            let Some(photo) = labelled_still(&faces.join(name)) else {
                clean.insert(name, None);
                worn.insert(name, None);
                continue;
            };
            let measured = descriptor(&photo);
            let aged = measured
                .as_ref()
                .and_then(|(_, width)| descriptor(&worn_reference(&photo, *width, seed(name)).unwrap()));
            clean.insert(name, measured.map(|(e, _)| e));
            worn.insert(name, aged.map(|(e, _)| e));
        }
    }
    let missing: Vec<&&str> = clean.iter().filter(|(_, e)| e.is_none()).map(|(k, _)| k).collect();
    // deepface/img47.jpg (a small, low-contrast crop) has no detection; one still is a WebP.
    assert!(missing.len() <= 2, "stills without a detected face: {missing:?}");
    let distances = |reference: &HashMap<&str, Option<Embedding>>| -> Vec<(f32, bool)> {
        rows.iter()
            .filter_map(|row| {
                let (Some(a), Some(b)) = (&reference[row[0]], &clean[row[1]]) else {
                    return None;
                };
                Some((a.distance(b), row[4] == "genuine"))
            })
            .collect()
    };
    let c = rates("clean", &distances(&clean));
    let w = rates("worn reference", &distances(&worn));
    assert!(c.genuine > 100 && c.impostor > 1000 && w.genuine > 100);
    assert!(
        c.far <= CLEAN_FAR_MAX && c.frr <= CLEAN_FRR_MAX,
        "clean FAR {} FRR {}",
        c.far,
        c.frr
    );
    assert!(
        w.far <= WORN_FAR_MAX && w.frr <= WORN_FRR_MAX,
        "worn FAR {} FRR {}",
        w.far,
        w.frr
    );
}

#[test]
fn two_different_women_of_the_silent_face_samples_do_not_match() {
    // The live still and the poster show different people; the aligned chip alone put them 0.42
    // apart (a false match), the fused descriptor must not.
    let (live, _) = descriptor(&image(&data("silentface_T1.jpg"))).unwrap();
    let (poster, _) = descriptor(&image(&data("silentface_F1.jpg"))).unwrap();
    let d = live.distance(&poster);
    assert!(d > MATCH_DISTANCE + 0.02, "T1 vs F1 distance {d}");
}

fn check(photo: &RgbImage) -> ReferenceCheck {
    analyzer().reference(photo).unwrap()
}

fn code(check: &ReferenceCheck) -> &'static str {
    match check {
        Ok(_) => "accepted",
        Err(p) => p.code(),
    }
}

/// `photo` scaled so its face is `width` pixels wide.
fn face_width(photo: &RgbImage, width: f32) -> RgbImage {
    let face = analyzer().analyze(photo, 0.0).unwrap().subject().unwrap().bbox[2];
    let k = width / face;
    livegate_engine::image::resize(
        photo,
        (photo.width() as f32 * k) as u32,
        (photo.height() as f32 * k) as u32,
    )
}

/// The frames of a clip (at 10 frames/s) whose time lies in [t0, t1].
fn clip_frames(clip: &Path, t0: f64, t1: f64) -> Vec<RgbImage> {
    let fps = 10.0;
    let (mut out, mut n) = (Vec::new(), 0usize);
    livegate_media::open_source(clip, Some(fps))
        .unwrap()
        .for_each_frame(|f| -> Result<(), livegate_media::MediaError> {
            let t = n as f64 / fps;
            if (t0..=t1).contains(&t) {
                out.push(f.image.clone());
            }
            n += 1;
            Ok(())
        })
        .unwrap();
    assert!(!out.is_empty(), "no frame in {t0}-{t1} s of {}", clip.display());
    out
}

#[test]
fn the_reference_gate_accepts_clean_and_worn_photos() {
    let live = image(&data("silentface_T1.jpg"));
    assert_eq!(code(&check(&live)), "accepted");
    // An ID-like copy: a 90 px face, grey, blurred a little, JPEG 35.
    let small = face_width(&live, 90.0);
    let mut grey = gaussian_blur(&small, 0.8);
    greyscale(&mut grey);
    let jpeg = livegate_media::image_io::encode_jpeg(&grey, 35).unwrap();
    let worn = decode_image(&jpeg, ImageLimits::default()).unwrap();
    assert!(
        worn.width() < 320,
        "smaller than a frame: {}x{}",
        worn.width(),
        worn.height()
    );
    let accepted = check(&worn).expect("the worn copy is a usable reference");
    // And it still matches the original.
    let original = check(&live).unwrap();
    assert!(accepted.compare(&original).matched, "{:?}", accepted.compare(&original));
}

#[test]
fn the_reference_gate_refuses_each_problem_with_its_code() {
    let live = image(&data("silentface_T1.jpg"));
    // No face: the ceiling above the subject's head.
    let ceiling = livegate_engine::image::crop_affine(
        &live,
        &livegate_engine::image::Affine::rect_crop(
            0.0,
            0.0,
            live.width() as f32,
            live.height() as f32 * 0.12,
            640,
            480,
        ),
        640,
        480,
    );
    assert_eq!(code(&check(&ceiling)), "reference_no_face");
    // Too small: a 60 px face.
    let tiny = face_width(&live, 60.0);
    assert!(
        matches!(check(&tiny), Err(ReferenceProblem::TooSmall { .. })),
        "{:?}",
        check(&tiny)
    );
    // Blurred: a 200 px face under a blur of 5 % of its width.
    let blurred = gaussian_blur(&face_width(&live, 200.0), 10.0);
    assert_eq!(code(&check(&blurred)), "reference_blurred", "{:?}", check(&blurred));
    let Some(two) = shared("faces/3ddfa_v2/trump_hillary.jpg") else {
        return;
    };
    assert_eq!(code(&check(&image(&two))), "reference_several_faces");
    // Turned: zubair at the peak of his turn to his left (yaw > 25° in 9.5-11.7 s).
    let Some(turn) = shared("videos/webcam_selfie/zubair_real.mov") else {
        return;
    };
    let yaw = |f: &RgbImage| analyzer().analyze(f, 0.0).unwrap().pose.map_or(0.0, |p| p.yaw.abs());
    let turned = clip_frames(&turn, 9.5, 11.7)
        .into_iter()
        .step_by(2)
        .map(|f| (yaw(&f), f))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap()
        .1;
    assert_eq!(code(&check(&turned)), "reference_profile", "{:?}", check(&turned));
    // Eyes closed is not asserted here: on d14's long closure (4.3-6.8 s) the most closed frame
    // still reads openness 0.45 on its own, against 0.6-1.0 for open eyes on these stills, so
    // the gate refuses only eyes that read fully shut (openness < 0.15).
}

/// The passive verdict of one photograph at the default threshold.
fn passive_verdict(photo: &RgbImage) -> livegate_engine::liveness::Verdict {
    let config = livegate_engine::liveness::LivenessConfig::new("passive", 75.0, &[], None, None).unwrap();
    let frame = analyzer().analyze(photo, 0.0).unwrap();
    livegate::analyze::evaluate_recording(&config, &[frame]).verdict
}

#[test]
fn a_printed_selfie_shows_its_border_and_the_live_selfie_does_not() {
    use livegate_engine::liveness::Reason;
    let Some(dir) = shared("videos/active_actions") else {
        return;
    };
    // Four people, four rooms; each frame alone as a live still, then printed and photographed.
    for (clip, seed) in [
        ("liveportrait_d0.mp4", 1u64),
        ("liveportrait_d10.mp4", 2),
        ("liveportrait_d18.mp4", 3),
        ("liveportrait_d13.mp4", 4),
    ] {
        let frame = clip_frames(&dir.join(clip), 1.0, 1.0).remove(0);
        let live = analyzer().analyze(&frame, 0.0).unwrap().texture.unwrap().still;
        assert!(live.border_sides < 3, "{clip} live: {live:?}");
        let print = livegate::synth::print_still(&frame, seed);
        let cues = analyzer().analyze(&print, 0.0).unwrap().texture.unwrap().still;
        assert!(cues.border_found(), "{clip} print: {cues:?}");
        let verdict = passive_verdict(&print);
        assert!(!verdict.liveness_passed, "{clip}: {verdict:?}");
        assert!(
            verdict.reasons.contains(&Reason::PresentationAttack),
            "{clip}: {:?}",
            verdict.reasons
        );
    }
}
