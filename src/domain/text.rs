//! Text fields: trimmed, bounded, free of control characters.
use crate::error::{ApiError, FieldError};

/// Collects every field error of a request so the client hears of all of them at once.
#[derive(Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records the error and gives `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

/// The bidirectional formatting characters that reorder the text after them: the embeddings
/// and overrides U+202A–U+202E and the isolates U+2066–U+2069 (Unicode's bidirectional
/// algorithm, UAX #9). A name holding U+202E ("right-to-left override") shows the rest of a
/// line reversed, on a badge, a list or a mail: people's text never needs them (right-to-left
/// names read right without them), so text fields refuse them.
pub fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A one-line field: trimmed, 1..=max characters, no control characters at all.
pub fn one_line(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    optional_line(field, value, max)
}

/// Like [`one_line`], but may be empty.
pub fn optional_line(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters or line breaks",
        ));
    }
    if value.chars().any(is_bidi_override) {
        return Err(FieldError::new(
            field,
            "must not contain characters that reverse the text's direction (U+202A–U+202E, U+2066–U+2069)",
        ));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A multi-line field: line breaks and tabs allowed, other control characters not; may be empty.
pub fn multi_line(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim().replace("\r\n", "\n").replace('\r', "\n");
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    if value.chars().any(is_bidi_override) {
        return Err(FieldError::new(
            field,
            "must not contain characters that reverse the text's direction (U+202A–U+202E, U+2066–U+2069)",
        ));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value)
}

/// Derives a slug from a title: `Jahrestagung 2026 — Materialien` → `jahrestagung-2026-materialien`.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                slug.push(c);
                continue;
            }
            _ => "-",
        };
        slug.push_str(mapped);
    }
    let mut collapsed = String::with_capacity(slug.len());
    for part in slug.split('-').filter(|p| !p.is_empty()) {
        if !collapsed.is_empty() {
            collapsed.push('-');
        }
        collapsed.push_str(part);
    }
    collapsed.truncate(80);
    let collapsed = collapsed.trim_end_matches('-').to_owned();
    if collapsed.is_empty() {
        "event".to_owned()
    } else {
        collapsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_rejects_line_breaks_and_bounds_length() {
        assert!(one_line("title", "a\nb", 10).is_err());
        assert!(one_line("title", "  ", 10).is_err());
        assert!(one_line("title", "ääääää", 6).is_ok());
        assert!(one_line("title", "ääääääa", 6).is_err());
        assert_eq!(one_line("title", "  x ", 6).unwrap(), "x");
    }

    #[test]
    fn text_that_would_reverse_what_follows_is_refused_and_right_to_left_text_is_not() {
        // "Ada" then U+202E: what follows would show as "Lovelace" reversed.
        assert!(one_line("name", "Ada \u{202e}ecalevoL", 200).is_err());
        assert!(optional_line("organisation", "\u{2066}x\u{2069}", 200).is_err());
        assert!(multi_line("abstract", "a\n\u{202d}b", 200).is_err());
        assert_eq!(one_line("name", "سارا أحمد", 200).unwrap(), "سارا أحمد");
        assert_eq!(one_line("name", "דוד לוי", 200).unwrap(), "דוד לוי");
        // The marks that only hint a direction (U+200E, U+200F) reorder nothing after them.
        assert!(one_line("name", "Ada\u{200f}", 200).is_ok());
    }

    #[test]
    fn titles_become_lowercase_ascii_slugs_with_dashes() {
        assert_eq!(
            slugify("Jahrestagung 2026 — Größe & Co."),
            "jahrestagung-2026-groesse-co"
        );
        assert_eq!(slugify("!!!"), "event");
    }
}
