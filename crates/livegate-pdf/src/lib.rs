//! Livegate's e-signature documents, sync and pure: [`inspect`] validates an uploaded PDF
//! before it enters a signing journey, [`append_evidence`] makes the completed document once
//! everyone has signed, the original followed by one signature-and-evidence page per signer, and
//! [`append_signed`] does the same and signs the result as a PAdES baseline B-B signature
//! ([`Signing`], [`SigningIdentity`]).
//!
//! The evidence pages are added as an incremental update (ISO 32000-1, 7.5.6): the completed file
//! starts with the original bytes unchanged, so the SHA-256 recorded on the evidence page can be
//! checked against that prefix. A file whose cross-reference data had to be repaired to load has
//! no trustworthy offsets to extend, and is rewritten whole instead (its pages' objects, and so
//! their content, are kept as they are). The signature belongs to that same update: one signature
//! field per completion, its `/ByteRange` covering the whole file but the signature itself.

mod cms;
mod identity;
mod images;
mod layout;
mod sign;
#[cfg(any(test, feature = "test-tsa"))]
pub mod testing;
mod text;
mod tsp;

use lopdf::{dictionary, Dictionary, Document, IncrementalDocument, LoadOptions, Object, ObjectId, Stream};
use sha2::{Digest, Sha256};

pub use self::cms::{EssCertIdV2, IssuerSerial, SigningCertificateV2};
pub use self::identity::SigningIdentity;
use self::images::add;
use self::layout::{PAGE_HEIGHT, PAGE_WIDTH};
pub use self::sign::{Signing, SIGNATURE_RESERVE};
use self::text::Font;
pub use self::tsp::{TimestampOutcome, Timestamper, ID_AA_SIGNATURE_TIME_STAMP_TOKEN};

/// The most any one stream of an uploaded PDF may decompress to while it is checked. Far above
/// what a page of a contract needs; it keeps a small crafted file from inflating to gigabytes.
const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;

/// How far from the start the `%PDF-` header and from the end the `%%EOF` marker may be,
/// as ISO 32000-1 (7.5.2, 7.5.5) lets readers look.
const MARKER_WINDOW: usize = 1024;

/// What a validated PDF is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfInfo {
    /// The number of pages.
    pub pages: u32,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// The size in bytes.
    pub bytes: usize,
}

/// How a signer signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureMark {
    /// The signer typed their name; drawn in a large italic font.
    Typed(String),
    /// PNG bytes from a browser canvas, transparent background; drawn with its alpha.
    Drawn(Vec<u8>),
    /// Applied without a signer's hand (e.g. a counter-signature by the sender); drawn as a
    /// boxed label.
    Automated(String),
}

/// One signer's signature-and-evidence page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidencePage {
    /// The page title, e.g. "Signature and evidence — Asha Rao".
    pub heading: String,
    /// Label/value rows: signer, signed at (UTC), OTP channel, liveness score, face match,
    /// document SHA-256, ... Long values wrap; rows that do not fit on the page are left out
    /// and counted in a note.
    pub fields: Vec<(String, String)>,
    /// Up to 3 face captures, JPEG or PNG, drawn as thumbnails in a row; more are counted in
    /// the section title but not drawn.
    pub captures: Vec<Vec<u8>>,
    /// The signature.
    pub signature: SignatureMark,
}

/// Why a PDF, or an image for its evidence page, cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The upload is above the size limit.
    #[error("the PDF is {size} bytes; the limit is {max} bytes")]
    TooLarge {
        /// The upload's size in bytes.
        size: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The bytes are not a usable PDF.
    #[error("not a usable PDF: {0}")]
    Invalid(String),
    /// A face capture or signature image cannot be used.
    #[error("invalid image for the evidence page: {0}")]
    Image(String),
    /// The signing certificate or key cannot be used, or the signature cannot be made.
    #[error("cannot sign the PDF: {0}")]
    Signing(String),
}

impl PdfError {
    /// The stable error code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::TooLarge { .. } => "payload_too_large",
            PdfError::Invalid(_) => "invalid_pdf",
            PdfError::Image(_) => "invalid_image",
            PdfError::Signing(_) => "signing_failed",
        }
    }
}

/// Validates uploaded bytes as a real, loadable PDF with at least one page, within `max_bytes`.
///
/// Beyond parsing, the file must begin with `%PDF-` and end with `%%EOF` (a cut-off upload
/// does not), must not need a password, and every page's content must decode.
pub fn inspect(bytes: &[u8], max_bytes: usize) -> Result<PdfInfo, PdfError> {
    let doc = load(bytes, max_bytes)?;
    let pages = u32::try_from(doc.get_pages().len())
        .map_err(|_| PdfError::Invalid("the PDF has too many pages".to_string()))?;
    Ok(PdfInfo {
        pages,
        sha256: hex::encode(Sha256::digest(bytes)),
        bytes: bytes.len(),
    })
}

/// The original PDF with one appended page per [`EvidencePage`], after the last page. The
/// original pages are unchanged; normally the original bytes are a prefix of the result (see
/// the module documentation). With no evidence pages the original is returned as it is.
pub fn append_evidence(original: &[u8], pages: &[EvidencePage]) -> Result<Vec<u8>, PdfError> {
    if pages.is_empty() {
        load(original, usize::MAX)?;
        return Ok(original.to_vec());
    }
    write(original, pages, None).map(|(bytes, _)| bytes)
}

/// [`append_evidence`], and the update signed: a signature field on the last evidence page
/// whose CMS signature (PAdES B-B, `/ETSI.CAdES.detached`) covers the whole file but itself.
/// At least one evidence page is needed.
pub fn append_signed(original: &[u8], pages: &[EvidencePage], signing: &Signing) -> Result<SignedPdf, PdfError> {
    if pages.is_empty() {
        return Err(PdfError::Invalid("a signed completion needs an evidence page".into()));
    }
    write(original, pages, Some(signing)).map(|(bytes, timestamp)| SignedPdf { bytes, timestamp })
}

/// A signed completion: the file and what became of its timestamp.
#[derive(Debug, Clone)]
pub struct SignedPdf {
    /// The completed, signed PDF.
    pub bytes: Vec<u8>,
    /// Whether the signature carries an RFC 3161 timestamp.
    pub timestamp: TimestampOutcome,
}

fn write(
    original: &[u8],
    pages: &[EvidencePage],
    signing: Option<&Signing>,
) -> Result<(Vec<u8>, TimestampOutcome), PdfError> {
    let doc = load(original, usize::MAX)?;
    let tree = PageTree::of(&doc)?;
    let form = signing.map(|_| sign::Form::of(&doc)).transpose()?;
    let add_pages = |doc: &mut Document| -> Result<(), PdfError> {
        let added = tree.extend(doc, pages)?;
        if let (Some(form), Some(signing), Some(&last)) = (form, signing, added.last()) {
            form.add_signature(doc, last, signing)?;
        }
        Ok(())
    };
    let mut out = Vec::with_capacity(original.len() + pages.len() * 64 * 1024);
    let (saved, from) = if doc.xref_recovery.is_none() && doc.xref_start != 0 {
        let mut update = IncrementalDocument::create_from(original.to_vec(), doc);
        update.new_document.trailer = fresh_trailer(&update.new_document.trailer, true);
        add_pages(&mut update.new_document)?;
        (update.save_to(&mut out), original.len())
    } else {
        let mut doc = doc;
        doc.trailer = fresh_trailer(&doc.trailer, false);
        add_pages(&mut doc)?;
        (doc.save_to(&mut out), 0)
    };
    saved.map_err(|e| PdfError::Invalid(format!("cannot write the completed PDF: {e}")))?;
    let timestamp = match signing {
        Some(signing) => sign::embed(&mut out, from, signing)?,
        None => TimestampOutcome::NotRequested,
    };
    Ok((out, timestamp))
}

/// Checks and loads a PDF; see [`inspect`].
fn load(bytes: &[u8], max_bytes: usize) -> Result<Document, PdfError> {
    let invalid = |why: &str| Err(PdfError::Invalid(why.to_string()));
    if bytes.len() > max_bytes {
        return Err(PdfError::TooLarge {
            size: bytes.len(),
            max: max_bytes,
        });
    }
    if bytes.is_empty() {
        return invalid("the file is empty");
    }
    // Readers tolerate junk before the header, but an incremental update written after such a
    // file would be addressed wrongly by some of them.
    if !bytes.starts_with(b"%PDF-") {
        return invalid("the file does not start with a %PDF- header");
    }
    let tail = &bytes[bytes.len().saturating_sub(MARKER_WINDOW)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return invalid("the file has no %%EOF marker at its end; it may be truncated");
    }
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options)
        .map_err(|e| PdfError::Invalid(format!("the file cannot be parsed: {e}")))?;
    if doc.is_encrypted() {
        return invalid("the PDF is password-protected");
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return invalid("the PDF has no pages");
    }
    for (number, id) in pages {
        doc.get_dictionary(id)
            .map_err(|e| PdfError::Invalid(format!("page {number} is missing or broken: {e}")))?;
        doc.get_page_content_with_limit(id, MAX_STREAM_BYTES)
            .map_err(|e| PdfError::Invalid(format!("the content of page {number} cannot be read: {e}")))?;
    }
    Ok(doc)
}

/// The trailer for the section being written: the document's identity, the previous section
/// when `chained`, and nothing from the cross-reference data it was read from (an `/XRefStm`, or
/// a cross-reference stream's `/W`, `/Index` and `/DecodeParms`, which would misdescribe the new
/// section). Encryption, if any, is restored by the writer.
fn fresh_trailer(inherited: &Dictionary, chained: bool) -> Dictionary {
    let mut trailer = Dictionary::new();
    for key in [&b"Root"[..], b"Info", b"ID", b"Prev"] {
        if key == b"Prev" && !chained {
            continue;
        }
        if let Ok(value) = inherited.get(key) {
            trailer.set(key, value.clone());
        }
    }
    trailer
}

/// The root of the original page tree, which the evidence pages join as its last kids.
struct PageTree {
    id: ObjectId,
    node: Dictionary,
    kids: Vec<Object>,
    pages: usize,
}

impl PageTree {
    fn of(doc: &Document) -> Result<Self, PdfError> {
        let broken = |what: &str| PdfError::Invalid(format!("the page tree is broken: {what}"));
        let id = doc
            .catalog()
            .and_then(|catalog| catalog.get(b"Pages"))
            .and_then(Object::as_reference)
            .map_err(|_| broken("the catalog has no /Pages reference"))?;
        let node = doc
            .get_dictionary(id)
            .map_err(|_| broken("/Pages is not a dictionary"))?
            .clone();
        let kids = node
            .get(b"Kids")
            .and_then(|kids| doc.dereference(kids))
            .and_then(|(_, kids)| kids.as_array())
            .map_err(|_| broken("the root has no /Kids array"))?
            .clone();
        Ok(PageTree {
            id,
            node,
            kids,
            pages: doc.get_pages().len(),
        })
    }

    /// Adds one page per evidence page to `doc` and the new version of the tree's root;
    /// returns the new pages' ids.
    fn extend(mut self, doc: &mut Document, pages: &[EvidencePage]) -> Result<Vec<ObjectId>, PdfError> {
        let mut added = Vec::with_capacity(pages.len());
        let mut fonts = Dictionary::new();
        for font in Font::ALL {
            let dict = dictionary! {
                "Type" => "Font",
                "Subtype" => "Type1",
                "BaseFont" => font.base_font(),
                "Encoding" => "WinAnsiEncoding",
            };
            fonts.set(font.resource(), add(doc, dict)?);
        }
        let total = self.pages + pages.len();
        for (i, page) in pages.iter().enumerate() {
            let drawn = layout::draw(doc, page, self.pages + i + 1, total)?;
            let mut content = Stream::new(Dictionary::new(), drawn.content);
            content
                .compress()
                .map_err(|e| PdfError::Invalid(format!("cannot compress the evidence page: {e}")))?;
            let contents = add(doc, content)?;
            let media_box = vec![0.into(), 0.into(), PAGE_WIDTH.into(), PAGE_HEIGHT.into()];
            // Every inheritable attribute is set, so nothing from the original tree bends the page.
            let page_dict = dictionary! {
                "Type" => "Page",
                "Parent" => self.id,
                "MediaBox" => media_box.clone(),
                "CropBox" => media_box,
                "Rotate" => 0,
                "Resources" => dictionary! {
                    "Font" => fonts.clone(),
                    "XObject" => drawn.xobjects,
                    "ProcSet" => vec!["PDF".into(), "Text".into(), "ImageB".into(), "ImageC".into()],
                },
                "Contents" => contents,
            };
            let id = add(doc, page_dict)?;
            self.kids.push(id.into());
            added.push(id);
        }
        self.node.set("Kids", self.kids);
        self.node.set("Count", i64::try_from(total).unwrap_or(i64::MAX));
        doc.set_object(self.id, self.node);
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    const CONTRACT: &[u8] = include_bytes!("../../livegate-server/tests/data/contract.pdf");
    const TWO_PAGES: &[u8] = include_bytes!("../../livegate-server/tests/data/two_pages.pdf");
    const LIMIT: usize = 1 << 20;
    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn encoded(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Vec::new();
        img.write_to(&mut Cursor::new(&mut bytes), format)
            .expect("encode test image");
        bytes
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, y| Rgb([(x * 4) as u8, (y * 4) as u8, 160]));
        encoded(DynamicImage::ImageRgb8(img), ImageFormat::Jpeg)
    }

    /// A dark stroke on a transparent background, like a canvas signature.
    fn drawn_png() -> Vec<u8> {
        let img = RgbaImage::from_fn(240, 80, |x, y| {
            let on_stroke = (i64::from(y) - 40 - (i64::from(x) / 6) % 20).abs() < 3;
            if on_stroke {
                Rgba([20, 30, 120, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        encoded(DynamicImage::ImageRgba8(img), ImageFormat::Png)
    }

    fn evidence(name: &str, captures: Vec<Vec<u8>>, signature: SignatureMark) -> EvidencePage {
        EvidencePage {
            heading: format!("Signature and evidence — {name}"),
            fields: vec![
                ("Signer".into(), format!("{name} <asha.rao@example.com>")),
                ("Signed at (UTC)".into(), "2025-01-31 09:15:02".into()),
                ("OTP channel".into(), "SMS to +44 7700 900123".into()),
                ("Liveness score".into(), "0.97 (acceptance 0.80)".into()),
                ("Face match".into(), "0.91 against the reference photo".into()),
                ("Document SHA-256".into(), SHA.into()),
            ],
            captures,
            signature,
        }
    }

    fn page_content(doc: &Document, number: u32) -> Vec<u8> {
        doc.get_page_content(doc.get_pages()[&number])
    }

    /// Appends `pages` and checks what every completed document must satisfy.
    fn complete(original: &[u8], pages: &[EvidencePage]) -> Document {
        let before = Document::load_mem(original).expect("fixture loads");
        let completed = append_evidence(original, pages).expect("appends");
        let after = Document::load_mem(&completed).expect("completed PDF loads");
        let original_pages = before.get_pages().len();
        assert_eq!(after.get_pages().len(), original_pages + pages.len());
        for number in 1..=original_pages as u32 {
            assert_eq!(
                page_content(&after, number),
                page_content(&before, number),
                "page {number}"
            );
        }
        let info = inspect(&completed, usize::MAX).expect("completed PDF passes inspection");
        assert_eq!(info.pages as usize, original_pages + pages.len());
        after
    }

    #[test]
    fn inspect_accepts_the_fixtures() {
        let info = inspect(CONTRACT, LIMIT).unwrap();
        assert_eq!(info.pages, 1);
        assert_eq!(info.bytes, CONTRACT.len());
        assert_eq!(info.sha256, hex::encode(Sha256::digest(CONTRACT)));
        assert_eq!(inspect(TWO_PAGES, LIMIT).unwrap().pages, 2);
        assert_eq!(inspect(CONTRACT, CONTRACT.len()).unwrap().pages, 1);
    }

    #[test]
    fn inspect_rejects_what_is_not_a_whole_pdf() {
        let png = encoded(DynamicImage::ImageRgb8(RgbImage::new(4, 4)), ImageFormat::Png);
        let truncated = &CONTRACT[..CONTRACT.len() * 6 / 10];
        let mut garbage = b"%PDF-1.4\n".to_vec();
        garbage.extend((0..2000u32).map(|i| (i * 7919 % 251) as u8));
        let mut garbage_with_eof = garbage.clone();
        garbage_with_eof.extend_from_slice(b"\n%%EOF\n");
        let no_pages = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
        for (what, bytes) in [
            ("empty", &[][..]),
            ("png", &png),
            ("truncated", truncated),
            ("garbage", &garbage),
            ("garbage ending in %%EOF", &garbage_with_eof),
            ("no pages", &no_pages[..]),
        ] {
            let err = inspect(bytes, LIMIT).expect_err(what);
            assert!(matches!(err, PdfError::Invalid(_)), "{what}: {err}");
            assert_eq!(err.code(), "invalid_pdf");
        }
    }

    #[test]
    fn inspect_rejects_oversize_input() {
        let err = inspect(CONTRACT, 1000).unwrap_err();
        assert!(matches!(err, PdfError::TooLarge { size, max: 1000 } if size == CONTRACT.len()));
        assert_eq!(err.code(), "payload_too_large");
        assert!(err.to_string().contains("limit is 1000 bytes"));
    }

    #[test]
    fn appends_one_page_per_signer_after_the_original() {
        let typed = evidence("Asha Rao", vec![], SignatureMark::Typed("Asha Rao".into()));
        let automated = evidence(
            "Acme HR",
            vec![],
            SignatureMark::Automated("Countersigned by Acme HR".into()),
        );
        for fixture in [CONTRACT, TWO_PAGES] {
            complete(fixture, std::slice::from_ref(&typed));
            let doc = complete(fixture, &[typed.clone(), automated.clone()]);
            let last = doc.get_pages().len() as u32;
            let text = doc.extract_text(&[last]).unwrap();
            assert!(text.contains("Countersigned by Acme HR"), "{text}");
            assert!(text.contains(&format!("page {last} of {last}")), "{text}");
        }
        assert_eq!(append_evidence(CONTRACT, &[]).unwrap(), CONTRACT);
    }

    #[test]
    fn the_original_bytes_stay_a_prefix() {
        let page = evidence("Asha Rao", vec![], SignatureMark::Typed("Asha Rao".into()));
        let completed = append_evidence(TWO_PAGES, &[page]).unwrap();
        assert!(completed.starts_with(TWO_PAGES));
    }

    #[test]
    fn evidence_page_carries_heading_fields_and_footer() {
        let page = evidence("Asha Rao", vec![], SignatureMark::Typed("Asha Rao".into()));
        let doc = complete(CONTRACT, &[page]);
        let text = doc.extract_text(&[2]).unwrap();
        for expected in ["Signature and evidence — Asha Rao", SHA, "OTP channel", "page 2 of 2"] {
            assert!(text.contains(expected), "{expected:?} missing from {text}");
        }
    }

    #[test]
    fn embeds_jpeg_captures_and_a_drawn_signature_with_alpha() {
        let captures = vec![jpeg(64, 48), jpeg(48, 64), jpeg(40, 40)];
        let page = evidence("Asha Rao", captures, SignatureMark::Drawn(drawn_png()));
        let doc = complete(TWO_PAGES, &[page]);
        let (resources, _) = doc.get_page_resources(doc.get_pages()[&3]).unwrap();
        let xobjects = resources.unwrap().get(b"XObject").and_then(Object::as_dict).unwrap();
        let image = |name: &[u8]| {
            let id = xobjects.get(name).and_then(Object::as_reference).unwrap();
            doc.get_object(id).and_then(Object::as_stream).unwrap().dict.clone()
        };
        for name in [&b"Im1"[..], b"Im2", b"Im3"] {
            let dict = image(name);
            assert_eq!(dict.get(b"Filter").and_then(Object::as_name).unwrap(), b"DCTDecode");
            assert_eq!(dict.get(b"ColorSpace").and_then(Object::as_name).unwrap(), b"DeviceRGB");
        }
        assert_eq!(image(b"Im2").get(b"Width").and_then(Object::as_i64).unwrap(), 48);
        let signature = image(b"Im4");
        assert_eq!(
            signature.get(b"Filter").and_then(Object::as_name).unwrap(),
            b"FlateDecode"
        );
        let mask_id = signature.get(b"SMask").and_then(Object::as_reference).unwrap();
        let mask = doc.get_object(mask_id).and_then(Object::as_stream).unwrap();
        assert_eq!(mask.decompressed_content().unwrap().len(), 240 * 80);
    }

    #[test]
    fn png_captures_and_long_tables_fit() {
        let png = encoded(DynamicImage::ImageRgb8(RgbImage::new(30, 20)), ImageFormat::Png);
        let mut page = evidence("Asha Rao", vec![png; 4], SignatureMark::Typed("A".repeat(200)));
        page.fields.push(("Notes".into(), "word ".repeat(400)));
        page.fields
            .extend((0..60).map(|i| (format!("Extra {i}"), "value".to_string())));
        let doc = complete(CONTRACT, &[page]);
        let text = doc.extract_text(&[2]).unwrap();
        assert!(text.contains("more field(s) not shown"), "{text}");
        assert!(text.contains("first 3 of 4"), "{text}");
    }

    #[test]
    fn rejects_a_broken_capture() {
        let page = evidence(
            "Asha Rao",
            vec![b"not an image".to_vec()],
            SignatureMark::Typed("A".into()),
        );
        let err = append_evidence(CONTRACT, &[page]).unwrap_err();
        assert_eq!(err.code(), "invalid_image");
        let mut bad_jpeg = jpeg(32, 32);
        bad_jpeg.truncate(bad_jpeg.len() / 2);
        let page = evidence("Asha Rao", vec![], SignatureMark::Drawn(bad_jpeg));
        assert_eq!(append_evidence(CONTRACT, &[page]).unwrap_err().code(), "invalid_image");
    }

    #[test]
    fn a_file_with_a_wrong_xref_offset_is_rewritten_whole() {
        let marker = b"startxref\n";
        let start = CONTRACT.windows(marker.len()).rposition(|w| w == marker).unwrap() + marker.len();
        let end = start + CONTRACT[start..].iter().position(|&b| b == b'\n').unwrap();
        let mut damaged = CONTRACT[..start].to_vec();
        damaged.extend_from_slice(b"17");
        damaged.extend_from_slice(&CONTRACT[end..]);
        assert_eq!(inspect(&damaged, LIMIT).unwrap().pages, 1);
        assert!(Document::load_mem(&damaged).unwrap().xref_recovery.is_some());
        let page = evidence("Asha Rao", vec![jpeg(16, 16)], SignatureMark::Typed("Asha Rao".into()));
        let doc = complete(&damaged, &[page]);
        assert!(doc.extract_text(&[2]).unwrap().contains(SHA));
    }

    #[test]
    fn works_on_files_with_object_and_cross_reference_streams() {
        let mut modern = Document::load_mem(TWO_PAGES).unwrap();
        let mut bytes = Vec::new();
        modern.save_modern(&mut bytes).unwrap();
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"/XRef") && has(b"/ObjStm") && !has(b"\nxref\n"));
        let page = evidence("Asha Rao", vec![jpeg(16, 16)], SignatureMark::Typed("Asha Rao".into()));
        let completed = append_evidence(&bytes, std::slice::from_ref(&page)).unwrap();
        assert!(completed.starts_with(&bytes));
        let doc = complete(&bytes, &[page]);
        assert!(doc.extract_text(&[3]).unwrap().contains(SHA));
    }
}
