//! One interface over every input the CLI takes: a still image, a video file, or a directory of
//! frames. Each yields `TimedFrame`s in time order.

use std::path::{Path, PathBuf};

use livegate_engine::RgbImage;

use crate::error::MediaError;
use crate::image_io::{decode_image, ImageLimits};

/// A decoded frame and its capture time.
#[derive(Clone, Debug)]
pub struct TimedFrame {
    /// Position in the emitted sequence.
    pub index: usize,
    /// Seconds from the first frame.
    pub t: f64,
    /// Pixels.
    pub image: RgbImage,
}

/// What a path holds.
#[derive(Clone, Debug, PartialEq)]
pub enum InputKind {
    /// A JPEG or PNG file.
    Image,
    /// A video file.
    Video,
    /// A directory of JPEG/PNG frames, sorted by name.
    FramesDir(Vec<PathBuf>),
}

/// An opened input.
#[derive(Clone, Debug)]
pub struct FrameSource {
    /// The path.
    pub path: PathBuf,
    /// Its kind.
    pub kind: InputKind,
    /// Sampling rate (video) or capture rate of directory frames.
    pub fps: Option<f64>,
    /// Expected number of frames (for progress bars), if known.
    pub estimated_frames: Option<u64>,
}

const IMAGE_EXTENSIONS: [&str; 3] = ["jpg", "jpeg", "png"];
/// Capture rate assumed for a directory of frames when none is given.
pub const DEFAULT_DIR_FPS: f64 = 25.0;

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn read(path: &Path) -> Result<Vec<u8>, MediaError> {
    std::fs::read(path).map_err(|source| MediaError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Opens `path`: a directory of frames, an image, or (anything else) a video.
pub fn open_source(path: &Path, fps: Option<f64>) -> Result<FrameSource, MediaError> {
    let meta = std::fs::metadata(path).map_err(|source| MediaError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (kind, estimated_frames) = if meta.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|source| MediaError::Io {
                path: path.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_image(p))
            .collect();
        if files.is_empty() {
            return Err(MediaError::NoFrames(path.to_path_buf()));
        }
        files.sort();
        let n = files.len() as u64;
        (InputKind::FramesDir(files), Some(n))
    } else if is_image(path) {
        (InputKind::Image, Some(1))
    } else {
        (InputKind::Video, estimate_video_frames(path, fps))
    };
    Ok(FrameSource {
        path: path.to_path_buf(),
        kind,
        fps,
        estimated_frames,
    })
}

#[cfg(feature = "video")]
fn estimate_video_frames(path: &Path, fps: Option<f64>) -> Option<u64> {
    let info = crate::video::probe(path).ok()?;
    let rate = fps.or(info.fps)?;
    Some((info.duration? * rate).ceil() as u64)
}

#[cfg(not(feature = "video"))]
fn estimate_video_frames(_: &Path, _: Option<f64>) -> Option<u64> {
    None
}

impl FrameSource {
    /// Calls `sink` for every frame in order; returns how many were produced.
    pub fn for_each_frame<E: From<MediaError>>(
        &self,
        mut sink: impl FnMut(TimedFrame) -> Result<(), E>,
    ) -> Result<usize, E> {
        match &self.kind {
            InputKind::Image => {
                let image = decode_image(&read(&self.path)?, ImageLimits::default())?;
                sink(TimedFrame {
                    index: 0,
                    t: 0.0,
                    image,
                })?;
                Ok(1)
            }
            InputKind::FramesDir(files) => {
                let fps = self.fps.unwrap_or(DEFAULT_DIR_FPS);
                for (index, file) in files.iter().enumerate() {
                    let image = decode_image(&read(file)?, ImageLimits::default())?;
                    sink(TimedFrame {
                        index,
                        t: index as f64 / fps,
                        image,
                    })?;
                }
                Ok(files.len())
            }
            InputKind::Video => self.decode_video(sink),
        }
    }

    #[cfg(feature = "video")]
    fn decode_video<E: From<MediaError>>(&self, sink: impl FnMut(TimedFrame) -> Result<(), E>) -> Result<usize, E> {
        crate::video::decode_video(&self.path, self.fps, sink)
    }

    #[cfg(not(feature = "video"))]
    fn decode_video<E: From<MediaError>>(&self, _: impl FnMut(TimedFrame) -> Result<(), E>) -> Result<usize, E> {
        Err(MediaError::VideoUnsupported(self.path.clone()).into())
    }
}
