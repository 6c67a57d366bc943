//! Secrets handed out to people (organisers' bearer tokens, manage links, door sessions): made
//! here, stored only as SHA-256 hashes. The HTTP side (extractors, middleware) is
//! [`crate::http::auth`].
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

/// A fresh secret: 256 random bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token: SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
