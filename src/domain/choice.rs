//! The closed choices a request names by word: an attendee's sector and language. The words are
//! the API's (and the entities' serde names); anything else is a 422 naming the field.
use entity::registration::{Language, Sector};

use crate::error::FieldError;

/// `business`, `science`, `politics` or `other` (surrounding spaces ignored).
pub fn sector(field: &str, value: &str) -> Result<Sector, FieldError> {
    match value.trim() {
        "business" => Ok(Sector::Business),
        "science" => Ok(Sector::Science),
        "politics" => Ok(Sector::Politics),
        "other" => Ok(Sector::Other),
        _ => Err(FieldError::new(
            field,
            "must be business, science, politics or other",
        )),
    }
}

/// `de` or `en` (surrounding spaces ignored): the language of an attendee's mails and pages.
pub fn language(field: &str, value: &str) -> Result<Language, FieldError> {
    match value.trim() {
        "de" => Ok(Language::De),
        "en" => Ok(Language::En),
        _ => Err(FieldError::new(field, "must be de or en")),
    }
}

/// A sector's name for people (pages, badges, the German CSV and XLSX headers' cells), in the
/// reader's language: the one table of these words.
pub const fn sector_name(sector: Sector, lang: Language) -> &'static str {
    match (sector, lang) {
        (Sector::Business, Language::De) => "Wirtschaft",
        (Sector::Science, Language::De) => "Wissenschaft",
        (Sector::Politics, Language::De) => "Politik",
        (Sector::Other, Language::De) => "Sonstiges",
        (Sector::Business, Language::En) => "Business",
        (Sector::Science, Language::En) => "Science",
        (Sector::Politics, Language::En) => "Politics",
        (Sector::Other, Language::En) => "Other",
    }
}

#[cfg(test)]
mod tests {
    use entity::registration::{Language, Sector};

    #[test]
    fn sectors_and_languages_are_read_by_their_api_words_only() {
        assert_eq!(super::sector("sector", " science "), Ok(Sector::Science));
        assert_eq!(super::language("language", "de"), Ok(Language::De));
        assert_eq!(
            super::sector("sector", "Science").unwrap_err().field,
            "sector"
        );
        assert_eq!(
            super::language("lang", "fr").unwrap_err().message,
            "must be de or en"
        );
    }
}
