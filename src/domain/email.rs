//! E-mail addresses: what podium accepts (only what it can deliver), the form it sends to, and
//! the canonical key that says "the same mailbox".
use unicode_normalization::UnicodeNormalization;

use crate::error::FieldError;

/// An address podium can deliver to: `local@domain`, at most 254 characters (RFC 5321 §4.5.3.1).
///
/// - The local part is a dot-atom (RFC 5322 §3.4.1): 1 to 64 octets, no leading, trailing or
///   doubled dot, none of `<>()[],;:"\@`; it is kept in Unicode normal form C (RFC 6532 §3.1).
/// - The domain must pass IDNA 2008 / UTS 46 (`idna::domain_to_ascii_strict`: labels of 1 to 63
///   octets, no label starting or ending with `-`, letters, digits and `-` only) and have at
///   least two labels. A domain written in Unicode (`bücher.example`) is kept in its ASCII form
///   (`xn--bcher-kva.example`), the form plain SMTP carries; an ASCII domain is kept as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

/// Providers that document dots in the local part as ignored (`j.doe@gmail.com` is
/// `jdoe@gmail.com`); everywhere else a dot is part of the mailbox's name.
const DOTLESS_DOMAINS: [&str; 2] = ["gmail.com", "googlemail.com"];

impl EmailAddress {
    /// Checks `value` (the request's field `field`); errors say what an address looks like.
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        let invalid = || FieldError::new(field, "must be an e-mail address like name@example.org");
        if value.len() > 254 || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(invalid());
        }
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        let local: String = local.nfc().collect();
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && !local.contains(['@', '<', '>', '(', ')', '[', ']', ',', ';', ':', '"', '\\']);
        if !local_ok {
            return Err(invalid());
        }
        let ascii = ascii_domain(domain).ok_or_else(invalid)?;
        let domain = if domain.is_ascii() { domain } else { &ascii };
        let address = format!("{local}@{domain}");
        if address.len() > 254 {
            return Err(invalid());
        }
        Ok(Self(address))
    }

    /// The address as podium stores and sends it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lower-cased address: what the organisers' search looks in.
    pub fn normalised(&self) -> String {
        self.0.to_lowercase()
    }

    /// The canonical key of the mailbox, for "one mailbox, one seat" (see [`mailbox_key`]).
    pub fn mailbox(&self) -> String {
        mailbox_key(&self.0).unwrap_or_else(|| self.normalised())
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The domain in its ASCII (punycode) form, if it is a valid host name with at least two labels.
fn ascii_domain(domain: &str) -> Option<String> {
    let ascii = idna::domain_to_ascii_strict(domain).ok()?;
    let labels_ok = ascii.split('.').count() >= 2
        && ascii
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63);
    labels_ok.then_some(ascii)
}

/// The canonical key of an address's mailbox: two spellings that reach the same person have
/// the same key.
///
/// 1. The local part in Unicode normal form KC (composed and decomposed `ü` are one letter,
///    full-width `ｖｉｃｔｉｍ` is `victim`), lower-cased.
/// 2. A `+tag` is dropped (`victim+1@` is `victim@`): sub-addressing, RFC 5233.
/// 3. Dots are dropped only at Gmail (`gmail.com`, `googlemail.com`, which documents them as
///    ignored); elsewhere `v.ictim@` may be another person, and treating it as `victim@` would
///    let anybody lock a stranger out by registering a dotted spelling first.
/// 4. The domain in its IDNA ASCII form (UTS 46), lower-case: `bücher.example` and
///    `xn--bcher-kva.example` are one domain.
///
/// `None` when `address` has no `@` or an invalid domain.
pub fn mailbox_key(address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    let mut domain = ascii_domain(domain)?;
    let folded: String = local.nfkc().collect::<String>().to_lowercase();
    let mut local: String = folded.nfkc().collect();
    if let Some((base, _tag)) = local.split_once('+') {
        if !base.is_empty() {
            local = base.to_owned();
        }
    }
    if DOTLESS_DOMAINS.contains(&domain.as_str()) {
        local.retain(|c| c != '.');
        domain = "gmail.com".to_owned();
    }
    Some(format!("{local}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    fn key(address: &str) -> String {
        EmailAddress::parse("email", address).unwrap().mailbox()
    }

    #[test]
    fn accepts_ordinary_addresses_and_rejects_the_rest() {
        for ok in [
            "a@b.de",
            "Jane.Doe+x@uni-jena.example.org",
            "müller@beispiel.de",
            "info@bücher.example",
        ] {
            assert!(EmailAddress::parse("email", ok).is_ok(), "{ok}");
        }
        let long_label = format!("x@{}.example", "a".repeat(64));
        for bad in [
            "",
            "a",
            "a@b",
            "@b.de",
            "a@.de",
            "a b@c.de",
            "a@b.de\r\nBcc: x@y.z",
            "<a@b.de>",
            "a..b@example.org",
            ".lead@example.org",
            "trail.@example.org",
            "x@-lead.example",
            "x@trail-.example",
            "x@under_score.example",
            long_label.as_str(),
        ] {
            assert!(EmailAddress::parse("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_unicode_domain_is_kept_in_the_ascii_form_that_plain_smtp_carries() {
        let address = EmailAddress::parse("email", "info@bücher.example").unwrap();
        assert_eq!(address.as_str(), "info@xn--bcher-kva.example");
        let typed = EmailAddress::parse("email", "Jane@Example.ORG").unwrap();
        assert_eq!(typed.as_str(), "Jane@Example.ORG");
    }

    #[test]
    fn spellings_of_one_mailbox_have_one_key() {
        let victim = key("victim@example.org");
        for spelling in [
            "VICTIM@EXAMPLE.org",
            "victim+1@example.org",
            "VICTIM+x@EXAMPLE.org",
            "ｖｉｃｔｉｍ@example.org",
            "ＶＩＣＴＩＭ+７@ｅｘａｍｐｌｅ.org",
        ] {
            assert_eq!(key(spelling), victim, "{spelling}");
        }
        assert_ne!(key("v.ictim@example.org"), victim);
        assert_eq!(key("j.doe+x@googlemail.com"), key("jdoe@gmail.com"));
        assert_eq!(
            key("jürgen.groß@beispiel.example"),
            key("ju\u{308}rgen.groß@beispiel.example")
        );
        assert_eq!(
            key("info@bücher.example"),
            key("info@xn--bcher-kva.example")
        );
    }
}
