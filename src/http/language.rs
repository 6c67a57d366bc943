//! `Accept-Language` (RFC 9110 §12.5.4), read once for every answer that picks German or English:
//! the pages, the registration's default language, the CSV's delimiter and header words, and the
//! badges' sector names. Hand-written: the crates that parse the header (`accept-language`)
//! return a ranked list of any tags; podium needs one of two languages and this is ten lines.
use actix_web::{http::header, HttpMessage, HttpRequest};
use entity::registration::Language;

/// Left in a request's extensions by [`accepted`]: the answer depends on `Accept-Language`, so
/// [`super::headers::vary_by_language`] sends `Vary: Accept-Language` (RFC 9110 §12.5.5) and a
/// `Cache-Control`, and no cache hands a German page to an English reader.
#[derive(Debug, Clone, Copy)]
pub struct ChoseByAcceptLanguage;

/// German or English, whichever `Accept-Language` weighs higher (`q`, default 1; ties go to the
/// earlier tag; a weight of 0 refuses), `de-AT` counting as `de`; English when it names neither.
/// Marks the request ([`ChoseByAcceptLanguage`]).
pub fn accepted(req: &HttpRequest) -> Language {
    req.extensions_mut().insert(ChoseByAcceptLanguage);
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Language::En, of_header)
}

/// [`accepted`] for the header's value.
pub fn of_header(value: &str) -> Language {
    let mut best: Option<(f32, Language)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let weight = parts
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("de") => Language::De,
            Some("en") => Language::En,
            _ => continue,
        };
        if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, lang));
        }
    }
    best.map_or(Language::En, |(_, lang)| lang)
}

#[cfg(test)]
mod tests {
    use entity::registration::Language;

    use super::of_header;

    #[test]
    fn the_higher_weight_of_german_or_english_wins_and_english_is_the_default() {
        assert_eq!(of_header("de-DE,de;q=0.9,en;q=0.8"), Language::De);
        assert_eq!(of_header("fr, en-GB;q=0.7, de;q=0.5"), Language::En);
        assert_eq!(of_header("de;q=0.5, en"), Language::En);
        assert_eq!(of_header("de;q=0, fr"), Language::En);
        assert_eq!(of_header("fr"), Language::En);
        assert_eq!(of_header("de-AT"), Language::De);
    }
}
