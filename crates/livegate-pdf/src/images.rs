//! Face captures and drawn signatures as PDF image XObjects: a baseline or progressive 8-bit
//! JPEG goes in as it is (DCTDecode, not decoded: its frame header gives the size); anything else is decoded and stored as Flate-compressed RGB,
//! with its alpha channel, if any, as a soft mask.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use lopdf::{dictionary, Document, Object, ObjectId, Stream};

use super::PdfError;

/// The largest width or height accepted for a capture or a signature, in pixels. Far above what
/// a browser canvas or a face capture needs; it bounds the memory a hostile upload can claim.
const MAX_IMAGE_SIDE: u32 = 4096;

/// An image added to a document, ready to be placed on a page.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placed {
    /// The image XObject.
    pub id: ObjectId,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
}

/// What is known of an image's bytes before they are embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Seen {
    /// The server decoded them before: a face capture is a session frame, analysed at upload.
    /// A JPEG of these goes in on its frame header alone, without a second decode.
    Decoded,
    /// Nothing: decoded once, so a broken image is refused here rather than shown broken.
    Unchecked,
}

/// Adds `bytes` (JPEG or PNG) to `doc` as an image XObject; `what` names it in errors. A JPEG
/// PDF readers can show goes in as it is; it is decoded only when `seen` is
/// [`Seen::Unchecked`], to check it.
pub(super) fn add_image(doc: &mut Document, bytes: &[u8], what: &str, seen: Seen) -> Result<Placed, PdfError> {
    let format =
        image::guess_format(bytes).map_err(|_| PdfError::Image(format!("{what} is neither a JPEG nor a PNG image")))?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png) {
        return Err(PdfError::Image(format!(
            "{what} is {format:?}; only JPEG and PNG are supported"
        )));
    }
    let (stream, width, height) = match (format, jpeg_frame(bytes)) {
        (ImageFormat::Jpeg, Some(frame @ JpegFrame { components: 1 | 3, .. })) => {
            check_size(frame.width, frame.height, what)?;
            if seen == Seen::Unchecked {
                decode(bytes, format).map_err(|e| PdfError::Image(format!("{what} cannot be decoded: {e}")))?;
            }
            let color_space = if frame.components == 1 {
                "DeviceGray"
            } else {
                "DeviceRGB"
            };
            let dict = image_dict(frame.width, frame.height, color_space, Some("DCTDecode"));
            (Stream::new(dict, bytes.to_vec()), frame.width, frame.height)
        }
        _ => {
            let decoded =
                decode(bytes, format).map_err(|e| PdfError::Image(format!("{what} cannot be decoded: {e}")))?;
            check_size(decoded.width(), decoded.height(), what)?;
            (flate_image(doc, &decoded)?, decoded.width(), decoded.height())
        }
    };
    let id = add(doc, stream)?;
    Ok(Placed { id, width, height })
}

fn check_size(width: u32, height: u32, what: &str) -> Result<(), PdfError> {
    if width == 0 || height == 0 {
        return Err(PdfError::Image(format!("{what} has no pixels")));
    }
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(PdfError::Image(format!(
            "{what} is {width}x{height}; at most {MAX_IMAGE_SIDE} pixels a side"
        )));
    }
    Ok(())
}

/// Decodes with size limits, so a small file cannot claim a huge canvas.
fn decode(bytes: &[u8], format: ImageFormat) -> image::ImageResult<DynamicImage> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader.decode()
}

/// RGB pixels, Flate-compressed, with an 8-bit soft mask when the image has alpha.
fn flate_image(doc: &mut Document, decoded: &DynamicImage) -> Result<Stream, PdfError> {
    let (width, height) = (decoded.width(), decoded.height());
    let mut dict = image_dict(width, height, "DeviceRGB", None);
    let rgb = if decoded.color().has_alpha() {
        let rgba = decoded.to_rgba8();
        let alpha: Vec<u8> = rgba.pixels().map(|p| p.0[3]).collect();
        let mut mask = Stream::new(image_dict(width, height, "DeviceGray", None), alpha);
        compress(&mut mask)?;
        dict.set("SMask", add(doc, mask)?);
        rgba.pixels().flat_map(|p| [p.0[0], p.0[1], p.0[2]]).collect()
    } else {
        decoded.to_rgb8().into_raw()
    };
    let mut stream = Stream::new(dict, rgb);
    compress(&mut stream)?;
    Ok(stream)
}

fn image_dict(width: u32, height: u32, color_space: &str, filter: Option<&str>) -> lopdf::Dictionary {
    let mut dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => i64::from(width),
        "Height" => i64::from(height),
        "ColorSpace" => color_space,
        "BitsPerComponent" => 8,
    };
    if let Some(filter) = filter {
        dict.set("Filter", filter);
    }
    dict
}

fn compress(stream: &mut Stream) -> Result<(), PdfError> {
    stream
        .compress()
        .map_err(|e| PdfError::Image(format!("cannot compress image data: {e}")))
}

/// Adds an object, failing instead of panicking if the document has run out of object numbers.
pub(super) fn add(doc: &mut Document, object: impl Into<Object>) -> Result<ObjectId, PdfError> {
    doc.try_add_object(object)
        .map_err(|e| PdfError::Invalid(format!("cannot add an object to the document: {e}")))
}

/// A JPEG's frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct JpegFrame {
    /// Colour components (1 grey, 3 YCbCr/RGB, 4 CMYK).
    components: u8,
    /// Pixel width.
    width: u32,
    /// Pixel height.
    height: u32,
}

/// The frame header of a JPEG that PDF readers decode as DCTDecode (8-bit baseline, extended or
/// progressive Huffman); `None` for anything else.
fn jpeg_frame(bytes: &[u8]) -> Option<JpegFrame> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    loop {
        // Markers may be padded with extra 0xFF bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let u16_at = |i: usize| Some(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
        let length = usize::from(u16_at(at + 2)?);
        match marker {
            0xC0..=0xC2 => {
                let precision = *bytes.get(at + 4)?;
                let frame = JpegFrame {
                    height: u32::from(u16_at(at + 5)?),
                    width: u32::from(u16_at(at + 7)?),
                    components: *bytes.get(at + 9)?,
                };
                return (precision == 8).then_some(frame);
            }
            // Other frame types (lossless, hierarchical, arithmetic), the start of scan, and
            // markers without a length that cannot come before a frame header.
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDA | 0xD0..=0xD9 | 0x01 => return None,
            _ => at += 2 + length,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_jpeg_frame_header() {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(5, 4, image::Rgb([10, 200, 30])));
        let mut jpeg = Vec::new();
        img.write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg).unwrap();
        assert_eq!(
            jpeg_frame(&jpeg),
            Some(JpegFrame {
                components: 3,
                width: 5,
                height: 4
            })
        );
        assert_eq!(jpeg_frame(&jpeg[..20]), None);
        assert_eq!(jpeg_frame(b"\xFF\xD8\xFF"), None);
    }

    #[test]
    fn a_capture_jpeg_is_embedded_on_its_header_and_an_unchecked_one_decoded() {
        let pixels = image::RgbImage::from_fn(160, 120, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 5) as u8, (x ^ y) as u8])
        });
        let mut jpeg = Vec::new();
        DynamicImage::ImageRgb8(pixels)
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        // Cut right after the frame header (no Huffman tables, no scan): only a decode could tell.
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg.truncate(sof + 2 + usize::from(u16::from_be_bytes([jpeg[sof + 2], jpeg[sof + 3]])));
        let mut doc = Document::new();
        let placed = add_image(&mut doc, &jpeg, "capture 1", Seen::Decoded).unwrap();
        assert_eq!((placed.width, placed.height), (160, 120));
        let err = add_image(&mut doc, &jpeg, "the signature", Seen::Unchecked).unwrap_err();
        assert_eq!(err.code(), "invalid_image");
    }

    #[test]
    fn rejects_what_is_not_an_image() {
        let mut doc = Document::new();
        let err = add_image(&mut doc, b"GIF89a....", "capture 1", Seen::Decoded).unwrap_err();
        assert_eq!(err.code(), "invalid_image");
        let err = add_image(&mut doc, &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16], "capture 1", Seen::Decoded).unwrap_err();
        assert_eq!(err.code(), "invalid_image");
    }
}
