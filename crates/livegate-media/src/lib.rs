//! Livegate's IO edge: files and bytes become engine frames, model files become a `ModelSet`.
//!
//! `bytes → decode_image (JPEG/PNG, EXIF orientation) → RgbImage`;
//! `video file → decode_video (ffmpeg, sampled at N fps) → (t, RgbImage)`;
//! `frames dir → sorted images → (t, RgbImage)`; `models/ → ModelSet`.

pub mod error;
pub mod frames;
pub mod image_io;
pub mod model_store;
#[cfg(feature = "video")]
pub mod video;

pub use error::MediaError;
pub use frames::{open_source, FrameSource, InputKind, TimedFrame};
pub use image_io::{decode_image, ImageLimits};
pub use model_store::{load_models, resolve_models_dir};
