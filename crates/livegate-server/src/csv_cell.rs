//! Text cells of every CSV the server writes. A spreadsheet runs a cell that begins with `=`,
//! `+`, `-` or `@` (and, in some, a tab or carriage return before one) as a formula, so a
//! signer's `User-Agent` of `=HYPERLINK(...)` would run in the admin's spreadsheet. OWASP's rule:
//! such cells get a leading `'`, which spreadsheets show as text and do not evaluate.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` safe to put in a CSV cell: unchanged unless it begins with a formula character,
/// then prefixed with `'`. Quoting of commas and quotes stays the CSV writer's job.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_other_text_is_kept() {
        for (input, out) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Mozilla/5.0", "Mozilla/5.0"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(input), out, "{input:?}");
        }
    }
}
