//! Video files through the ffmpeg libraries (Debian's libavcodec/libavformat): H.264, HEVC, VP8,
//! MPEG-4, in MP4/MOV/WebM/Matroska. Frames are converted to RGB and sampled at a chosen rate by
//! their presentation time.

use std::path::{Path, PathBuf};
use std::sync::Once;

use ffmpeg::format::Pixel;
use ffmpeg::software::scaling::{Context as Scaler, Flags};
use ffmpeg::util::frame::video::Video;
use ffmpeg_next as ffmpeg;
use livegate_engine::RgbImage;

use crate::error::MediaError;
use crate::frames::TimedFrame;

/// What the container says about the video stream.
#[derive(Clone, Debug)]
pub struct VideoInfo {
    /// Codec name (h264, vp8, hevc, ...).
    pub codec: String,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Duration in seconds, if known.
    pub duration: Option<f64>,
    /// Average frame rate, if known.
    pub fps: Option<f64>,
}

fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Decoding problems surface as typed errors; the library's own log would only repeat them.
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
        let _ = ffmpeg::init();
    });
}

fn video_error(path: &Path, e: impl std::fmt::Display) -> MediaError {
    MediaError::Video {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Reads the stream parameters without decoding.
pub fn probe(path: &Path) -> Result<VideoInfo, MediaError> {
    init();
    let input = ffmpeg::format::input(path).map_err(|e| video_error(path, e))?;
    let stream = input
        .streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or_else(|| video_error(path, "no video stream"))?;
    let ctx =
        ffmpeg::codec::context::Context::from_parameters(stream.parameters()).map_err(|e| video_error(path, e))?;
    let decoder = ctx.decoder().video().map_err(|e| video_error(path, e))?;
    let rate = stream.avg_frame_rate();
    let fps = (rate.denominator() != 0 && rate.numerator() > 0).then(|| f64::from(rate));
    let duration = if input.duration() > 0 {
        Some(input.duration() as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE))
    } else {
        None
    };
    Ok(VideoInfo {
        codec: decoder.codec().map(|c| c.name().to_string()).unwrap_or_default(),
        width: decoder.width(),
        height: decoder.height(),
        duration,
        fps,
    })
}

struct Sampler {
    path: PathBuf,
    step: f64,
    next_t: f64,
    last_t: f64,
    decoded: u64,
    emitted: usize,
    time_base: f64,
    fallback_fps: f64,
    scaler: Option<(Scaler, u32, u32, Pixel)>,
}

impl Sampler {
    fn convert_rgb(&mut self, frame: &Video) -> Result<RgbImage, MediaError> {
        let (w, h, fmt) = (frame.width(), frame.height(), frame.format());
        let stale = self
            .scaler
            .as_ref()
            .is_none_or(|(_, sw, sh, sf)| (*sw, *sh, *sf) != (w, h, fmt));
        if stale {
            let scaler =
                Scaler::get(fmt, w, h, Pixel::RGB24, w, h, Flags::BILINEAR).map_err(|e| video_error(&self.path, e))?;
            self.scaler = Some((scaler, w, h, fmt));
        }
        let (scaler, ..) = self.scaler.as_mut().expect("set above");
        let mut rgb = Video::empty();
        scaler.run(frame, &mut rgb).map_err(|e| video_error(&self.path, e))?;
        let stride = rgb.stride(0);
        let data = rgb.data(0);
        let row = w as usize * 3;
        let mut packed = Vec::with_capacity(row * h as usize);
        for y in 0..h as usize {
            packed.extend_from_slice(&data[y * stride..y * stride + row]);
        }
        Ok(RgbImage::from_raw(w, h, packed)?)
    }

    /// Time of a decoded frame: its best-effort presentation time, forced monotonic (some
    /// webcam files carry broken timestamps).
    fn frame_time(&mut self, frame: &Video) -> f64 {
        let by_count = self.decoded as f64 / self.fallback_fps;
        let t = frame
            .timestamp()
            .map(|ts| ts as f64 * self.time_base)
            .unwrap_or(by_count);
        let t = if t.is_finite() && t >= self.last_t {
            t
        } else {
            self.last_t + 1.0 / self.fallback_fps
        };
        self.decoded += 1;
        self.last_t = t;
        t
    }
}

/// Decodes `path`, calling `sink` with one frame per `1/fps` seconds of presentation time
/// (every frame when `fps` is `None`). Times start at the first frame.
pub fn decode_video<E: From<MediaError>>(
    path: &Path,
    fps: Option<f64>,
    mut sink: impl FnMut(TimedFrame) -> Result<(), E>,
) -> Result<usize, E> {
    init();
    let mut input = ffmpeg::format::input(path).map_err(|e| video_error(path, e))?;
    let stream = input
        .streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or_else(|| video_error(path, "no video stream"))?;
    let index = stream.index();
    let time_base = f64::from(stream.time_base());
    let rate = stream.avg_frame_rate();
    let fallback_fps = if rate.denominator() != 0 && rate.numerator() > 0 {
        f64::from(rate)
    } else {
        30.0
    };
    let ctx =
        ffmpeg::codec::context::Context::from_parameters(stream.parameters()).map_err(|e| video_error(path, e))?;
    let mut decoder = ctx.decoder().video().map_err(|e| video_error(path, e))?;
    let mut sampler = Sampler {
        path: path.to_path_buf(),
        step: fps.map(|f| 1.0 / f).unwrap_or(0.0),
        next_t: 0.0,
        last_t: f64::MIN,
        decoded: 0,
        emitted: 0,
        time_base,
        fallback_fps,
        scaler: None,
    };
    let mut origin: Option<f64> = None;
    let mut drain = |decoder: &mut ffmpeg::decoder::Video, sampler: &mut Sampler| -> Result<(), E> {
        let mut frame = Video::empty();
        while decoder.receive_frame(&mut frame).is_ok() {
            let raw_t = sampler.frame_time(&frame);
            let t = raw_t - *origin.get_or_insert(raw_t);
            if t + 1e-6 < sampler.next_t {
                continue;
            }
            sampler.next_t = if sampler.step > 0.0 {
                // Next slot strictly after this frame, on the regular grid.
                ((t / sampler.step + 1e-6).floor() + 1.0) * sampler.step
            } else {
                t
            };
            let image = sampler.convert_rgb(&frame)?;
            sink(TimedFrame {
                index: sampler.emitted,
                t,
                image,
            })?;
            sampler.emitted += 1;
        }
        Ok(())
    };
    for (stream, packet) in input.packets() {
        if stream.index() != index {
            continue;
        }
        // A damaged packet is skipped, as players do; the decoder resynchronises.
        if decoder.send_packet(&packet).is_err() {
            continue;
        }
        drain(&mut decoder, &mut sampler)?;
    }
    decoder.send_eof().map_err(|e| video_error(path, e))?;
    drain(&mut decoder, &mut sampler)?;
    if sampler.emitted == 0 {
        return Err(video_error(path, "no frames could be decoded").into());
    }
    Ok(sampler.emitted)
}
