//! The one-click link of an announcement (`List-Unsubscribe`, RFC 2369 and RFC 8058): its
//! `POST` makes the recipient leave the announcements of that event; a `GET` shows a page with
//! a button and changes nothing.
//!
//! The link is derived when the mail is sent, from the mail's record (registration, pitch or
//! exhibit) and the server secret, like the manage tokens (`domain::token`) but with a label of
//! its own: `base64url(id ‖ HMAC-SHA256(secret, label ‖ id)[..16])`, 43 characters. It opens
//! no page and only ever unsubscribes its own record, so a leaked link can do no more; the
//! outbox never stores it.
use base64::Engine;
use hmac::{KeyInit, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use uuid::Uuid;

const LABEL: &[u8] = b"podium unsubscribe v1: announcements";
/// Bytes of the MAC kept in a token (128 bits).
const MAC_LEN: usize = 16;

fn mac(id: Uuid) -> [u8; MAC_LEN] {
    let secret = crate::domain::token::secret();
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(LABEL);
    mac.update(id.as_bytes());
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

/// The unsubscribe token of a record.
pub fn token(record_id: Uuid) -> String {
    let mut bytes = Vec::with_capacity(16 + MAC_LEN);
    bytes.extend_from_slice(record_id.as_bytes());
    bytes.extend_from_slice(&mac(record_id));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The record a token unsubscribes, if its MAC is right (compared in constant time).
pub fn verify(token: &str) -> Option<Uuid> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    if bytes.len() != 16 + MAC_LEN {
        return None;
    }
    let id = Uuid::from_slice(&bytes[..16]).ok()?;
    let differs = mac(id)
        .iter()
        .zip(&bytes[16..])
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    (differs == 0).then_some(id)
}

/// `{public_url}/unsubscribe/{token}`: the page (`GET`) and the one-click target (`POST`).
pub fn url(public_url: &str, record_id: Uuid) -> String {
    format!("{public_url}/unsubscribe/{}", token(record_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_unsubscribes_its_record_only_and_is_no_manage_token() {
        let id = Uuid::now_v7();
        let t = token(id);
        assert_eq!(verify(&t), Some(id));
        assert_eq!(t.len(), 43);
        assert_ne!(
            t,
            crate::domain::token::derive(crate::domain::token::Kind::Registration, id)
        );
        assert_eq!(
            crate::domain::token::verify(crate::domain::token::Kind::Registration, &t),
            None
        );
        let mut forged = t.into_bytes();
        forged[42] = if forged[42] == b'A' { b'B' } else { b'A' };
        assert_eq!(verify(std::str::from_utf8(&forged).unwrap()), None);
        assert_eq!(verify("short"), None);
    }
}
