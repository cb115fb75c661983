//! The signature-and-evidence page drawn as a content stream: heading, field table, face-capture
//! thumbnails, the signature and the footer, top to bottom on an A4 page. Sections below the
//! table get their space first, so the table is cut short (with a note) rather than anything
//! running off the page.

use lopdf::{Dictionary, Document, Object};

use super::images::{add_image, Placed, Seen};
use super::text::{literal, width, wrap, Font};
use super::{EvidencePage, PdfError, SignatureMark};

/// A4 width in points.
pub(super) const PAGE_WIDTH: f32 = 595.0;
/// A4 height in points.
pub(super) const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

const HEADING_SIZE: f32 = 16.0;
const BODY_SIZE: f32 = 9.0;
const BODY_LEADING: f32 = 11.5;
const SECTION_SIZE: f32 = 11.0;
const LABEL_WIDTH: f32 = 150.0;
const VALUE_X: f32 = MARGIN + LABEL_WIDTH + 10.0;
const VALUE_WIDTH: f32 = PAGE_WIDTH - MARGIN - VALUE_X;
/// A value longer than this many lines is cut with `…`.
const MAX_VALUE_LINES: usize = 8;
const ROW_PADDING: f32 = 4.0;

/// Face captures drawn; any beyond are counted in the section title.
pub(super) const MAX_CAPTURES: usize = 3;
const THUMB_WIDTH: f32 = 150.0;
const THUMB_MAX_HEIGHT: f32 = 160.0;
const SIGNATURE_WIDTH: f32 = 300.0;
const SIGNATURE_HEIGHT: f32 = 80.0;
const TYPED_SIZE: f32 = 28.0;
const FOOTER_Y: f32 = 30.0;

/// The drawing and the images one evidence page needs.
pub(super) struct Drawn {
    /// The page's content stream, uncompressed.
    pub content: Vec<u8>,
    /// The page's `/XObject` resources.
    pub xobjects: Dictionary,
}

/// Draws `page` as page `number` of `total`, adding its images to `doc`.
pub(super) fn draw(doc: &mut Document, page: &EvidencePage, number: usize, total: usize) -> Result<Drawn, PdfError> {
    let mut ops = Ops::default();
    let mut xobjects = Dictionary::new();
    let mut place = |doc: &mut Document, bytes: &[u8], what: &str, seen: Seen| -> Result<(String, Placed), PdfError> {
        let placed = add_image(doc, bytes, what, seen)?;
        let name = format!("Im{}", xobjects.len() + 1);
        xobjects.set(name.as_bytes(), Object::Reference(placed.id));
        Ok((name, placed))
    };
    let captures = page
        .captures
        .iter()
        .take(MAX_CAPTURES)
        .enumerate()
        .map(|(i, bytes)| place(doc, bytes, &format!("face capture {}", i + 1), Seen::Decoded))
        .collect::<Result<Vec<_>, _>>()?;
    let drawn_signature = match &page.signature {
        SignatureMark::Drawn(png) => Some(place(doc, png, "the drawn signature", Seen::Unchecked)?),
        SignatureMark::Typed(_) | SignatureMark::Automated(_) => None,
    };

    // Heading.
    let mut y = PAGE_HEIGHT - MARGIN - HEADING_SIZE;
    for line in wrap(&page.heading, Font::Bold, HEADING_SIZE, CONTENT_WIDTH, 2) {
        ops.text(Font::Bold, HEADING_SIZE, MARGIN, y, &line);
        y -= HEADING_SIZE * 1.25;
    }
    ops.gray(0.35);
    let note = "This page was appended after signing. It records how the signer was identified \
                and how the signature was made.";
    for line in wrap(note, Font::Regular, 8.5, CONTENT_WIDTH, 2) {
        ops.text(Font::Regular, 8.5, MARGIN, y, &line);
        y -= 10.5;
    }
    ops.gray(0.0);
    y -= 4.0;
    ops.rule(MARGIN, y, PAGE_WIDTH - MARGIN, 0.8, 0.0);

    // Field table, above the space the sections below it need.
    let captures_height = if captures.is_empty() {
        0.0
    } else {
        2.0 * SECTION_SIZE + THUMB_MAX_HEIGHT + 16.0
    };
    let signature_height = 2.0 * SECTION_SIZE + SIGNATURE_HEIGHT + 34.0;
    let floor = FOOTER_Y + 20.0 + captures_height + signature_height;
    let mut shown = 0;
    for (label, value) in &page.fields {
        let labels = wrap(label, Font::Bold, BODY_SIZE, LABEL_WIDTH, 3);
        let values = wrap(value, Font::Regular, BODY_SIZE, VALUE_WIDTH, MAX_VALUE_LINES);
        let height = labels.len().max(values.len()) as f32 * BODY_LEADING + 2.0 * ROW_PADDING;
        if y - height < floor + BODY_LEADING {
            break;
        }
        let first = y - ROW_PADDING - BODY_SIZE;
        for (i, line) in labels.iter().enumerate() {
            ops.text(Font::Bold, BODY_SIZE, MARGIN, first - i as f32 * BODY_LEADING, line);
        }
        for (i, line) in values.iter().enumerate() {
            ops.text(Font::Regular, BODY_SIZE, VALUE_X, first - i as f32 * BODY_LEADING, line);
        }
        y -= height;
        ops.rule(MARGIN, y, PAGE_WIDTH - MARGIN, 0.4, 0.75);
        shown += 1;
    }
    let hidden = page.fields.len() - shown;
    if hidden > 0 {
        y -= BODY_LEADING;
        let note = format!("… {hidden} more field(s) not shown: the page has no room for them.");
        ops.text(Font::Oblique, BODY_SIZE, MARGIN, y, &note);
    }

    // Face captures in a row, top-aligned, each framed.
    if !captures.is_empty() {
        y -= 2.0 * SECTION_SIZE;
        let mut title = "Face captures".to_string();
        if page.captures.len() > MAX_CAPTURES {
            title = format!("{title} (first {MAX_CAPTURES} of {})", page.captures.len());
        }
        ops.text(Font::Bold, SECTION_SIZE, MARGIN, y, &title);
        y -= 8.0;
        let gap = (CONTENT_WIDTH - MAX_CAPTURES as f32 * THUMB_WIDTH) / (MAX_CAPTURES as f32 - 1.0);
        let mut row_height: f32 = 0.0;
        for (i, (name, placed)) in captures.iter().enumerate() {
            let (w, h) = fit(placed, THUMB_WIDTH, THUMB_MAX_HEIGHT);
            let x = MARGIN + i as f32 * (THUMB_WIDTH + gap);
            ops.image(name, x, y - h, w, h);
            ops.frame(x, y - h, w, h);
            row_height = row_height.max(h);
        }
        y -= row_height;
    }

    // Signature.
    y -= 2.0 * SECTION_SIZE;
    ops.text(Font::Bold, SECTION_SIZE, MARGIN, y, "Signature");
    y -= 8.0;
    let caption = match &page.signature {
        SignatureMark::Drawn(_) => {
            if let Some((name, placed)) = &drawn_signature {
                let (w, h) = fit(placed, SIGNATURE_WIDTH, SIGNATURE_HEIGHT);
                ops.image(name, MARGIN, y - SIGNATURE_HEIGHT + (SIGNATURE_HEIGHT - h) / 2.0, w, h);
            }
            "Drawn by the signer"
        }
        SignatureMark::Typed(name) => {
            // As large as fits on the line, but never below a readable size; a name still too
            // long at that size is cut.
            let natural = width(Font::Oblique, name, TYPED_SIZE).max(1.0);
            let size = (TYPED_SIZE * SIGNATURE_WIDTH / natural).clamp(12.0, TYPED_SIZE);
            let line = wrap(name, Font::Oblique, size, SIGNATURE_WIDTH, 1).concat();
            ops.text(Font::Oblique, size, MARGIN, y - SIGNATURE_HEIGHT + 18.0, &line);
            "Typed by the signer"
        }
        SignatureMark::Automated(label) => {
            let lines = wrap(label, Font::Bold, SECTION_SIZE, SIGNATURE_WIDTH - 20.0, 3);
            let height = lines.len() as f32 * 14.0 + 16.0;
            let top = y - (SIGNATURE_HEIGHT - height) / 2.0;
            ops.frame(MARGIN, top - height, SIGNATURE_WIDTH, height);
            for (i, line) in lines.iter().enumerate() {
                let baseline = top - 8.0 - SECTION_SIZE - i as f32 * 14.0;
                ops.text(Font::Bold, SECTION_SIZE, MARGIN + 10.0, baseline, line);
            }
            "Applied automatically, not by the signer's hand"
        }
    };
    y -= SIGNATURE_HEIGHT + 4.0;
    ops.rule(MARGIN, y, MARGIN + SIGNATURE_WIDTH, 0.6, 0.0);
    ops.gray(0.35);
    ops.text(Font::Regular, 8.0, MARGIN, y - 11.0, caption);

    // Footer.
    let footer = format!("Appended by Livegate — page {number} of {total}");
    let x = (PAGE_WIDTH - width(Font::Regular, &footer, 8.0)) / 2.0;
    ops.text(Font::Regular, 8.0, x, FOOTER_Y, &footer);
    Ok(Drawn {
        content: ops.0,
        xobjects,
    })
}

/// The size an image is drawn at inside a `max_w` x `max_h` box, keeping its aspect ratio.
fn fit(placed: &Placed, max_w: f32, max_h: f32) -> (f32, f32) {
    let (w, h) = (placed.width.max(1) as f32, placed.height.max(1) as f32);
    let scale = (max_w / w).min(max_h / h);
    (w * scale, h * scale)
}

/// A content stream being written.
#[derive(Default)]
struct Ops(Vec<u8>);

impl Ops {
    fn push(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    fn text(&mut self, font: Font, size: f32, x: f32, y: f32, text: &str) {
        self.push(&format!(
            "BT /{} {} Tf {} {} Td (",
            font.resource(),
            num(size),
            num(x),
            num(y)
        ));
        self.0.extend_from_slice(&literal(text));
        self.push(") Tj ET\n");
    }

    /// Sets the fill colour (text) to a gray level, 0 black to 1 white.
    fn gray(&mut self, level: f32) {
        self.push(&format!("{} g\n", num(level)));
    }

    fn rule(&mut self, x1: f32, y: f32, x2: f32, line_width: f32, gray: f32) {
        self.push(&format!(
            "q {} G {} w {} {} m {} {} l S Q\n",
            num(gray),
            num(line_width),
            num(x1),
            num(y),
            num(x2),
            num(y)
        ));
    }

    fn frame(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.push(&format!(
            "q 0.6 G 0.5 w {} {} {} {} re S Q\n",
            num(x),
            num(y),
            num(w),
            num(h)
        ));
    }

    fn image(&mut self, name: &str, x: f32, y: f32, w: f32, h: f32) {
        self.push(&format!(
            "q {} 0 0 {} {} {} cm /{name} Do Q\n",
            num(w),
            num(h),
            num(x),
            num(y)
        ));
    }
}

/// A number as PDF content syntax: at most two decimals, never exponent notation or NaN.
fn num(value: f32) -> String {
    if !value.is_finite() {
        return "0".to_string();
    }
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}
