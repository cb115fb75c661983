//! Media errors: each has a stable code so the CLI and the server report the same thing.

use std::path::PathBuf;

use thiserror::Error;

/// What can go wrong turning files or bytes into frames.
#[derive(Debug, Error)]
pub enum MediaError {
    /// Empty input.
    #[error("the image is empty (0 bytes)")]
    Empty,
    /// Not a JPEG or PNG.
    #[error("unsupported image format: {0}; send JPEG or PNG")]
    UnsupportedFormat(String),
    /// The bytes claim a supported format but do not decode.
    #[error("the image could not be decoded: {0}")]
    Corrupt(String),
    /// Above the configured size limits.
    #[error("the image is too large: {0}")]
    TooLarge(String),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The video could not be opened or decoded.
    #[error("video {path}: {message}")]
    Video {
        /// The path.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// Video input needs the `video` feature (ffmpeg libraries).
    #[error("{0} is a video; this build has no video support (build with feature `video`)")]
    VideoUnsupported(PathBuf),
    /// A directory without any JPEG/PNG frames.
    #[error("no JPEG or PNG frames in {0}")]
    NoFrames(PathBuf),
    /// Model files.
    #[error(transparent)]
    Engine(#[from] livegate_engine::EngineError),
}

impl MediaError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "image_empty",
            Self::UnsupportedFormat(_) => "image_unsupported_format",
            Self::Corrupt(_) => "image_corrupt",
            Self::TooLarge(_) => "image_too_large",
            Self::Io { .. } => "io_error",
            Self::Video { .. } => "video_decode_failed",
            Self::VideoUnsupported(_) => "video_unsupported",
            Self::NoFrames(_) => "no_frames",
            Self::Engine(_) => "engine_error",
        }
    }
}
