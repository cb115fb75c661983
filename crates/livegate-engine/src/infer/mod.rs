//! Inference behind one small trait, so the pipeline never knows which runtime runs a model.
//!
//! `tract` (pure Rust, the default) and `ort` (onnxruntime loaded at run time, feature `ort`)
//! both implement [`Backend`]; a loaded model is a [`Model`]: named f32 tensors in, named f32
//! tensors out.

#[cfg(feature = "ort")]
pub mod ort;
#[cfg(feature = "tract")]
pub mod tract;

use crate::error::EngineError;

/// A dense f32 tensor with its shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f32>,
}

/// A model's graph interface as the backend sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Signature {
    /// Input tensor names in graph order.
    pub inputs: Vec<String>,
    /// Output tensor names in graph order.
    pub outputs: Vec<String>,
}

/// A loaded, ready-to-run model. Implementations are thread-safe.
pub trait Model: Send + Sync {
    /// Input and output names of the graph.
    fn signature(&self) -> &Signature;
    /// Runs the model on one input tensor; returns the outputs in graph order.
    fn run(&self, input: Tensor) -> Result<Vec<Tensor>, EngineError>;
}

/// A runtime that turns ONNX bytes into a [`Model`].
pub trait Backend: Send + Sync {
    /// Short name for reports (`tract`, `ort`).
    fn name(&self) -> &'static str;
    /// Loads ONNX bytes, fixing the single input to `input_shape`.
    fn load(&self, model_id: &str, onnx: &[u8], input_shape: &[usize]) -> Result<Box<dyn Model>, EngineError>;
}

/// The default backend of this build: tract when compiled in.
#[cfg(feature = "tract")]
pub fn default_backend() -> Box<dyn Backend> {
    Box::new(tract::TractBackend)
}
