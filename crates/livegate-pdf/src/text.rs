//! Text for the evidence page: WinAnsi encoding, Helvetica metrics and line wrapping for the
//! standard (non-embedded) Type1 fonts, so strings can be measured and placed without a font file.

/// The standard fonts the evidence page uses; none is embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
    /// Helvetica-Oblique (same widths as Helvetica).
    Oblique,
}

impl Font {
    /// The resource name the page's font dictionary uses for this font.
    pub(super) fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
            Font::Oblique => "F3",
        }
    }

    /// The PostScript name of the standard font.
    pub(super) fn base_font(self) -> &'static str {
        match self {
            Font::Regular => "Helvetica",
            Font::Bold => "Helvetica-Bold",
            Font::Oblique => "Helvetica-Oblique",
        }
    }

    /// All fonts, in resource order.
    pub(super) const ALL: [Font; 3] = [Font::Regular, Font::Bold, Font::Oblique];
}

/// The byte a character has in WinAnsiEncoding, or `?` when it has none (control characters
/// included, so nothing can break out of a string or a line).
pub(super) fn winansi(c: char) -> u8 {
    let code = u32::from(c);
    match code {
        0x20..=0x7E | 0xA0..=0xFF => code as u8,
        _ => match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8A,
            '‹' => 0x8B,
            'Œ' => 0x8C,
            'Ž' => 0x8E,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9A,
            '›' => 0x9B,
            'œ' => 0x9C,
            'ž' => 0x9E,
            'Ÿ' => 0x9F,
            _ => b'?',
        },
    }
}

/// `text` as a PDF literal string body in WinAnsi: `(`, `)` and `\` escaped, no delimiters.
pub(super) fn literal(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for byte in text.chars().map(winansi) {
        if matches!(byte, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(byte);
    }
    out
}

/// The advance width of `text` set in `font` at `size` points.
pub(super) fn width(font: Font, text: &str, size: f32) -> f32 {
    let table = match font {
        Font::Bold => &HELVETICA_BOLD,
        Font::Regular | Font::Oblique => &HELVETICA,
    };
    let units: u32 = text
        .chars()
        .map(|c| u32::from(table[usize::from(winansi(c) - 0x20)]))
        .sum();
    units as f32 * size / 1000.0
}

/// Breaks `text` into lines no wider than `max_width`: at spaces where possible, inside words
/// that are wider than a line on their own (a hash, a long e-mail address), and at newlines.
/// At most `max_lines` lines are kept; when text is dropped the last line ends with `…`.
pub(super) fn wrap(text: &str, font: Font, size: f32, max_width: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if width(font, &candidate, size) <= max_width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word starts a line; split it wherever it overflows.
            for c in word.chars() {
                line.push(c);
                if width(font, &line, size) > max_width && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
        }
        lines.push(line);
    }
    if lines.len() > max_lines.max(1) {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(last, font, size, max_width);
        }
    }
    lines
}

/// `text` shortened so that it, followed by `…`, fits in `max_width`.
pub(super) fn ellipsize(text: &str, font: Font, size: f32, max_width: f32) -> String {
    let mut kept: String = text.trim_end().to_string();
    while !kept.is_empty() && width(font, &format!("{kept}…"), size) > max_width {
        kept.pop();
    }
    format!("{}…", kept.trim_end())
}

/// Helvetica advance widths (1/1000 em) for WinAnsi codes 0x20..=0xFF, from Adobe's AFM;
/// codes WinAnsi leaves undefined are 0 and never produced by [`winansi`].
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 333, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 333, 0,
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Helvetica-Bold advance widths, laid out like [`HELVETICA`].
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 333, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 333, 0,
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_winansi_and_escapes() {
        assert_eq!(literal("a(b)\\c"), b"a\\(b\\)\\\\c");
        assert_eq!(literal("é — ✓\n"), vec![0xE9, b' ', 0x97, b' ', b'?', b'?']);
    }

    #[test]
    fn wraps_long_words_and_truncates() {
        let hash = "ab".repeat(40);
        let lines = wrap(&hash, Font::Regular, 9.0, 200.0, 10);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), hash);
        assert!(lines.iter().all(|l| width(Font::Regular, l, 9.0) <= 200.0));
        let lines = wrap(&"word ".repeat(200), Font::Regular, 9.0, 100.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…') && width(Font::Regular, &lines[2], 9.0) <= 100.0);
    }
}
