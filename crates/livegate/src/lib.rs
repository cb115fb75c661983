//! The `livegate` command line as a library, so integration tests drive the same code paths
//! as the binary.

pub mod analyze;
pub mod backend;
pub mod bench;
pub mod eval;
pub mod face_match;
pub mod loadtest;
pub mod plot;
pub mod serve;
pub mod synth;

use std::path::PathBuf;

/// Options shared by commands that run models.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// Model directory (default: $LIVEGATE_MODELS_DIR, ./models, or the source tree's models/).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Inference backend: `tract` (pure Rust) or `ort` (onnxruntime; needs ORT_DYLIB_PATH).
    #[arg(long, default_value = "tract")]
    pub backend: String,
}

impl Default for ModelArgs {
    fn default() -> Self {
        Self {
            models: None,
            backend: "tract".into(),
        }
    }
}
