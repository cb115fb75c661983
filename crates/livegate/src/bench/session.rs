//! `livegate bench --frames DIR`: whole-session frames/s on one thread — model loading, decoding
//! and the session pipeline included — for each backend, beside the Python peer
//! (`bench/peer_pipeline.py`: OpenCV + onnxruntime, every model on every frame) measured in the
//! same run. Figures are compared as ratios within the run (the machine is noisy).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use livegate_engine::FrameSignals;
use livegate_media::open_source;
use serde::Serialize;

use crate::{backend, ModelArgs};

/// One whole-session run of our pipeline.
#[derive(Serialize, Debug, Clone)]
pub struct SessionRun {
    /// Backend name.
    pub backend: String,
    /// Frames analysed.
    pub frames: usize,
    /// Model loading (file read, sha256 check, graph optimisation), seconds.
    pub load_s: f64,
    /// Decoding and analysing every frame, seconds.
    pub loop_s: f64,
    /// Frames per second of the loop.
    pub fps: f64,
    /// Frames per second with model loading included.
    pub fps_with_load: f64,
    /// Frames the detector ran on (the others were tracked).
    pub detector_frames: usize,
    /// Frames with a texture reading (both MiniFASNets).
    pub texture_frames: usize,
    /// Frames with a face descriptor.
    pub embedding_frames: usize,
    /// Frames with a face.
    pub face_frames: usize,
}

/// The peer's figures, as `bench/peer_pipeline.py --json` prints them.
#[derive(Serialize, Debug, Clone, serde::Deserialize)]
pub struct PeerRun {
    /// Frames analysed.
    pub frames: usize,
    /// Model loading, seconds.
    pub load_s: f64,
    /// The frame loop, seconds.
    pub loop_s: f64,
    /// Frames per second of the loop.
    pub fps: f64,
    /// Frames per second with loading.
    pub fps_with_load: f64,
    /// Median ms per stage.
    #[serde(default)]
    pub stages_ms: std::collections::BTreeMap<String, f64>,
}

/// Runs the session pipeline over `dir` (frames `1/fps` apart) on `backend`, `repeat` times;
/// returns the run with the median loop time.
pub fn run_ours(models: Option<&Path>, backend_name: &str, dir: &Path, fps: f64, repeat: usize) -> Result<SessionRun> {
    let mut runs = Vec::new();
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        let analyzer = backend::analyzer(&ModelArgs {
            models: models.map(Path::to_path_buf),
            backend: backend_name.to_string(),
        })?;
        let load_s = start.elapsed().as_secs_f64();
        let source = open_source(dir, Some(fps))?;
        let mut frames: Vec<FrameSignals> = Vec::new();
        let start = Instant::now();
        source.for_each_frame(|frame| -> Result<()> {
            let signals = analyzer.analyze_next(&frame.image, frame.t, &frames)?;
            frames.push(signals);
            Ok(())
        })?;
        let loop_s = start.elapsed().as_secs_f64();
        if frames.is_empty() {
            bail!("no frames in {}", dir.display());
        }
        let count = |f: fn(&FrameSignals) -> bool| frames.iter().filter(|s| f(s)).count();
        runs.push(SessionRun {
            backend: analyzer.models().backend.to_string(),
            frames: frames.len(),
            load_s,
            loop_s,
            fps: frames.len() as f64 / loop_s,
            fps_with_load: frames.len() as f64 / (loop_s + load_s),
            detector_frames: count(|s| s.detected),
            texture_frames: count(|s| s.texture.is_some()),
            embedding_frames: count(|s| s.embedding.is_some()),
            face_frames: count(|s| s.pose.is_some()),
        });
    }
    runs.sort_by(|a, b| a.loop_s.total_cmp(&b.loop_s));
    Ok(runs.swap_remove(runs.len() / 2))
}

/// The peer script in the source tree.
pub fn default_peer_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/peer_pipeline.py")
}

/// Runs the Python peer over the same frames and models.
pub fn run_peer(script: &Path, dir: &Path, models: &Path, repeat: usize) -> Result<PeerRun> {
    let out = Command::new("python3")
        .arg(script)
        .arg("--frames")
        .arg(dir)
        .arg("--models")
        .arg(models)
        .args(["--repeat", &repeat.max(1).to_string(), "--json"])
        .output()
        .with_context(|| format!("running python3 {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "the peer failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    serde_json::from_slice(&out.stdout).context("reading the peer's JSON")
}

/// Prints the whole-session table: each run's frames/s and its ratio to the peer.
pub fn print_table(ours: &[SessionRun], peer: Option<&PeerRun>) {
    println!(
        "{:10} {:>7} {:>8} {:>8} {:>8} {:>10} {:>9}   stages run (detector / texture / descriptor of face frames)",
        "pipeline", "frames", "load s", "fps", "fps+load", "vs peer", "+load"
    );
    let ratio = |a: f64, b: Option<f64>| b.map_or("-".to_string(), |b| format!("{:.2}x", a / b.max(1e-9)));
    for r in ours {
        println!(
            "{:10} {:>7} {:>8.3} {:>8.1} {:>8.1} {:>10} {:>9}   {} / {} / {} of {}",
            r.backend,
            r.frames,
            r.load_s,
            r.fps,
            r.fps_with_load,
            ratio(r.fps, peer.map(|p| p.fps)),
            ratio(r.fps_with_load, peer.map(|p| p.fps_with_load)),
            r.detector_frames,
            r.texture_frames,
            r.embedding_frames,
            r.face_frames,
        );
    }
    if let Some(p) = peer {
        println!(
            "{:10} {:>7} {:>8.3} {:>8.1} {:>8.1} {:>10} {:>9}   every model on every frame",
            "peer", p.frames, p.load_s, p.fps, p.fps_with_load, "1.00x", "1.00x"
        );
    }
}
