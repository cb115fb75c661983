//! The engine's error type: every failure names what failed (model id, tensor, frame size).

use thiserror::Error;

/// Everything that can go wrong inside the engine. Input problems (a frame too small, a bad
/// buffer) are distinct from model problems (a wrong file, a backend failure) so callers can map
/// them to client vs server errors.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The pixel buffer does not match the stated size.
    #[error("image buffer of {len} bytes does not hold {width}x{height} RGB pixels")]
    BadImageBuffer {
        /// Stated width.
        width: u32,
        /// Stated height.
        height: u32,
        /// Actual byte length.
        len: usize,
    },
    /// The frame is below the minimum resolution (S7).
    #[error("frame is {width}x{height}; at least 320x240 is required")]
    ResolutionTooLow {
        /// Frame width.
        width: u32,
        /// Frame height.
        height: u32,
    },
    /// The model manifest is not valid.
    #[error("model manifest is invalid: {0}")]
    Manifest(String),
    /// A model file is missing from the model store.
    #[error("model `{model}`: file `{file}` is missing")]
    ModelMissing {
        /// Model id from the manifest.
        model: String,
        /// File name from the manifest.
        file: String,
    },
    /// A model file does not have the pinned sha256.
    #[error("model `{model}`: sha256 is {actual}, the manifest pins {expected}")]
    ModelHashMismatch {
        /// Model id.
        model: String,
        /// Pinned hash.
        expected: String,
        /// Hash of the bytes given.
        actual: String,
    },
    /// The model's graph does not have the tensor names the manifest names.
    #[error("model `{model}`: expected {kind} tensors {expected:?}, the graph has {actual:?}")]
    ModelSignature {
        /// Model id.
        model: String,
        /// `input` or `output`.
        kind: &'static str,
        /// Names from the manifest.
        expected: Vec<String>,
        /// Names in the graph.
        actual: Vec<String>,
    },
    /// The inference backend failed to load or run a model.
    #[error("model `{model}`: {backend} backend failed: {message}")]
    Backend {
        /// Model id.
        model: String,
        /// Backend name.
        backend: &'static str,
        /// The backend's own message.
        message: String,
    },
    /// A model produced a tensor of an unexpected shape.
    #[error("model `{model}`: output `{output}` has {actual} values, expected {expected}")]
    OutputShape {
        /// Model id.
        model: String,
        /// Output tensor name.
        output: String,
        /// Expected element count.
        expected: usize,
        /// Actual element count.
        actual: usize,
    },
}
