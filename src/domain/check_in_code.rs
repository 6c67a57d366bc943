//! Check-in codes: what the door scans (issue 17).
//!
//! Derived like the manage tokens (`domain::token`) from the registration's id and the server
//! secret, with a label of its own, so a code is not a manage token and opens no page: it
//! only lets an organiser check its attendee in. `base32(id ‖ HMAC-SHA256(secret, label ‖
//! id)[..8])`, 39 characters of `A–Z` and `2–7` (RFC 4648 without padding), which a QR code
//! holds in its compact alphanumeric mode. Read back case-insensitively, ignoring spaces and
//! dashes, so a code typed from a printout works too.
use hmac::{KeyInit, Mac};
use qrcode::{render::svg, EcLevel, QrCode};
use secrecy::ExposeSecret;
use sha2::Sha256;
use uuid::Uuid;

const LABEL: &[u8] = b"podium check-in code v1: registration";
/// Bytes of the MAC kept in a code (64 bits: codes are checked online, by organisers only).
const MAC_LEN: usize = 8;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn mac(id: Uuid) -> [u8; MAC_LEN] {
    let secret = super::token::secret();
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(LABEL);
    mac.update(id.as_bytes());
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

/// The check-in code of a registration.
pub fn derive(id: Uuid) -> String {
    let mut bytes = Vec::with_capacity(16 + MAC_LEN);
    bytes.extend_from_slice(id.as_bytes());
    bytes.extend_from_slice(&mac(id));
    let mut out = String::with_capacity(40);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The registration a code belongs to, if its MAC is right (compared in constant time).
pub fn verify(code: &str) -> Option<Uuid> {
    let mut bytes = Vec::with_capacity(16 + MAC_LEN);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in code.chars().filter(|c| !matches!(c, ' ' | '-')) {
        let c = c.to_ascii_uppercase() as u8;
        let value = ALPHABET.iter().position(|a| *a == c)? as u32;
        buffer = ((buffer << 5) | value) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
        }
    }
    // One spelling per code: the padding bits of the last character are zero.
    if bytes.len() != 16 + MAC_LEN || buffer & ((1 << bits) - 1) != 0 {
        return None;
    }
    let id = Uuid::from_slice(&bytes[..16]).ok()?;
    let differs = mac(id)
        .iter()
        .zip(&bytes[16..])
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    (differs == 0).then_some(id)
}

/// The code as a QR code in SVG (black on white, with its quiet zone), `size` pixels at
/// least; `None` only if the code could not be encoded (it always fits).
pub fn qr_svg(code: &str, size: u32) -> Option<String> {
    let qr = QrCode::with_error_correction_level(code.as_bytes(), EcLevel::M).ok()?;
    Some(
        qr.render::<svg::Color<'_>>()
            .min_dimensions(size, size)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_opens_its_registration_and_is_not_its_manage_token() {
        let id = Uuid::now_v7();
        let code = derive(id);
        assert_eq!(code.len(), 39);
        assert!(code
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
        assert_eq!(verify(&code), Some(id));
        assert_eq!(verify(&code.to_lowercase()), Some(id));
        let spaced: String = code
            .chars()
            .enumerate()
            .flat_map(|(i, c)| (i % 4 == 0 && i > 0).then_some(' ').into_iter().chain([c]))
            .collect();
        assert_eq!(verify(&spaced), Some(id));
        let manage = crate::domain::token::derive(crate::domain::token::Kind::Registration, id);
        assert_ne!(code, manage);
        assert_eq!(verify(&manage), None);
        assert_eq!(crate::domain::token::identify(&code), None);
        let mut forged = code.into_bytes();
        forged[30] = if forged[30] == b'A' { b'Q' } else { b'A' };
        assert_eq!(verify(&String::from_utf8(forged).unwrap()), None);
        assert_eq!(verify(""), None);
        assert_eq!(verify("not a code!"), None);
    }

    #[test]
    fn the_qr_code_is_an_svg() {
        let svg = qr_svg(&derive(Uuid::now_v7()), 200).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
