//! `?limit=&cursor=` lists answering `{items, next_cursor, total}`.
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;
/// The largest offset a cursor may carry: far beyond any list, and far from the `i64` the
/// database takes (an offset of 2^63 made the query builder panic).
pub const MAX_OFFSET: u64 = i32::MAX as u64;

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = r"^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<u64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::invalid("limit", "must be between 1 and 500")),
        }
    }

    /// An offset cursor: where the page starts, at most [`MAX_OFFSET`]; 422 for anything
    /// else.
    pub fn offset(&self) -> Result<u64, ApiError> {
        match &self.cursor {
            None => Ok(0),
            Some(cursor) => decode_cursor(cursor)
                .and_then(|c| c.strip_prefix("o:").and_then(|n| n.parse::<u64>().ok()))
                .filter(|&offset| offset <= MAX_OFFSET)
                .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this list gave out")),
        }
    }
}

pub fn encode_cursor(raw: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// The text inside a cursor; `None` unless it is base64url of UTF-8 text without control
/// characters (no cursor podium gives out has one, and PostgreSQL cannot compare a NUL).
pub fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()
        .filter(|text| !text.chars().any(char::is_control))
}

/// The cursor of the page after `offset + count`, if there is one.
pub fn next_offset_cursor(offset: u64, count: usize, total: u64) -> Option<String> {
    let next = offset.saturating_add(count as u64);
    (count > 0 && next < total).then(|| encode_cursor(&format!("o:{next}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(raw: &str) -> Result<u64, ApiError> {
        PageQuery {
            limit: None,
            cursor: Some(encode_cursor(raw)),
        }
        .offset()
    }

    #[test]
    fn offsets_beyond_any_list_are_refused_not_passed_on() {
        assert_eq!(offset("o:0").ok(), Some(0));
        assert_eq!(offset("o:2147483647").ok(), Some(MAX_OFFSET));
        // bzo5MjIzMzcyMDM2ODU0Nzc1ODA4 from issue #13: 2^63.
        assert_eq!(
            encode_cursor("o:9223372036854775808"),
            "bzo5MjIzMzcyMDM2ODU0Nzc1ODA4"
        );
        for raw in [
            "o:2147483648",
            "o:9223372036854775808",
            "o:18446744073709551615",
            "o:-1",
        ] {
            assert!(offset(raw).is_err(), "{raw}");
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// This page's items, at most `limit` of them.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// How many items match, over all pages.
    pub total: u64,
}
