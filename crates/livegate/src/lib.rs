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
pub mod synth_flash;

use std::path::PathBuf;

/// Options shared by commands that run models.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// Model directory (default: $LIVEGATE_MODELS_DIR, ./models, or the source tree's models/).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Inference backend: `auto` (onnxruntime when its library is found, else tract), `tract`
    /// (pure Rust) or `ort` (onnxruntime).
    #[arg(long, default_value = "auto")]
    pub backend: String,
}

/// The library default is tract: deterministic and needing nothing installed (tests pick a
/// backend explicitly).
impl Default for ModelArgs {
    fn default() -> Self {
        Self {
            models: None,
            backend: "tract".into(),
        }
    }
}
