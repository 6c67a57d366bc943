//! E-mail addresses.
use crate::error::FieldError;

/// A plausible e-mail address (local@domain.tld), at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        let invalid = || FieldError::new(field, "must be an e-mail address like name@example.org");
        if value.len() > 254 || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(invalid());
        }
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.contains(['<', '>', '(', ')', '[', ']', ',', ';', ':', '"', '\\']);
        if domain_ok && local_ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key for "the same address": case-insensitive.
    pub fn normalised(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn accepts_ordinary_addresses_and_rejects_the_rest() {
        for ok in [
            "a@b.de",
            "Jane.Doe+x@uni-jena.example.org",
            "müller@beispiel.de",
        ] {
            assert!(EmailAddress::parse("email", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.de",
            "a@.de",
            "a b@c.de",
            "a@b.de\r\nBcc: x@y.z",
            "<a@b.de>",
        ] {
            assert!(EmailAddress::parse("email", bad).is_err(), "{bad}");
        }
    }
}
