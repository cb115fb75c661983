//! Still images: JPEG/PNG bytes → `RgbImage`, EXIF orientation applied, sizes bounded before
//! any large allocation.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use livegate_engine::RgbImage;

use crate::error::MediaError;

/// Bounds on what a decoder may allocate.
#[derive(Clone, Copy, Debug)]
pub struct ImageLimits {
    /// Largest width or height in pixels.
    pub max_side: u32,
    /// Largest decoded allocation in bytes.
    pub max_alloc: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            max_side: 8192,
            max_alloc: 256 * 1024 * 1024,
        }
    }
}

/// Decodes JPEG or PNG bytes, honouring EXIF orientation.
pub fn decode_image(bytes: &[u8], limits: ImageLimits) -> Result<RgbImage, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| MediaError::Corrupt(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png) => {}
        Some(other) => return Err(MediaError::UnsupportedFormat(format!("{other:?}"))),
        None => return Err(MediaError::UnsupportedFormat("unknown (not an image signature)".into())),
    }
    if reader.format() == Some(ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        return Err(MediaError::Corrupt(
            "JPEG data ends before its end-of-image marker (truncated)".into(),
        ));
    }
    let mut image_limits = Limits::default();
    image_limits.max_image_width = Some(limits.max_side);
    image_limits.max_image_height = Some(limits.max_side);
    image_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(image_limits);
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let orientation = decoder.orientation().map_err(classify)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(classify)?;
    image.apply_orientation(orientation);
    let rgb = image.into_rgb8();
    let (w, h) = rgb.dimensions();
    Ok(RgbImage::from_raw(w, h, rgb.into_raw())?)
}

/// A complete JPEG has an end-of-image marker (FF D9) after its last start-of-scan (FF DA).
/// Decoders fill a truncated scan with grey instead of failing; a frame cut off in transit must
/// be refused, not analysed. (Inside entropy-coded data 0xFF is always stuffed, so the markers
/// cannot occur there.)
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|w| w[0] == 0xFF && w[1] == marker);
    match (last(0xDA), last(0xD9)) {
        (Some(sos), Some(eoi)) => eoi > sos,
        _ => false,
    }
}

fn classify(e: image::ImageError) -> MediaError {
    match e {
        image::ImageError::Limits(l) => MediaError::TooLarge(l.to_string()),
        image::ImageError::Unsupported(u) => MediaError::UnsupportedFormat(u.to_string()),
        other => MediaError::Corrupt(other.to_string()),
    }
}

/// Encodes an image as PNG (plots, audit images).
pub fn encode_png(image: &RgbImage) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    let buffer = image::RgbImage::from_raw(image.width(), image.height(), image.as_raw().to_vec())
        .ok_or_else(|| MediaError::Corrupt("buffer size".into()))?;
    buffer
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|e| MediaError::Corrupt(e.to_string()))?;
    Ok(out)
}

/// Encodes an image as JPEG at `quality` (frames for upload tests, audit images).
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    encoder
        .encode(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| MediaError::Corrupt(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_garbage_are_refused_with_codes() {
        assert_eq!(
            decode_image(&[], ImageLimits::default()).unwrap_err().code(),
            "image_empty"
        );
        let e = decode_image(b"hello world, not an image", ImageLimits::default()).unwrap_err();
        assert_eq!(e.code(), "image_unsupported_format");
    }

    #[test]
    fn truncated_jpeg_is_corrupt() {
        let img = RgbImage::filled(64, 48, [200, 100, 50]);
        let jpeg = encode_jpeg(&img, 90).unwrap();
        let e = decode_image(&jpeg[..jpeg.len() / 3], ImageLimits::default()).unwrap_err();
        assert_eq!(e.code(), "image_corrupt", "{e}");
    }

    #[test]
    fn png_round_trip_and_size_limit() {
        let img = RgbImage::filled(64, 48, [1, 2, 3]);
        let png = encode_png(&img).unwrap();
        assert_eq!(decode_image(&png, ImageLimits::default()).unwrap(), img);
        let small = ImageLimits {
            max_side: 32,
            max_alloc: 1 << 20,
        };
        assert_eq!(decode_image(&png, small).unwrap_err().code(), "image_too_large");
    }
}
