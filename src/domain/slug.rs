//! `Slug`: the URL name of an event or a series, checked once where a request brings it.
use std::fmt;

use crate::error::FieldError;

/// Longest slug, in bytes (ASCII only, so also in characters).
pub const SLUG_MAX: usize = 100;

/// A URL-safe identifier: `[a-z0-9-]`, 1 to [`SLUG_MAX`] characters, no leading or trailing
/// dash. Only [`Slug::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Checks `value` as the request's `field`; the error names the field and the rule (a 422).
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let ok = !value.is_empty()
            && value.len() <= SLUG_MAX
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "must be 1 to 100 characters of a-z, 0-9 and '-', not starting or ending with '-'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn a_slug_is_lowercase_ascii_digits_and_inner_dashes() {
        for good in ["jt", "jahrestagung-2026", "a", &"x".repeat(100)] {
            assert_eq!(
                Slug::parse("slug", good).map(Slug::into_inner),
                Ok(good.to_owned())
            );
        }
        for bad in ["", "-jt", "jt-", "JT", "j t", "jä", &"x".repeat(101)] {
            let err = Slug::parse("series", bad).expect_err(bad);
            assert_eq!(err.field, "series", "{bad}");
        }
    }
}
