//! Face captures and drawn signatures as PDF image XObjects: a baseline or progressive 8-bit
//! JPEG goes in as it is (DCTDecode); anything else is decoded and stored as Flate-compressed RGB,
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

/// Adds `bytes` (JPEG or PNG) to `doc` as an image XObject; `what` names it in errors.
pub(super) fn add_image(doc: &mut Document, bytes: &[u8], what: &str) -> Result<Placed, PdfError> {
    let format =
        image::guess_format(bytes).map_err(|_| PdfError::Image(format!("{what} is neither a JPEG nor a PNG image")))?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png) {
        return Err(PdfError::Image(format!(
            "{what} is {format:?}; only JPEG and PNG are supported"
        )));
    }
    let decoded = decode(bytes, format).map_err(|e| PdfError::Image(format!("{what} cannot be decoded: {e}")))?;
    let (width, height) = (decoded.width(), decoded.height());
    if width == 0 || height == 0 {
        return Err(PdfError::Image(format!("{what} has no pixels")));
    }
    let stream = match (format, jpeg_components(bytes)) {
        (ImageFormat::Jpeg, Some(components @ (1 | 3))) => {
            let color_space = if components == 1 { "DeviceGray" } else { "DeviceRGB" };
            Stream::new(
                image_dict(width, height, color_space, Some("DCTDecode")),
                bytes.to_vec(),
            )
        }
        _ => flate_image(doc, &decoded)?,
    };
    let id = add(doc, stream)?;
    Ok(Placed { id, width, height })
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

/// The component count of a JPEG that PDF readers decode as DCTDecode (8-bit baseline,
/// extended or progressive Huffman), read from its frame header; `None` for anything else.
fn jpeg_components(bytes: &[u8]) -> Option<u8> {
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
        let length = usize::from(u16::from_be_bytes([*bytes.get(at + 2)?, *bytes.get(at + 3)?]));
        match marker {
            0xC0..=0xC2 => {
                let precision = *bytes.get(at + 4)?;
                let components = *bytes.get(at + 9)?;
                return (precision == 8).then_some(components);
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
        assert_eq!(jpeg_components(&jpeg), Some(3));
        assert_eq!(jpeg_components(&jpeg[..20]), None);
        assert_eq!(jpeg_components(b"\xFF\xD8\xFF"), None);
    }

    #[test]
    fn rejects_what_is_not_an_image() {
        let mut doc = Document::new();
        let err = add_image(&mut doc, b"GIF89a....", "capture 1").unwrap_err();
        assert_eq!(err.code(), "invalid_image");
        let err = add_image(&mut doc, &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16], "capture 1").unwrap_err();
        assert_eq!(err.code(), "invalid_image");
    }
}
