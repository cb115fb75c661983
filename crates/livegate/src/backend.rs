//! Backend selection: `--backend tract|ort` → a `Backend` and a verified `ModelSet`.

use anyhow::{bail, Context, Result};
use livegate_engine::infer::Backend;
use livegate_engine::{Analyzer, ModelSet};
use livegate_media::{load_models, resolve_models_dir};

use crate::ModelArgs;

/// Environment variable with the onnxruntime shared library path.
pub const ORT_DYLIB_ENV: &str = "ORT_DYLIB_PATH";

/// The backend a name selects.
pub fn backend_by_name(name: &str) -> Result<Box<dyn Backend>> {
    match name {
        "tract" => Ok(livegate_engine::infer::default_backend()),
        "ort" => ort_backend(),
        other => bail!("unknown backend `{other}`; use `tract` or `ort`"),
    }
}

#[cfg(feature = "ort")]
fn ort_backend() -> Result<Box<dyn Backend>> {
    let path = std::env::var_os(ORT_DYLIB_ENV)
        .with_context(|| format!("the ort backend needs {ORT_DYLIB_ENV} (path to libonnxruntime.so)"))?;
    Ok(Box::new(livegate_engine::infer::ort::OrtBackend::new(
        std::path::Path::new(&path),
        1,
    )?))
}

#[cfg(not(feature = "ort"))]
fn ort_backend() -> Result<Box<dyn Backend>> {
    bail!("this build has no onnxruntime backend; rebuild with `--features ort`")
}

/// Loads and verifies the models for `args`.
pub fn load(args: &ModelArgs) -> Result<ModelSet> {
    let backend = backend_by_name(&args.backend)?;
    let dir = resolve_models_dir(args.models.as_deref());
    load_models(&dir, backend.as_ref()).with_context(|| format!("loading models from {}", dir.display()))
}

/// An analyzer over the models `args` select.
pub fn analyzer(args: &ModelArgs) -> Result<Analyzer> {
    Ok(Analyzer::new(load(args)?))
}
