//! Webhooks (issue 31): the event types an endpoint subscribes to, its URL, the addresses a
//! delivery must never reach, and the Standard Webhooks signature
//! (<https://www.standardwebhooks.com/>, `spec/standard-webhooks.md`).
//!
//! An endpoint's secret is never stored: it is derived from the server secret and the
//! endpoint's id (HMAC-SHA256, like the manage tokens of [`super::token`]), shown once when
//! the endpoint is made, and derived again to sign each delivery. Changing the server secret
//! therefore changes every endpoint's secret (the endpoints must then be made again).
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use hmac::{KeyInit, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use url::Url;
use uuid::Uuid;

use crate::error::FieldError;

/// Longest endpoint URL, in bytes.
pub const URL_MAX: usize = 2000;

/// What happened, as the `type` of a delivery and the words an endpoint subscribes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    RegistrationCreated,
    RegistrationConfirmed,
    RegistrationCancelled,
    RegistrationCheckedIn,
    PitchSubmitted,
    PitchAccepted,
    PitchRejected,
    ExhibitDecided,
    ScheduleReleased,
    EventPublished,
    EventCancelled,
}

impl EventType {
    /// Every type, in the order the documentation lists them.
    pub const ALL: [EventType; 11] = [
        Self::RegistrationCreated,
        Self::RegistrationConfirmed,
        Self::RegistrationCancelled,
        Self::RegistrationCheckedIn,
        Self::PitchSubmitted,
        Self::PitchAccepted,
        Self::PitchRejected,
        Self::ExhibitDecided,
        Self::ScheduleReleased,
        Self::EventPublished,
        Self::EventCancelled,
    ];

    /// The API's word, e.g. `registration.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RegistrationCreated => "registration.created",
            Self::RegistrationConfirmed => "registration.confirmed",
            Self::RegistrationCancelled => "registration.cancelled",
            Self::RegistrationCheckedIn => "registration.checked_in",
            Self::PitchSubmitted => "pitch.submitted",
            Self::PitchAccepted => "pitch.accepted",
            Self::PitchRejected => "pitch.rejected",
            Self::ExhibitDecided => "exhibit.decided",
            Self::ScheduleReleased => "schedule.released",
            Self::EventPublished => "event.published",
            Self::EventCancelled => "event.cancelled",
        }
    }

    /// The type a word names, if any.
    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == word)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The event types of a new endpoint: 1 to 11 known words, duplicates dropped, sorted.
pub fn parse_event_types(field: &str, words: &[String]) -> Result<Vec<EventType>, FieldError> {
    if words.is_empty() {
        return Err(FieldError::new(field, "must name at least one event type"));
    }
    let mut types = Vec::with_capacity(words.len());
    for word in words {
        match EventType::from_word(word) {
            Some(t) => types.push(t),
            None => {
                return Err(FieldError::new(
                    field,
                    format!(
                        "'{}' is not an event type; known: {}",
                        word.chars().take(60).collect::<String>(),
                        EventType::ALL.map(EventType::as_str).join(", ")
                    ),
                ))
            }
        }
    }
    types.sort();
    types.dedup();
    Ok(types)
}

/// An endpoint's URL: absolute `https` (or `http` where private targets are allowed), with a
/// host, without user or password, at most [`URL_MAX`] bytes. Where private targets are not
/// allowed, a host that is an IP address podium must not reach, or `localhost`, is refused
/// here already; names are checked again at every delivery, after resolving them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    pub fn parse(field: &str, value: &str, allow_private: bool) -> Result<Self, FieldError> {
        let invalid = |why: &str| FieldError::new(field, why);
        if value.len() > URL_MAX {
            return Err(invalid("must be at most 2000 characters"));
        }
        let url = Url::parse(value.trim()).map_err(|_| invalid("must be an absolute URL"))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_private => {}
            _ => return Err(invalid("must be an https URL")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("must not carry a user name or password"));
        }
        let Some(host) = url.host() else {
            return Err(invalid("must name a host"));
        };
        if !allow_private {
            let refused = match host {
                url::Host::Ipv4(ip) => is_forbidden(IpAddr::V4(ip)),
                url::Host::Ipv6(ip) => is_forbidden(IpAddr::V6(ip)),
                url::Host::Domain(name) => {
                    let name = name.trim_end_matches('.').to_ascii_lowercase();
                    name == "localhost" || name.ends_with(".localhost")
                }
            };
            if refused {
                return Err(invalid(
                    "must not point to a loopback, private, link-local or metadata address",
                ));
            }
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}

/// Whether a delivery must never go to `ip` (unless the operator allows private targets):
/// unspecified, loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7),
/// shared (100.64/10), link-local (169.254/16 with the cloud metadata address
/// 169.254.169.254, fe80::/10), broadcast, multicast, documentation and reserved ranges, and
/// IPv6 addresses that carry such an IPv4 address (IPv4-mapped `::ffff:0:0/96`,
/// IPv4-compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`).
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space, RFC 6598
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let segments = ip.segments();
    let embedded_v4 =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    // IPv4-compatible (deprecated) ::a.b.c.d, and NAT64's 64:ff9b::a.b.c.d.
    if segments[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return forbidden_v4(embedded_v4(segments[6], segments[7]));
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(embedded_v4(segments[6], segments[7]));
    }
    // 6to4: 2002:a.b.c.d::/48.
    if segments[0] == 0x2002 && forbidden_v4(embedded_v4(segments[1], segments[2])) {
        return true;
    }
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (segments[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || segments[0] == 0x0100 && segments[1..4] == [0, 0, 0] // discard 100::/64
}

/// The signing key of an endpoint: HMAC-SHA256 of its id under the server secret (32 bytes).
pub fn secret_key(endpoint_id: Uuid) -> [u8; 32] {
    let secret = super::token::secret();
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"podium webhook secret v1");
    mac.update(endpoint_id.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The endpoint's secret as its owner sees it once: `whsec_` and the key in base64 (the
/// Standard Webhooks form).
pub fn secret_text(endpoint_id: Uuid) -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(secret_key(endpoint_id))
    )
}

/// The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of
/// `{msg_id}.{timestamp}.{body}` under `key` (Standard Webhooks, symmetric signature).
pub fn sign(key: &[u8], msg_id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(text: &str) -> bool {
        is_forbidden(text.parse().expect(text))
    }

    #[test]
    fn loopback_private_link_local_and_metadata_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "192.168.255.255",
            "169.254.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",
            "fdff:ffff::1",
            "fe80::1",
            "febf::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:192.168.1.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "ff02::1",
        ] {
            assert!(forbidden(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "169.253.255.255",
            "11.0.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "fbff::1",
            "fec0::1".replace("fec0", "2001:4860").as_str(),
        ] {
            assert!(!forbidden(ip), "{ip} must be allowed");
        }
    }

    #[test]
    fn urls_must_be_https_without_credentials_and_not_local() {
        let ok = WebhookUrl::parse("url", "https://hooks.example.org/podium?x=1", false);
        assert_eq!(
            ok.map(|u| u.as_str().to_owned()),
            Ok("https://hooks.example.org/podium?x=1".to_owned())
        );
        for bad in [
            "http://hooks.example.org/",
            "ftp://hooks.example.org/",
            "https://user:pw@hooks.example.org/",
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost:8080/",
            "https://[::ffff:10.0.0.1]/",
            "not a url",
            "/relative",
        ] {
            let err = WebhookUrl::parse("url", bad, false).expect_err(bad);
            assert_eq!(err.field, "url");
        }
        assert!(WebhookUrl::parse("url", "http://127.0.0.1:9/", true).is_ok());
    }

    #[test]
    fn event_types_are_the_api_words_deduplicated() {
        let words = ["pitch.accepted", "registration.created", "pitch.accepted"].map(str::to_owned);
        assert_eq!(
            parse_event_types("events", &words),
            Ok(vec![
                EventType::RegistrationCreated,
                EventType::PitchAccepted
            ])
        );
        assert!(parse_event_types("events", &[]).is_err());
        assert!(parse_event_types("events", &["registration.deleted".to_owned()]).is_err());
        for t in EventType::ALL {
            assert_eq!(EventType::from_word(t.as_str()), Some(t));
        }
    }

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The specification's example: secret `whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`,
        // id `msg_p5jXN8AQM9LWM0D4loKWxJek`, timestamp 1614265330, this body.
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        assert_eq!(
            sign(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn an_endpoints_secret_is_stable_and_its_own() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(secret_text(a), secret_text(a));
        assert_ne!(secret_text(a), secret_text(b));
        let key = base64::engine::general_purpose::STANDARD
            .decode(secret_text(a).trim_start_matches("whsec_"))
            .unwrap();
        assert_eq!(key.len(), 32);
    }
}
