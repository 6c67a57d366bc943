//! What the outbox keeps instead of a mail's secrets (issue 30, item 2): a database dump must
//! open no one's page or door.
//!
//! A mail about a registration, pitch or exhibit carries the record's manage link and, for a
//! confirmed attendee, the check-in code; a backoffice sign-in mail its link (the link's id is
//! the mail's record). Both are derived from the record's id and the server
//! secret (`domain::token`, `domain::check_in_code`), so the outbox need not keep them: when a
//! mail is queued, [`conceal`] replaces every manage token (of any kind) and the check-in code
//! of its record by a placeholder, and the `check_in_code` column holds [`CHECK_IN_CODE`]
//! instead of the code. The worker [`reveal`]s them again just before it sends, from the row's
//! `record_id`. A placeholder opens nothing; a mail's own text that happens to spell one gets
//! the recipient's own link or code, never anyone else's (the record id comes from the row).
use uuid::Uuid;

use crate::domain::{
    check_in_code,
    token::{self, Kind},
};

/// Stands for the record's check-in code, in the bodies and in the `check_in_code` column.
pub const CHECK_IN_CODE: &str = "{podium:check-in-code}";

/// Stands for the record's manage token of `kind`.
pub fn token_placeholder(kind: Kind) -> &'static str {
    match kind {
        Kind::Registration => "{podium:manage-token:registration}",
        Kind::Pitch => "{podium:manage-token:pitch}",
        Kind::Exhibit => "{podium:manage-token:exhibit}",
        Kind::SignInLink => "{podium:sign-in-link}",
    }
}

/// Every secret of a record with its placeholder.
fn pairs(record_id: Uuid) -> [(String, &'static str); 5] {
    let token = |kind| (token::derive(kind, record_id), token_placeholder(kind));
    [
        token(Kind::Registration),
        token(Kind::Pitch),
        token(Kind::Exhibit),
        token(Kind::SignInLink),
        (check_in_code::derive(record_id), CHECK_IN_CODE),
    ]
}

/// `text` with the record's manage tokens and check-in code replaced by placeholders.
pub fn conceal(text: &str, record_id: Uuid) -> String {
    let mut out = text.to_owned();
    for (secret, placeholder) in pairs(record_id) {
        if out.contains(&secret) {
            out = out.replace(&secret, placeholder);
        }
    }
    out
}

/// `text` with the placeholders replaced by the record's manage tokens and check-in code.
pub fn reveal(text: &str, record_id: Uuid) -> String {
    if !text.contains("{podium:") {
        return text.to_owned();
    }
    let mut out = text.to_owned();
    for (secret, placeholder) in pairs(record_id) {
        out = out.replace(placeholder, &secret);
    }
    out
}

/// What the `check_in_code` column keeps for a mail's code: the placeholder when the code is
/// its record's (derived again when sent), else the code as given (a mail without a record).
pub fn conceal_code(code: Option<String>, record_id: Option<Uuid>) -> Option<String> {
    match (code, record_id) {
        (Some(code), Some(id)) if code == check_in_code::derive(id) => {
            Some(CHECK_IN_CODE.to_owned())
        }
        (code, _) => code,
    }
}

/// The check-in code a row's column stands for.
pub fn reveal_code(stored: Option<&str>, record_id: Option<Uuid>) -> Option<String> {
    match (stored, record_id) {
        (Some(CHECK_IN_CODE), Some(id)) => Some(check_in_code::derive(id)),
        // A placeholder without a record cannot be filled: no picture rather than a wrong one.
        (Some(CHECK_IN_CODE), None) => None,
        (code, _) => code.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concealed_text_holds_no_secret_and_reveals_the_same_text() {
        let id = Uuid::now_v7();
        let tok = token::derive(Kind::Registration, id);
        let code = check_in_code::derive(id);
        let text = format!("Manage: https://x.test/registrations/{tok}/confirm\nCode: {code}");
        let stored = conceal(&text, id);
        assert!(
            !stored.contains(&tok) && !stored.contains(&code),
            "{stored}"
        );
        assert!(stored.contains(token_placeholder(Kind::Registration)));
        assert_eq!(reveal(&stored, id), text);
        let pitch = token::derive(Kind::Pitch, id);
        assert_eq!(reveal(&conceal(&pitch, id), id), pitch);
        assert_eq!(
            conceal_code(Some(code.clone()), Some(id)).as_deref(),
            Some(CHECK_IN_CODE)
        );
        assert_eq!(
            reveal_code(Some(CHECK_IN_CODE), Some(id)).as_deref(),
            Some(code.as_str())
        );
        assert_eq!(conceal_code(Some("X".into()), None).as_deref(), Some("X"));
    }
}
