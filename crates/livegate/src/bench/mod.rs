//! `livegate bench`: per-stage latency on this machine, for each available backend, on a real
//! face image; with `--frames DIR`, whole-session frames/s beside the Python peer too
//! ([`session`]). Figures are medians; compare within one run (the machine is noisy).

pub mod session;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use livegate_engine::Analyzer;
use livegate_media::{decode_image, ImageLimits};
use serde::Serialize;

use crate::{backend, ModelArgs};

/// Arguments of `livegate bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// A JPEG/PNG with one face (default: the committed Silent-Face live sample).
    #[arg(long)]
    pub image: Option<PathBuf>,
    /// Timed iterations per stage.
    #[arg(long, default_value_t = 30)]
    pub iterations: usize,
    /// Backends to compare, comma-separated.
    #[arg(long, default_value = "tract,ort", value_delimiter = ',')]
    pub backends: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Model directory.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// A directory of JPEG/PNG frames of one session (name order): whole-session frames/s on one
    /// thread, model loading and decoding included, beside the Python peer.
    #[arg(long, value_name = "DIR")]
    pub frames: Option<PathBuf>,
    /// Capture rate of the `--frames` directory (frames are `1/fps` s apart).
    #[arg(long, default_value_t = 15.0)]
    pub fps: f64,
    /// Whole-session runs per pipeline (the median run is reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Skip the Python peer (`bench/peer_pipeline.py`).
    #[arg(long)]
    pub no_peer: bool,
    /// The peer script.
    #[arg(long, value_name = "FILE")]
    pub peer_script: Option<PathBuf>,
}

/// Median latency of each stage for one backend, milliseconds.
#[derive(Serialize, Debug)]
pub struct StageTimes {
    /// Backend name.
    pub backend: String,
    /// (stage, median ms).
    pub stages: Vec<(String, f64)>,
}

fn median_ms<T>(iterations: usize, mut f: impl FnMut() -> Result<T>) -> Result<f64> {
    std::hint::black_box(f()?); // warm-up
    let mut times: Vec<Duration> = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        std::hint::black_box(f()?);
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2].as_secs_f64() * 1e3)
}

/// The committed sample face used when no image is given.
pub fn default_image() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/silentface_T1.jpg")
}

/// Times every stage of `analyzer` on `bytes`.
pub fn time_stages(analyzer: &Analyzer, bytes: &[u8], iterations: usize) -> Result<Vec<(String, f64)>> {
    let frame = decode_image(bytes, ImageLimits::default())?;
    let faces = analyzer.detect(&frame)?;
    let face = faces.first().context("the benchmark image has no face")?.clone();
    let landmarks = analyzer.landmarks(&frame, &face)?;
    // A history past the dense start (texture and descriptor read recently, detector run
    // recently): the next frame gets the mesh and the cheap stages only.
    let mut history = Vec::new();
    for i in 0..6 {
        let signals = analyzer.analyze_next(&frame, i as f64 * 0.05, &history)?;
        history.push(signals);
    }
    let stages = vec![
        (
            "decode (JPEG)".to_string(),
            median_ms(iterations, || Ok(decode_image(bytes, ImageLimits::default())?))?,
        ),
        (
            "detect (YuNet 320)".into(),
            median_ms(iterations, || Ok(analyzer.detect(&frame)?))?,
        ),
        (
            "landmarks (FaceMesh 468)".into(),
            median_ms(iterations, || Ok(analyzer.landmarks(&frame, &face)?))?,
        ),
        (
            "framing (content rect)".into(),
            median_ms(iterations, || Ok(livegate_engine::framing::content_rect(&frame)))?,
        ),
        (
            "quality (size, light, blur)".into(),
            median_ms(iterations, || {
                Ok(livegate_engine::quality::assess_quality(
                    &frame,
                    livegate_engine::framing::content_rect(&frame),
                    &faces,
                ))
            })?,
        ),
        (
            "fingerprint (16x16 thumbnail)".into(),
            median_ms(iterations, || {
                Ok(livegate_engine::analyzer::fingerprint(&frame, Some(&face)))
            })?,
        ),
        (
            "pose + expression (geometry)".into(),
            median_ms(iterations, || Ok(analyzer.geometry(landmarks.clone())))?,
        ),
        (
            "texture (MiniFASNet x2 + cues)".into(),
            median_ms(iterations, || {
                Ok(analyzer.texture(&frame, livegate_engine::framing::content_rect(&frame), &face)?)
            })?,
        ),
        (
            "embedding (dlib 128)".into(),
            median_ms(iterations, || Ok(analyzer.embedding(&frame, &face)?))?,
        ),
        (
            "whole frame (every stage)".into(),
            median_ms(iterations, || Ok(analyzer.analyze(&frame, 0.0)?))?,
        ),
        (
            "tracked frame (mesh + cheap stages)".into(),
            median_ms(iterations, || Ok(analyzer.analyze_next(&frame, 0.3, &history)?))?,
        ),
    ];
    Ok(stages)
}

/// Whole-session figures of every backend and the peer.
#[derive(Serialize, Debug)]
pub struct SessionReport {
    /// Our pipeline, per backend.
    pub ours: Vec<session::SessionRun>,
    /// The peer, when it ran.
    pub peer: Option<session::PeerRun>,
    /// Why the peer did not run.
    pub peer_error: Option<String>,
}

fn run_sessions(args: &BenchArgs, dir: &std::path::Path) -> Result<()> {
    if !(args.fps.is_finite() && args.fps > 0.0 && args.fps <= 240.0) {
        anyhow::bail!("--fps must be in (0, 240]");
    }
    let mut ours = Vec::new();
    for name in &args.backends {
        match session::run_ours(args.models.as_deref(), name, dir, args.fps, args.repeat) {
            Ok(run) => ours.push(run),
            Err(e) if name == "ort" => eprintln!("bench: ort skipped: {e:#}"),
            Err(e) => return Err(e),
        }
    }
    let models = livegate_media::resolve_models_dir(args.models.as_deref());
    let script = args.peer_script.clone().unwrap_or_else(session::default_peer_script);
    let (peer, peer_error) = if args.no_peer {
        (None, Some("skipped (--no-peer)".to_string()))
    } else {
        match session::run_peer(&script, dir, &models, args.repeat) {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(format!("{e:#}"))),
        }
    };
    let report = SessionReport { ours, peer, peer_error };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        session::print_table(&report.ours, report.peer.as_ref());
        if let Some(e) = &report.peer_error {
            println!("peer not measured: {e}");
        }
    }
    Ok(())
}

/// Entry point of the subcommand.
pub fn run(args: BenchArgs) -> Result<()> {
    if let Some(dir) = args.frames.clone() {
        return run_sessions(&args, &dir);
    }
    let path = args.image.clone().unwrap_or_else(default_image);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let iterations = args.iterations.max(1);
    let mut results = Vec::new();
    for name in &args.backends {
        let analyzer = match backend::analyzer(&ModelArgs {
            models: args.models.clone(),
            backend: name.clone(),
        }) {
            Ok(a) => a,
            Err(e) if name == "ort" => {
                eprintln!("bench: ort skipped: {e:#}");
                continue;
            }
            Err(e) => return Err(e),
        };
        results.push(StageTimes {
            backend: name.clone(),
            stages: time_stages(&analyzer, &bytes, iterations)?,
        });
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(());
    }
    print!("{:32}", "stage (median ms)");
    for r in &results {
        print!(" {:>10}", r.backend);
    }
    if results.len() > 1 {
        print!(" {:>12}", format!("{}/{}", results[0].backend, results[1].backend));
    }
    println!();
    for (i, (stage, _)) in results[0].stages.iter().enumerate() {
        print!("{stage:32}");
        for r in &results {
            print!(" {:>10.2}", r.stages[i].1);
        }
        if results.len() > 1 {
            print!(" {:>11.2}x", results[0].stages[i].1 / results[1].stages[i].1.max(1e-9));
        }
        println!();
    }
    Ok(())
}
