//! The HTTP answer of a feed (or another cached body, the schedule's): `200` with the body, or
//! `304` from the cached validators alone.
use std::time::SystemTime;

use actix_web::{
    http::{
        header::{self, HttpDate},
        Method,
    },
    HttpRequest, HttpResponse,
};
use chrono::{DateTime, Utc};

use crate::services::feeds::{FeedAnswer, RenderedFeed};

pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";
/// How long clients and (for public feeds) shared caches may reuse a feed unasked.
const MAX_AGE_SECONDS: u32 = 60;

/// Answers a `GET` or `HEAD` for a feed. actix-web drops the body of a `HEAD` answer and keeps
/// its `Content-Length`, so both methods share this path.
pub fn respond(req: &HttpRequest, answer: &FeedAnswer) -> HttpResponse {
    conditional(
        req,
        &answer.feed,
        CONTENT_TYPE,
        Some(format!(
            "{}, max-age={MAX_AGE_SECONDS}",
            if answer.public { "public" } else { "private" }
        )),
        Some(format!("inline; filename=\"{}\"", answer.filename)),
    )
}

/// `200` with a cached body of `content_type`, or `304` when the request's validators match:
/// `ETag` (and `Last-Modified` when known) on both, `Cache-Control` when given.
pub fn conditional(
    req: &HttpRequest,
    feed: &RenderedFeed,
    content_type: &'static str,
    cache_control: Option<String>,
    content_disposition: Option<String>,
) -> HttpResponse {
    let not_modified = is_not_modified(req, &feed.etag, feed.last_modified);
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder.insert_header((header::ETAG, feed.etag.as_str()));
    if let Some(cache_control) = cache_control {
        builder.insert_header((header::CACHE_CONTROL, cache_control));
    }
    if let Some(at) = feed.last_modified {
        builder.insert_header((header::LAST_MODIFIED, http_date(at)));
    }
    if not_modified {
        return builder.finish();
    }
    builder.insert_header((header::CONTENT_TYPE, content_type));
    if let Some(disposition) = content_disposition {
        builder.insert_header((header::CONTENT_DISPOSITION, disposition));
    }
    builder.body(feed.body.clone())
}

fn http_date(at: DateTime<Utc>) -> String {
    HttpDate::from(SystemTime::from(at)).to_string()
}

/// RFC 9110 §13.2.2: `If-None-Match` decides when present; `If-Modified-Since` only without it.
fn is_not_modified(req: &HttpRequest, etag: &str, last_modified: Option<DateTime<Utc>>) -> bool {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return false;
    }
    let headers = req.headers();
    let mut if_none_match = headers.get_all(header::IF_NONE_MATCH).peekable();
    if if_none_match.peek().is_some() {
        return if_none_match
            .filter_map(|value| value.to_str().ok())
            .any(|value| none_match_hits(value, etag));
    }
    let Some(last_modified) = last_modified else {
        return false;
    };
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<HttpDate>().ok())
        .map(SystemTime::from)
        .is_some_and(|since| {
            let since: DateTime<Utc> = since.into();
            // HTTP dates have whole seconds; the feed's time is compared at that precision.
            last_modified.timestamp() <= since.timestamp()
        })
}

/// Whether one `If-None-Match` value (`*`, or a list of entity tags) names `etag`, by the weak
/// comparison that GET and HEAD use: `W/"x"` matches `"x"`. A bare token some clients send
/// back without its quotes counts as the quoted tag.
fn none_match_hits(value: &str, etag: &str) -> bool {
    let bare = etag.trim_matches('"');
    value.split(',').map(str::trim).any(|tag| {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag == "*" || tag == etag || (!tag.starts_with('"') && tag == bare)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const TAG: &str = "\"0123abcd\"";

    fn lm() -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(1_800_000_000, 500_000_000)
    }

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        for value in [
            TAG,
            "\"other\", \"0123abcd\"",
            "W/\"0123abcd\"",
            "*",
            "0123abcd",
        ] {
            assert!(none_match_hits(value, TAG), "{value}");
        }
        for value in ["\"other\"", "\"0123abc\"", "", "W/\"x\", \"y\""] {
            assert!(!none_match_hits(value, TAG), "{value}");
        }
    }

    #[test]
    fn if_none_match_takes_precedence_over_if_modified_since() {
        let since = http_date(DateTime::from_timestamp(1_900_000_000, 0).unwrap());
        let req = TestRequest::get()
            .insert_header((header::IF_NONE_MATCH, "\"stale\""))
            .insert_header((header::IF_MODIFIED_SINCE, since.as_str()))
            .to_http_request();
        assert!(!is_not_modified(&req, TAG, lm()));
    }

    #[test]
    fn if_modified_since_compares_whole_seconds() {
        let check = |secs: i64| {
            let since = http_date(DateTime::from_timestamp(secs, 0).unwrap());
            let req = TestRequest::get()
                .insert_header((header::IF_MODIFIED_SINCE, since.as_str()))
                .to_http_request();
            is_not_modified(&req, TAG, lm())
        };
        assert!(check(1_800_000_000));
        assert!(check(1_800_000_001));
        assert!(!check(1_799_999_999));
        let garbage = TestRequest::get()
            .insert_header((header::IF_MODIFIED_SINCE, "yesterday"))
            .to_http_request();
        assert!(!is_not_modified(&garbage, TAG, lm()));
    }
}
