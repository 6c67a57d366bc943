//! The jury's values (issue 29): review criteria, a review's scores, the numbers of the review
//! table, and the conflict-of-interest rule. Pure; the service stores and the routes parse.
use std::collections::BTreeMap;

use crate::error::FieldError;

/// At most this many criteria per event.
pub const CRITERIA_MAX: usize = 20;
/// A criterion's key: at most this many characters.
pub const KEY_MAX: usize = 40;
/// A criterion's name (each language): at most this many characters.
pub const NAME_MAX: usize = 100;
/// The largest scale a criterion may have (`0..=max`).
pub const SCALE_MAX: i64 = 100;
/// The largest weight a criterion may have.
pub const WEIGHT_MAX: f64 = 100.0;
/// A review's comment: at most this many characters.
pub const COMMENT_MAX: usize = 5000;

/// A criterion as given, before its checks.
#[derive(Debug, Clone)]
pub struct NewCriterion {
    pub key: String,
    pub name_de: String,
    pub name_en: String,
    pub weight: f64,
    pub max: i64,
}

/// A checked criterion: `key` slug-like (`a-z`, `0-9`, `-`, `_`, starting with a letter or
/// digit, 1 to 40 characters), names one line of 1 to 100 characters, `weight` a positive
/// number up to 100, `max` a whole number 1 to 100 (the scale is `0..=max`).
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub key: String,
    pub name_de: String,
    pub name_en: String,
    pub weight: f64,
    pub max: i32,
}

/// Checks a whole set of criteria (the body of `PUT …/review-criteria`): each as
/// [`Criterion`] says, the keys unique, at most [`CRITERIA_MAX`]. Errors name the field as
/// `[index].field`.
pub fn parse_criteria(items: Vec<NewCriterion>) -> Result<Vec<Criterion>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if items.len() > CRITERIA_MAX {
        errors.push(FieldError::new(
            "body",
            format!("at most {CRITERIA_MAX} criteria"),
        ));
        return Err(errors);
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let field = |name: &str| format!("[{i}].{name}");
        let key = item.key.trim().to_owned();
        if !is_key(&key) {
            errors.push(FieldError::new(
                field("key"),
                "must be 1 to 40 of a-z, 0-9, '-' and '_', starting with a letter or digit",
            ));
        } else if !seen.insert(key.clone()) {
            errors.push(FieldError::new(field("key"), "is given twice"));
        }
        let name_de = crate::domain::text::one_line(&field("name_de"), &item.name_de, NAME_MAX)
            .map_err(|e| errors.push(e))
            .ok();
        let name_en = crate::domain::text::one_line(&field("name_en"), &item.name_en, NAME_MAX)
            .map_err(|e| errors.push(e))
            .ok();
        if !(item.weight.is_finite() && item.weight > 0.0 && item.weight <= WEIGHT_MAX) {
            errors.push(FieldError::new(
                field("weight"),
                "must be a number above 0 and at most 100",
            ));
        }
        if !(1..=SCALE_MAX).contains(&item.max) {
            errors.push(FieldError::new(
                field("max"),
                "must be a whole number from 1 to 100",
            ));
        }
        if let (Some(name_de), Some(name_en)) = (name_de, name_en) {
            out.push(Criterion {
                key,
                name_de,
                name_en,
                weight: item.weight,
                max: item.max.clamp(1, SCALE_MAX) as i32,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && key.len() <= KEY_MAX
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A score as given: a JSON number or anything else (which is refused).
#[derive(Debug, Clone, Copy)]
pub enum GivenScore {
    Integer(i64),
    NotAnInteger,
}

/// Checks a review's scores against the event's criteria: every criterion scored, each a
/// whole number in `0..=max`, no unknown key. Errors name `scores.<key>`; no criteria at all
/// is the caller's 409.
pub fn parse_scores(
    criteria: &[Criterion],
    given: &BTreeMap<String, GivenScore>,
) -> Result<BTreeMap<String, i32>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut scores = BTreeMap::new();
    for key in given.keys() {
        if !criteria.iter().any(|c| &c.key == key) {
            errors.push(FieldError::new(
                format!("scores.{key}"),
                "is not a criterion of this event",
            ));
        }
    }
    for criterion in criteria {
        let field = format!("scores.{}", criterion.key);
        let range = format!("must be a whole number from 0 to {}", criterion.max);
        match given.get(&criterion.key) {
            None => errors.push(FieldError::new(field, "must be scored")),
            Some(GivenScore::Integer(n)) if (0..=i64::from(criterion.max)).contains(n) => {
                scores.insert(criterion.key.clone(), *n as i32);
            }
            Some(_) => errors.push(FieldError::new(field, range)),
        }
    }
    if errors.is_empty() {
        Ok(scores)
    } else {
        Err(errors)
    }
}

/// A review's value: the weighted mean of its points over the event's current criteria that
/// it scored, `Σ weight·points / Σ weight`, in points (criteria with different scales count
/// in their own points). `None` when it scored none of them (the criteria changed since).
pub fn review_value(criteria: &[Criterion], scores: &BTreeMap<String, i32>) -> Option<f64> {
    let (sum, weights) = criteria
        .iter()
        .filter_map(|c| scores.get(&c.key).map(|s| (c.weight, f64::from(*s))))
        .fold((0.0, 0.0), |(sum, weights), (w, s)| {
            (sum + w * s, weights + w)
        });
    (weights > 0.0).then(|| sum / weights)
}

/// The review table's numbers for one pitch: how many reviews, and over the values
/// ([`review_value`]) of those that count, their mean (each review weighs the same), median,
/// population standard deviation, minimum and maximum; `None` without a review that counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub stddev: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// [`Summary`] of `count` reviews whose values are `values`.
pub fn summarise(count: u64, values: &[f64]) -> Summary {
    if values.is_empty() {
        return Summary {
            count,
            ..Summary::default()
        };
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mean = sorted.iter().sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let variance = sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
    Summary {
        count,
        mean: Some(mean),
        median: Some(median),
        stddev: Some(variance.sqrt()),
        min: sorted.first().copied(),
        max: sorted.last().copied(),
    }
}

/// Mail domains many unrelated people share: the same one of these is no conflict of
/// interest by itself.
const SHARED_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "outlook.de",
    "hotmail.com",
    "hotmail.de",
    "live.com",
    "yahoo.com",
    "yahoo.de",
    "icloud.com",
    "me.com",
    "gmx.de",
    "gmx.net",
    "gmx.at",
    "web.de",
    "t-online.de",
    "freenet.de",
    "posteo.de",
    "mailbox.org",
    "proton.me",
    "protonmail.com",
    "aol.com",
];

/// Why a member may not review a pitch (issue 29: nobody reviews a pitch of their own
/// organisation), in words for the 409; `None`: no conflict. Two rules: the same
/// organisation (compared ignoring case and whitespace), or the same mail domain of the
/// member's and the presenter's addresses (ignoring case; not for the shared mail providers
/// such as `gmail.com`, `gmx.de` or `web.de`).
pub fn conflict_of_interest(
    member_email: &str,
    member_organisation: Option<&str>,
    presenter_email: &str,
    presenter_organisation: &str,
) -> Option<String> {
    if let Some(own) = member_organisation.map(fold).filter(|o| !o.is_empty()) {
        if own == fold(presenter_organisation) {
            return Some(format!(
                "conflict of interest: the pitch is from your own organisation ('{}')",
                presenter_organisation.trim()
            ));
        }
    }
    match (mail_domain(member_email), mail_domain(presenter_email)) {
        (Some(a), Some(b)) if a == b && !SHARED_MAIL_DOMAINS.contains(&a.as_str()) => Some(
            format!("conflict of interest: the presenter's e-mail address is of your own mail domain ('{a}')"),
        ),
        _ => None,
    }
}

fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn mail_domain(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim().trim_end_matches('.').to_lowercase())
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(key: &str, weight: f64, max: i32) -> Criterion {
        Criterion {
            key: key.into(),
            name_de: key.into(),
            name_en: key.into(),
            weight,
            max,
        }
    }

    #[test]
    fn a_review_value_is_the_weighted_mean_of_its_points() {
        let criteria = [criterion("a", 2.0, 5), criterion("b", 1.0, 5)];
        let scores = BTreeMap::from([("a".to_owned(), 4), ("b".to_owned(), 1)]);
        assert_eq!(review_value(&criteria, &scores), Some(3.0));
        assert_eq!(review_value(&criteria, &BTreeMap::new()), None);
    }

    #[test]
    fn the_summary_has_mean_median_spread_and_range() {
        let s = summarise(3, &[1.0, 2.0, 6.0]);
        assert_eq!(s.mean, Some(3.0));
        assert_eq!(s.median, Some(2.0));
        assert_eq!(s.min, Some(1.0));
        assert_eq!(s.max, Some(6.0));
        assert!((s.stddev.unwrap() - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(summarise(2, &[1.0, 2.0]).median, Some(1.5));
        assert_eq!(summarise(0, &[]).mean, None);
    }

    #[test]
    fn the_same_organisation_or_mail_domain_is_a_conflict_but_a_shared_provider_is_not() {
        assert!(
            conflict_of_interest("a@x.org", Some("Faser Werk"), "b@y.org", " faserwerk ").is_some()
        );
        assert!(conflict_of_interest("a@X.org", None, "b@x.ORG", "Other").is_some());
        assert!(conflict_of_interest("a@gmail.com", None, "b@gmail.com", "Other").is_none());
        assert!(conflict_of_interest("a@x.org", Some("A"), "b@y.org", "B").is_none());
    }

    #[test]
    fn criteria_keys_are_slug_like_and_unique() {
        let new = |key: &str| NewCriterion {
            key: key.into(),
            name_de: "Relevanz".into(),
            name_en: "Relevance".into(),
            weight: 1.0,
            max: 5,
        };
        assert!(parse_criteria(vec![new("relevance"), new("clarity_2")]).is_ok());
        let errors = parse_criteria(vec![new("a"), new("a"), new("Bad Key")]).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["[1].key", "[2].key"]);
    }
}
