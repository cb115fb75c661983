//! `livegate analyze`: frames → per-frame signals and temporal events, as JSON or a table.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use livegate_engine::liveness::gate::read_session;
use livegate_engine::liveness::{evaluate, ChallengePlan, LivenessConfig, Verdict};
use livegate_engine::temporal::{normalise_eyes, Event};
use livegate_engine::{Analyzer, FrameSignals};
use livegate_media::open_source;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use crate::{backend, plot, ModelArgs};

/// Frames per second sampled from videos when `--fps` is not given.
pub const DEFAULT_FPS: f64 = 10.0;
/// Inputs with more frames than this get a progress bar.
const PROGRESS_MIN_FRAMES: u64 = 10;

/// Arguments of `livegate analyze`.
#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// An image (JPEG/PNG), a video file, or a directory of frames.
    pub input: PathBuf,
    /// Sampling rate for videos; capture rate of a frames directory (default 10 for videos,
    /// 25 for directories).
    #[arg(long)]
    pub fps: Option<f64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Draw yaw/pitch/eyes/smile/bona_fide over time into this PNG.
    #[arg(long, value_name = "PNG")]
    pub plot: Option<PathBuf>,
    /// Evaluate the frames as a liveness session: `passive` or `active`.
    #[arg(long)]
    pub mode: Option<String>,
    /// Active mode: the challenges the input should perform, in order (head_left, head_right,
    /// smile, blink).
    #[arg(long, value_delimiter = ',')]
    pub challenges: Vec<String>,
    /// Pass threshold 0-100.
    #[arg(long, default_value_t = livegate_engine::liveness::config::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Seconds allowed for each challenge.
    #[arg(long)]
    pub time_frame: Option<f64>,
    #[command(flatten)]
    pub models: ModelArgs,
}

/// The JSON document `analyze --json` prints.
#[derive(Serialize)]
pub struct AnalyzeReport {
    /// What was analysed.
    pub input: InputInfo,
    /// Model set and backend.
    pub models: ModelInfo,
    /// Per-frame signals.
    pub frames: Vec<FrameSignals>,
    /// Blinks, smiles, head turns.
    pub events: Vec<Event>,
    /// The session verdict, with `--mode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionReport>,
}

/// The `session` object: seed 001's selfie fields plus decision, reasons and timings.
#[derive(Serialize)]
pub struct SessionReport {
    /// The plan the frames were checked against (fixed order for files).
    pub plan: ChallengePlan,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// Input description.
#[derive(Serialize)]
pub struct InputInfo {
    /// Path as given.
    pub path: String,
    /// `image`, `video` or `frames_dir`.
    pub kind: &'static str,
    /// Sampling rate used.
    pub fps: Option<f64>,
}

/// Models used.
#[derive(Serialize)]
pub struct ModelInfo {
    /// Manifest version.
    pub version: String,
    /// Backend name.
    pub backend: &'static str,
}

/// The validated liveness configuration of `--mode`, if any.
pub fn session_config(args: &AnalyzeArgs) -> Result<Option<LivenessConfig>> {
    let Some(mode) = &args.mode else {
        if !args.challenges.is_empty() {
            bail!("--challenges needs --mode active");
        }
        return Ok(None);
    };
    let names: Vec<&str> = args.challenges.iter().map(String::as_str).collect();
    let config = LivenessConfig::new(mode, args.threshold, &names, None, args.time_frame)?;
    Ok(Some(config))
}

fn validate(args: &AnalyzeArgs) -> Result<()> {
    if let Some(fps) = args.fps {
        if !(fps.is_finite() && fps > 0.0 && fps <= 120.0) {
            bail!("--fps must be between 0 and 120, got {fps}");
        }
    }
    Ok(())
}

/// Analyses every frame of the input with models chosen by the arguments.
pub fn analyze_input(args: &AnalyzeArgs) -> Result<AnalyzeReport> {
    validate(args)?;
    let config = session_config(args)?;
    let analyzer = backend::analyzer(&args.models)?;
    let mut report = analyze_path(&analyzer, &args.input, args.fps)?;
    report.session = config.map(|config| evaluate_recording(&config, &report.frames));
    Ok(report)
}

/// Evaluates recorded frames as a session whose challenges were performed in the configured
/// order (a fixed plan, recorded as such): what `analyze --mode` and `eval` both do.
pub fn evaluate_recording(config: &LivenessConfig, frames: &[FrameSignals]) -> SessionReport {
    // A fixed plan draws no order; the seed only fills the nonce, which no verdict reads.
    let plan = ChallengePlan::draw(config, true, &mut ChaCha20Rng::from_seed([0; 32]));
    let verdict = evaluate(config, &plan, frames);
    SessionReport { plan, verdict }
}

/// Analyses every frame of `input` (sampled at `fps` for videos) with `analyzer`.
pub fn analyze_path(analyzer: &Analyzer, input: &Path, fps: Option<f64>) -> Result<AnalyzeReport> {
    let mut source = open_source(input, fps)?;
    let kind = match source.kind {
        livegate_media::InputKind::Image => "image",
        livegate_media::InputKind::Video => "video",
        livegate_media::InputKind::FramesDir(_) => "frames_dir",
    };
    if kind == "video" && source.fps.is_none() {
        source.fps = Some(DEFAULT_FPS);
    }
    let progress = match source.estimated_frames {
        Some(n) if n > PROGRESS_MIN_FRAMES => {
            let bar = ProgressBar::new(n);
            bar.set_style(
                ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} frames {elapsed_precise} ETA {eta}")
                    .expect("static template"),
            );
            bar
        }
        _ => ProgressBar::hidden(),
    };
    let mut frames = Vec::new();
    source.for_each_frame(|frame| -> Result<()> {
        let signals = analyzer
            .analyze_next(&frame.image, frame.t, &frames)
            .with_context(|| format!("frame {} at {:.3} s", frame.index, frame.t))?;
        frames.push(signals);
        progress.inc(1);
        Ok(())
    })?;
    progress.finish_and_clear();
    if frames.len() > 1 {
        normalise_eyes(&mut frames);
    }
    let events = read_session(&frames).events;
    Ok(AnalyzeReport {
        input: InputInfo {
            path: input.display().to_string(),
            kind,
            fps: source.fps,
        },
        models: ModelInfo {
            version: analyzer.models().version.clone(),
            backend: analyzer.models().backend,
        },
        frames,
        events,
        session: None,
    })
}

/// Entry point of the subcommand.
pub fn run(args: AnalyzeArgs) -> Result<()> {
    let report = analyze_input(&args)?;
    if let Some(path) = &args.plot {
        plot::draw_timeline(&report.frames, path).with_context(|| format!("drawing {}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(())
}

fn opt(v: Option<f32>) -> String {
    v.map(|v| format!("{v:6.2}")).unwrap_or_else(|| "     -".into())
}

fn print_table(report: &AnalyzeReport) {
    println!(
        "{:>7} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}  quality",
        "t", "faces", "yaw", "pitch", "roll", "eye_l", "eye_r", "smile", "mouth", "bona"
    );
    for f in &report.frames {
        let codes: Vec<&str> = f.quality.codes.iter().map(|c| c.code()).collect();
        println!(
            "{:7.3} {:5} {} {} {} {} {} {} {} {}  {}",
            f.t,
            f.face_count,
            opt(f.pose.map(|p| p.yaw)),
            opt(f.pose.map(|p| p.pitch)),
            opt(f.pose.map(|p| p.roll)),
            opt(f.eyes.map(|e| e.left)),
            opt(f.eyes.map(|e| e.right)),
            opt(f.smile),
            opt(f.mouth_open),
            opt(f.bona_fide),
            if codes.is_empty() {
                "ok".to_string()
            } else {
                codes.join(",")
            }
        );
    }
    if let Some(session) = &report.session {
        let v = &session.verdict;
        let reasons: Vec<&str> = v.reasons.iter().map(|r| r.code()).collect();
        println!(
            "\nsession ({:?}): score {:.1} / threshold {} → {:?}; pose {:.1}, expression {:.1}; completed {:?}; reasons {:?}",
            v.liveness_mode,
            v.liveness_score,
            v.liveness_threshold,
            v.decision,
            v.pose_variation_score,
            v.expression_variation_score,
            v.challenges_completed,
            reasons
        );
    }
    println!("\nevents:");
    for e in &report.events {
        println!(
            "  {:?} {:.2}-{:.2} s peak {:.2}{}",
            e.kind,
            e.start,
            e.end,
            e.peak,
            if e.completed { "" } else { " (open)" }
        );
    }
}
