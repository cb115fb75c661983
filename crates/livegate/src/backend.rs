//! Backend selection: `--backend auto|tract|ort` → a `Backend` and a verified `ModelSet`.
//!
//! `auto` (the command line's default) takes onnxruntime when this build has it and the shared
//! library is found — `ORT_DYLIB_PATH`, else the library `build.rs` found in the `onnxruntime`
//! PyPI wheel at build time — and falls back to tract with one line on stderr saying why.

use anyhow::{bail, Context, Result};
use livegate_engine::infer::Backend;
use livegate_engine::{Analyzer, ModelSet};
use livegate_media::{load_models, resolve_models_dir};

use crate::ModelArgs;

/// Environment variable with the onnxruntime shared library path.
pub const ORT_DYLIB_ENV: &str = "ORT_DYLIB_PATH";

/// The backend a name selects, sized for `parallel` frames analysed at once (onnxruntime keeps
/// that many sessions per model; tract plans are shared).
pub fn backend_for(name: &str, parallel: usize) -> Result<Box<dyn Backend>> {
    match name {
        "auto" => Ok(ort_backend(parallel).unwrap_or_else(|e| {
            eprintln!("livegate: using the tract backend (pure Rust): onnxruntime unavailable: {e:#}");
            livegate_engine::infer::default_backend()
        })),
        "tract" => Ok(livegate_engine::infer::default_backend()),
        "ort" => ort_backend(parallel),
        other => bail!("unknown backend `{other}`; use `auto`, `tract` or `ort`"),
    }
}

/// Where onnxruntime's shared library is: `ORT_DYLIB_PATH`, else the one recorded at build time
/// when it still exists.
pub fn ort_dylib() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os(ORT_DYLIB_ENV).filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    option_env!("LIVEGATE_ORT_DYLIB")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file())
}

#[cfg(feature = "ort")]
fn ort_backend(parallel: usize) -> Result<Box<dyn Backend>> {
    let path = ort_dylib().with_context(|| {
        format!("libonnxruntime.so not found (set {ORT_DYLIB_ENV}, or run ./scripts/setup.sh and rebuild)")
    })?;
    Ok(Box::new(livegate_engine::infer::ort::OrtBackend::new(
        &path, 1, parallel,
    )?))
}

#[cfg(not(feature = "ort"))]
fn ort_backend(_parallel: usize) -> Result<Box<dyn Backend>> {
    bail!("this build has no onnxruntime backend; rebuild with `--features ort`")
}

/// Loads and verifies the models for `args`.
pub fn load(args: &ModelArgs) -> Result<ModelSet> {
    load_for(args, 1)
}

/// Loads and verifies the models for `args`, sized for `parallel` frames at once.
pub fn load_for(args: &ModelArgs, parallel: usize) -> Result<ModelSet> {
    let backend = backend_for(&args.backend, parallel)?;
    let dir = resolve_models_dir(args.models.as_deref());
    load_models(&dir, backend.as_ref()).with_context(|| format!("loading models from {}", dir.display()))
}

/// An analyzer over the models `args` select.
pub fn analyzer(args: &ModelArgs) -> Result<Analyzer> {
    Ok(Analyzer::new(load(args)?))
}
