//! Livegate's analysis engine: decoded frames in, liveness signals out.
//!
//! Pure by design — no IO, no async, no clock. The flow, one type per stage:
//! `RgbImage (frame) → FaceDetection → Landmarks → FaceFrame (pose) → Expression / Texture /
//! Quality / Embedding → FrameSignals → temporal events (blinks, smiles, turns)`.
//! See ARCHITECTURE.md at the repository root.

pub mod analyzer;
pub mod detect;
pub mod embedding;
pub mod error;
pub mod expression;
pub mod framing;
pub mod image;
pub mod infer;
pub mod landmarks;
pub mod light;
pub mod liveness;
pub mod models;
pub mod pose;
pub mod quality;
pub mod reference;
pub mod signals;
pub mod still_cues;
pub mod temporal;
pub mod texture;
pub mod track;

pub use analyzer::{Analyzer, FrameSignals};
pub use error::EngineError;
pub use image::RgbImage;
pub use models::{ModelManifest, ModelSet};
