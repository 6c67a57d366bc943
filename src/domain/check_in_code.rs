//! Check-in codes: what the door scans (issue 17).
//!
//! Derived like the manage tokens (`domain::token`) from the registration's id and the server
//! secret, with a label of its own, so a code is not a manage token and opens no page: it
//! only lets an organiser check its attendee in. `base32(id ‖ HMAC-SHA256(secret, label ‖
//! id)[..8])`, 39 characters of `A–Z` and `2–7` (RFC 4648 without padding), which a QR code
//! holds in its compact alphanumeric mode. Read back case-insensitively, ignoring spaces and
//! dashes, so a code typed from a printout works too.
use hmac::{KeyInit, Mac};
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{bits, ec, Color, EcLevel};
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

/// The light margin around a QR symbol, in modules (ISO/IEC 18004 asks for 4).
pub const QUIET_ZONE: usize = 4;

/// The code as a QR symbol (error correction M): its width in modules and its modules row by
/// row, with one fixed mask. `None` only if the code could not be encoded (it always fits a
/// version 3 symbol, 29 modules, in alphanumeric mode).
///
/// `qrcode::QrCode::new` scores all eight masks (ISO/IEC 18004 §7.8.3) to avoid large blocks
/// and finder-like runs; a check-in code is random base32, so every mask gives a balanced
/// symbol, and the scoring was 10 % of podium's CPU while the worker sent a burst of
/// confirmations (perf, `bench/run.sh`, session 5). Readers decode any mask; the tests decode
/// the mail's picture and the page's SVG with `rqrr`. The mail, the attendee's page and the
/// badges all draw this one symbol.
pub fn symbol(code: &str) -> Option<(usize, Vec<Color>)> {
    let bits = bits::encode_auto(code.as_bytes(), EcLevel::M).ok()?;
    let version = bits.version();
    let (data, ec_data) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).ok()?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec_data);
    canvas.apply_mask(MaskPattern::Checkerboard);
    let width = usize::try_from(version.width()).ok()?;
    Some((width, canvas.into_colors()))
}

/// A horizontal run of dark modules: `len` modules from column `col` in row `row` (module
/// units, without the quiet zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DarkRun {
    pub row: usize,
    pub col: usize,
    pub len: usize,
}

/// [`symbol`] as each row's runs of dark modules, for drawings made of rectangles (the page's
/// SVG, the badges): the width in modules and the runs, row by row. `None` as for [`symbol`].
pub fn dark_runs(code: &str) -> Option<(usize, Vec<DarkRun>)> {
    let (n, modules) = symbol(code)?;
    let mut runs = Vec::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if modules[row * n + col] != Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && modules[row * n + col] == Color::Dark {
                col += 1;
            }
            runs.push(DarkRun {
                row,
                col: start,
                len: col - start,
            });
        }
    }
    Some((n, runs))
}

/// The code as a QR code in SVG (black on white, with its quiet zone), `size` pixels wide:
/// one path whose subpaths are the rows' runs of dark modules, in module units
/// (`viewBox`), so it scales without blur. `None` only if the code could not be encoded.
pub fn qr_svg(code: &str, size: u32) -> Option<String> {
    use std::fmt::Write;
    let (n, runs) = dark_runs(code)?;
    let side = n + 2 * QUIET_ZONE;
    let mut path = String::with_capacity(n * n);
    for run in runs {
        let (x, y) = (run.col + QUIET_ZONE, run.row + QUIET_ZONE);
        let _ = write!(path, "M{x} {y}h{}v1h-{}z", run.len, run.len);
    }
    Some(format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{size}" height="{size}" "#,
            r#"viewBox="0 0 {side} {side}" shape-rendering="crispEdges">"#,
            r##"<rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
        ),
        size = size,
        side = side,
        path = path
    ))
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

    /// Reads the SVG's path back into pixels (one per module) and decodes them with `rqrr`.
    #[test]
    fn the_svg_reads_back_as_the_code() {
        let code = derive(Uuid::now_v7());
        let svg = qr_svg(&code, 240).unwrap();
        let side: usize = svg
            .split("viewBox=\"0 0 ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let scale = 4;
        let mut pixels = vec![255u8; side * side * scale * scale];
        for run in d.split('M').filter(|r| !r.is_empty()) {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let len: usize = rest.split('v').next().unwrap().parse().unwrap();
            for col in x..x + len {
                for dy in 0..scale {
                    for dx in 0..scale {
                        pixels[(y * scale + dy) * side * scale + col * scale + dx] = 0;
                    }
                }
            }
        }
        let w = side * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, w, |x, y| pixels[y * w + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, code);
    }
}
