//! Manage tokens: the secret links of attendees, presenters and exhibitors.
//!
//! A token is derived from the record's id with the server secret and never stored:
//! `base64url(id ‖ HMAC-SHA256(secret, kind ‖ id)[..16])`, 43 characters. The database keeps
//! only its SHA-256 (as it keeps organisers' tokens), so a dump or a backup opens nothing, and
//! any later mail (promotion from the waitlist, a cancelled event, a moved slot) can carry the
//! link again. Tokens issued before tokens were derived (random, stored in clear until the
//! migration `m20261130_500001` hashed them) still work through their hash.
//!
//! The secret is the process's: [`install`] puts it in place when the application starts
//! (see `config::Settings::secret`), before any request or sweep runs.
use std::sync::{Arc, RwLock};

use base64::Engine;
use hmac::{KeyInit, Mac};
use rand::Rng;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Which record a token opens; part of the keyed hash, so a token of one kind opens no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Registration,
    Pitch,
    Exhibit,
    /// A backoffice sign-in link (issue 28), derived from the link's id: the outbox keeps a
    /// placeholder and the table its hash. Not in [`Kind::ALL`]: it opens no manage page.
    SignInLink,
}

impl Kind {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Registration => b"podium manage token v1: registration",
            Self::Pitch => b"podium manage token v1: pitch",
            Self::Exhibit => b"podium manage token v1: exhibit",
            Self::SignInLink => b"podium sign-in link v1",
        }
    }

    /// The kind's name, e.g. in a stored answer's placeholder.
    pub fn name(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Pitch => "pitch",
            Self::Exhibit => "exhibit",
            Self::SignInLink => "sign-in-link",
        }
    }

    /// Every kind, for [`identify`].
    pub const ALL: [Kind; 3] = [Self::Registration, Self::Pitch, Self::Exhibit];
}

/// Bytes of the MAC kept in a token (128 bits).
const MAC_LEN: usize = 16;

static SECRET: RwLock<Option<Arc<SecretSlice<u8>>>> = RwLock::new(None);

/// Puts the server secret in place for this process (replacing any earlier one).
pub fn install(secret: SecretSlice<u8>) {
    let mut slot = SECRET
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *slot = Some(Arc::new(secret));
}

pub(crate) fn secret() -> Arc<SecretSlice<u8>> {
    let slot = SECRET
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match slot.as_ref() {
        Some(secret) => secret.clone(),
        None => {
            drop(slot);
            // Unit tests and tools that never start the application: a secret of this run.
            let mut fresh = [0u8; 32];
            rand::rng().fill_bytes(&mut fresh);
            let mut slot = SECRET
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            slot.get_or_insert_with(|| Arc::new(SecretSlice::from(fresh.to_vec())))
                .clone()
        }
    }
}

fn mac(kind: Kind, id: Uuid) -> [u8; MAC_LEN] {
    let secret = secret();
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(kind.label());
    mac.update(id.as_bytes());
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

/// The manage token of a record.
pub fn derive(kind: Kind, id: Uuid) -> String {
    let mut bytes = Vec::with_capacity(16 + MAC_LEN);
    bytes.extend_from_slice(id.as_bytes());
    bytes.extend_from_slice(&mac(kind, id));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores of a token: its SHA-256, hex.
pub fn hash(token: &str) -> String {
    hex::encode(digest(token))
}

/// A token's SHA-256 as bytes: [`hash`] without its hex (a key for what is kept per token in
/// memory).
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The stored hash of a record's token.
pub fn stored(kind: Kind, id: Uuid) -> String {
    hash(&derive(kind, id))
}

/// The record id a derived token of `kind` opens, if its MAC is right (compared in constant
/// time). `None` for anything else, including tokens from before derivation.
pub fn verify(kind: Kind, token: &str) -> Option<Uuid> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    if bytes.len() != 16 + MAC_LEN {
        return None;
    }
    let id = Uuid::from_slice(&bytes[..16]).ok()?;
    let expected = mac(kind, id);
    let differs = expected
        .iter()
        .zip(&bytes[16..])
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    (differs == 0).then_some(id)
}

/// The kind and record of a derived token, whatever its kind.
pub fn identify(token: &str) -> Option<(Kind, Uuid)> {
    Kind::ALL
        .into_iter()
        .find_map(|kind| verify(kind, token).map(|id| (kind, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_token_opens_its_record_and_kind_only() {
        let id = Uuid::now_v7();
        let token = derive(Kind::Pitch, id);
        assert_eq!(token.len(), 43);
        assert_eq!(verify(Kind::Pitch, &token), Some(id));
        assert_eq!(verify(Kind::Exhibit, &token), None);
        assert_eq!(identify(&token), Some((Kind::Pitch, id)));
        let mut forged = token.clone().into_bytes();
        forged[42] = if forged[42] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            verify(Kind::Pitch, &String::from_utf8(forged).unwrap()),
            None
        );
        assert_eq!(hash(&token).len(), 64);
    }
}
