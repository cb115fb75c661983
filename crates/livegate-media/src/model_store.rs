//! Finds the model directory and loads the verified `ModelSet` from it.

use std::path::{Path, PathBuf};

use livegate_engine::infer::Backend;
use livegate_engine::{ModelManifest, ModelSet};

use crate::error::MediaError;

/// Environment variable naming the model directory.
pub const MODELS_DIR_ENV: &str = "LIVEGATE_MODELS_DIR";

/// The model directory: an explicit path, else `$LIVEGATE_MODELS_DIR`, else `./models`, else the
/// `models/` directory of the source tree this binary was built from.
pub fn resolve_models_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os(MODELS_DIR_ENV) {
        return PathBuf::from(p);
    }
    let local = PathBuf::from("models");
    if local.join("manifest.json").is_file() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// Reads `manifest.json` and every model it names, verifying hashes and tensor names.
pub fn load_models(dir: &Path, backend: &dyn Backend) -> Result<ModelSet, MediaError> {
    let manifest_path = dir.join("manifest.json");
    let bytes = std::fs::read(&manifest_path).map_err(|source| MediaError::Io {
        path: manifest_path.clone(),
        source,
    })?;
    let manifest = ModelManifest::from_json(&bytes)?;
    Ok(ModelSet::load(backend, &manifest, |file| {
        std::fs::read(dir.join(file)).ok()
    })?)
}
