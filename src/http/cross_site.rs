//! Whether a form `POST` comes from another site: the one rule the backoffice's forms and the
//! door's forms share (Fetch Metadata first, then `Origin`, as OWASP's CSRF cheat sheet
//! recommends them). The session cookies are `SameSite=Strict` as well; this is the second
//! fence, for browsers or proxies that drop that attribute.
use actix_web::{http::header, HttpRequest};

/// True when the browser says the request comes from another site: `Sec-Fetch-Site` other
/// than `same-origin` or `none` (a browser that sends it is believed), or, without it, an
/// `Origin` that is neither `public_url`'s origin nor the host asked. `Origin: null` proves
/// nothing either way: podium's own pages send it under their `no-referrer` policy. With
/// neither header (not a browser) the caller's own check decides (a session-bound form token
/// in the backoffice).
pub fn is_cross_site(req: &HttpRequest, public_url: &str) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or_default();
        return site != "same-origin" && site != "none";
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
        let info = req.connection_info();
        let asked = format!("{}://{}", info.scheme(), info.host());
        return origin != "null" && origin != origin_of(public_url) && origin != asked;
    }
    false
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split('/').next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_origin_of_a_url_is_its_scheme_and_host() {
        assert_eq!(
            origin_of("https://podium.example/x/y"),
            "https://podium.example"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    #[test]
    fn fetch_metadata_decides_and_origin_only_without_it() {
        let public = "https://tagung.example";
        let with = |headers: &[(&str, &str)]| {
            let mut req = TestRequest::post().uri("/orga/sign-in");
            for (name, value) in headers {
                req = req.insert_header((*name, *value));
            }
            is_cross_site(&req.to_http_request(), public)
        };
        assert!(!with(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "null")
        ]));
        assert!(!with(&[("sec-fetch-site", "none")]));
        assert!(with(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", public)
        ]));
        assert!(with(&[("sec-fetch-site", "same-site")]));
        assert!(with(&[("origin", "https://evil.example")]));
        assert!(!with(&[("origin", public)]));
        assert!(!with(&[("origin", "null")]));
        assert!(!with(&[]));
    }
}
