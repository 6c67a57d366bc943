//! The organisation's settings (issue 28): what public pages and mails show instead of the
//! word "podium". Each value is parsed here; the service stores what these types hold.
//!
//! The colour rule is WCAG 2.2's contrast ratio (success criterion 1.4.3, relative luminance as
//! defined there): the accent colours links on white and the text of buttons, so a colour that
//! would make links unreadable is refused at saving, not shown. The logo check reads the file's
//! own signature (PNG's eight bytes, an `<svg` root), never the name or the type a browser
//! claims; an SVG is served under a sandboxing `Content-Security-Policy` (scripts in it never
//! run), so its content needs no sanitiser.
use crate::domain::{text, EmailAddress, Validator};
use crate::error::{ApiError, FieldError};

/// The largest logo accepted, in bytes (256 KiB): a page header's logo needs far less.
pub const LOGO_MAX_BYTES: usize = 256 * 1024;

/// The organisation's settings as an admin saves them; every field may be left empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationSettings {
    /// One line, at most 200 characters.
    pub name: Option<String>,
    /// The mails' `Reply-To` where an event names no contact.
    pub contact: Option<EmailAddress>,
    pub accent_colour: Option<AccentColour>,
    pub imprint_url: Option<WebLink>,
    pub privacy_url: Option<WebLink>,
}

/// The settings as typed (the API's JSON and the page's form use the same names); `None` or
/// blank: not set.
#[derive(Debug, Default)]
pub struct RawSettings<'a> {
    pub name: Option<&'a str>,
    pub contact: Option<&'a str>,
    pub accent_colour: Option<&'a str>,
    pub imprint_url: Option<&'a str>,
    pub privacy_url: Option<&'a str>,
}

impl OrganisationSettings {
    /// Parses every field, reporting every error at its field (422).
    pub fn parse(raw: RawSettings<'_>) -> Result<Self, ApiError> {
        fn given(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|v| !v.is_empty())
        }
        let mut v = Validator::new();
        let name = given(raw.name).and_then(|n| v.check(text::one_line("name", n, 200)));
        let contact = given(raw.contact).and_then(|c| v.check(EmailAddress::parse("contact", c)));
        let accent_colour =
            given(raw.accent_colour).and_then(|c| v.check(AccentColour::parse("accent_colour", c)));
        let imprint_url =
            given(raw.imprint_url).and_then(|u| v.check(WebLink::parse("imprint_url", u)));
        let privacy_url =
            given(raw.privacy_url).and_then(|u| v.check(WebLink::parse("privacy_url", u)));
        v.finish()?;
        Ok(Self {
            name,
            contact,
            accent_colour,
            imprint_url,
            privacy_url,
        })
    }
}

/// An accent colour `#rrggbb` (lower case) with a contrast of at least 4.5:1 against white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccentColour(String);

impl AccentColour {
    /// The contrast a link's text needs on a white page (WCAG 2.2, 1.4.3, level AA).
    pub const MIN_CONTRAST: f64 = 4.5;

    /// Parses `#rrggbb` or `rrggbb` (either case). Errors: not six hex digits; too light for
    /// links on white (the message gives the ratio).
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let hex = value.trim().trim_start_matches('#');
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(FieldError::new(
                field,
                "must be a colour written #rrggbb, e.g. #0b5cad",
            ));
        }
        let colour = Self(format!("#{}", hex.to_ascii_lowercase()));
        let ratio = contrast(colour.luminance(), 1.0);
        if ratio < Self::MIN_CONTRAST {
            return Err(FieldError::new(
                field,
                format!(
                    "is too light to read as text on white (contrast {ratio:.1}:1, at least 4.5:1 needed)"
                ),
            ));
        }
        Ok(colour)
    }

    /// `#rrggbb`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// WCAG's relative luminance, 0 (black) to 1 (white).
    fn luminance(&self) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&self.0[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    /// The text colour on a button of this colour: white, or black where black reads better.
    pub fn ink(&self) -> &'static str {
        let l = self.luminance();
        if contrast(l, 1.0) >= contrast(l, 0.0) {
            "#ffffff"
        } else {
            "#000000"
        }
    }
}

/// WCAG's contrast ratio of two relative luminances, 1 to 21.
fn contrast(a: f64, b: f64) -> f64 {
    let (light, dark) = if a > b { (a, b) } else { (b, a) };
    (light + 0.05) / (dark + 0.05)
}

/// An absolute `https` or `http` URL with a host, at most 2 000 characters: the imprint and
/// the privacy policy live on the organisation's own website.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebLink(String);

impl WebLink {
    /// Errors: not an absolute http(s) URL with a host, longer than 2 000 characters, or with
    /// control characters or spaces.
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        let wrong = || {
            FieldError::new(
                field,
                "must be a web address starting with https://, e.g. https://cluster.example/impressum",
            )
        };
        if value.chars().count() > 2000 {
            return Err(FieldError::new(field, "must be at most 2000 characters"));
        }
        if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(wrong());
        }
        let url = url::Url::parse(value).map_err(|_| wrong())?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
            return Err(wrong());
        }
        Ok(Self(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The kinds of logo podium serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoType {
    Png,
    Svg,
}

impl LogoType {
    /// The media type it is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Svg => "image/svg+xml",
        }
    }

    /// The media type read back from the database.
    pub fn from_media_type(value: &str) -> Option<Self> {
        match value {
            "image/png" => Some(Self::Png),
            "image/svg+xml" => Some(Self::Svg),
            _ => None,
        }
    }
}

/// A logo file, checked by its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub kind: LogoType,
    pub bytes: Vec<u8>,
}

impl Logo {
    /// Reads `bytes` as a PNG (its signature) or an SVG (UTF-8 text whose first element is
    /// `<svg`, after an optional XML declaration, comments and doctype). Errors (field `logo`):
    /// empty, larger than [`LOGO_MAX_BYTES`], or neither.
    pub fn parse(bytes: Vec<u8>) -> Result<Self, FieldError> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.is_empty() {
            return Err(FieldError::new("logo", "choose a PNG or SVG file"));
        }
        if bytes.len() > LOGO_MAX_BYTES {
            return Err(FieldError::new(
                "logo",
                format!(
                    "is {} KiB: at most {} KiB",
                    bytes.len().div_ceil(1024),
                    LOGO_MAX_BYTES / 1024
                ),
            ));
        }
        if bytes.starts_with(PNG) {
            return Ok(Self {
                kind: LogoType::Png,
                bytes,
            });
        }
        if std::str::from_utf8(&bytes).is_ok_and(is_svg) {
            return Ok(Self {
                kind: LogoType::Svg,
                bytes,
            });
        }
        Err(FieldError::new("logo", "must be a PNG or an SVG file"))
    }
}

/// Whether the text's first element is `<svg` (skipping a BOM, an XML declaration, comments,
/// processing instructions and a doctype).
fn is_svg(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            let Some(end) = after.find("?>") else {
                return false;
            };
            rest = after[end + 2..].trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else {
                return false;
            };
            rest = after[end + 3..].trim_start();
        } else if let Some(after) = rest.strip_prefix("<!") {
            let Some(end) = after.find('>') else {
                return false;
            };
            rest = after[end + 1..].trim_start();
        } else {
            return rest
                .strip_prefix("<svg")
                .is_some_and(|after| after.starts_with(|c: char| c.is_whitespace() || c == '>'));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_accent_passes_and_a_light_yellow_is_refused_with_its_ratio() {
        assert_eq!(
            AccentColour::parse("a", "#0B5CAD").unwrap().as_str(),
            "#0b5cad"
        );
        assert_eq!(AccentColour::parse("a", "0b5cad").unwrap().ink(), "#ffffff");
        let error = AccentColour::parse("a", "#ffd700").unwrap_err();
        assert!(error.message.contains("1.4:1"), "{}", error.message);
        // #767676 is the lightest grey with 4.5:1 on white; #777777 is not.
        assert!(AccentColour::parse("a", "#767676").is_ok());
        assert!(AccentColour::parse("a", "#777777").is_err());
        assert!(AccentColour::parse("a", "#12345").is_err());
        assert!(AccentColour::parse("a", "red").is_err());
    }

    #[test]
    fn links_must_be_absolute_web_addresses() {
        assert_eq!(
            WebLink::parse("l", " https://cluster.example/impressum ")
                .unwrap()
                .as_str(),
            "https://cluster.example/impressum"
        );
        for wrong in [
            "javascript:alert(1)",
            "cluster.example/impressum",
            "ftp://cluster.example/",
            "https://",
            "https://a b.example/",
            "data:text/html,hi",
        ] {
            assert!(WebLink::parse("l", wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn a_logo_is_known_by_its_content() {
        let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
        assert_eq!(Logo::parse(png).unwrap().kind, LogoType::Png);
        let svg = br#"<?xml version="1.0"?><!-- made by hand --><!DOCTYPE svg><svg xmlns="http://www.w3.org/2000/svg"/>"#;
        assert_eq!(Logo::parse(svg.to_vec()).unwrap().kind, LogoType::Svg);
        assert!(Logo::parse(b"<html><svg></svg></html>".to_vec()).is_err());
        assert!(Logo::parse(b"<svgx>".to_vec()).is_err());
        assert!(Logo::parse(b"GIF89a".to_vec()).is_err());
        assert!(Logo::parse(Vec::new()).is_err());
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(LOGO_MAX_BYTES + 1, 0);
        assert!(Logo::parse(big).unwrap_err().message.contains("257 KiB"));
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let error = OrganisationSettings::parse(RawSettings {
            name: Some("  "),
            contact: Some("not an address"),
            accent_colour: Some("#ffff00"),
            imprint_url: Some("nope"),
            privacy_url: Some("https://cluster.example/datenschutz"),
        })
        .unwrap_err();
        let ApiError::Validation { errors, .. } = error else {
            panic!("{error:?}")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["contact", "accent_colour", "imprint_url"]);
    }
}
