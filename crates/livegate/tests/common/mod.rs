//! Shared helpers for the integration tests: the analyzer (models loaded once), test media paths,
//! and the skip-or-fail rule for `../shared/testdata`.

#![allow(dead_code)]

pub mod server;

use std::path::PathBuf;
use std::sync::OnceLock;

use livegate::analyze::analyze_path;
use livegate::ModelArgs;
use livegate_engine::{Analyzer, FrameSignals};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A committed test file under `tests/data`.
pub fn data(name: &str) -> PathBuf {
    root().join("tests/data").join(name)
}

/// A file of `../shared/testdata`, or `None` (skip) on a developer machine without it. In CI
/// (`LIVEGATE_CI=1`) a missing file fails the test.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("LIVEGATE_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/testdata"));
    let path = base.join(rel);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("LIVEGATE_CI").is_some() {
        panic!("{} is missing; CI must provide ../shared/testdata", path.display());
    }
    eprintln!(
        "SKIP: {} not found (set LIVEGATE_TESTDATA to the shared test media)",
        path.display()
    );
    None
}

/// One analyzer on the tract backend for every test in the binary.
pub fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| livegate::backend::analyzer(&ModelArgs::default()).expect("models load"))
}

/// Runs `livegate analyze` on a path at `fps`, returning per-frame signals and events.
pub fn analyze(path: &std::path::Path, fps: f64) -> livegate::analyze::AnalyzeReport {
    analyze_path(analyzer(), path, Some(fps)).expect("analysis succeeds")
}

/// Frames whose time lies in [a, b].
pub fn window(frames: &[FrameSignals], a: f64, b: f64) -> impl Iterator<Item = &FrameSignals> {
    frames.iter().filter(move |f| f.t >= a && f.t <= b)
}
