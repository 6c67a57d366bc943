//! Folding text for search, shared by the schema (the `search_key` column's triggers) and the
//! queries (the attendee list's `q`): one table, so what is stored and what is asked agree.
//!
//! A folded text is lower-case ASCII where the input was Latin: accents dropped (é → e,
//! ł → l), ß → ss, æ → ae, œ → oe, þ → th; other characters stay as they are (ASCII letters
//! lowered). A registration's key holds the folded name, e-mail and organisation, and the
//! name and organisation once more with the German umlauts written out (ü → ue), so that
//! `muller`, `mueller` and `Müller` all find "Müller". Queries are folded here, in Rust.
//! Stored keys are written by the registration desk from [`search_key`] with its rows (a
//! trigger's SQL per row cost the desk more than half of PostgreSQL's insert throughput); the
//! database's triggers, with SQL generated from the same table, fill in a key for any other
//! insert that brings none and keep it on every change of the three columns.

/// Latin letters (U+00C0–U+017F) folded to one ASCII letter: `FOLD_FROM[i]` → `FOLD_TO[i]`.
pub const FOLD_FROM: &str = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĸĹĺĻļĽľĿŀŁłŃńŅņŇňŉŊŋŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſŦŧ";
/// See [`FOLD_FROM`].
pub const FOLD_TO: &str = "aaaaaaceeeeiiiidnoooooouuuuyaaaaaaceeeeiiiidnoooooouuuuyyaaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooorrrrrrssssssssttttuuuuuuuuuuuuwwyyyzzzzzzstt";
/// Letters folded to two ASCII letters.
pub const FOLD_MULTI: &[(&str, &str)] = &[
    ("Æ", "ae"),
    ("Þ", "th"),
    ("ß", "ss"),
    ("æ", "ae"),
    ("þ", "th"),
    ("Ĳ", "ij"),
    ("ĳ", "ij"),
    ("Œ", "oe"),
    ("œ", "oe"),
];
/// The German umlauts written out, for the second half of a key (before folding).
pub const UMLAUTS: &[(&str, &str)] = &[
    ("ä", "ae"),
    ("ö", "oe"),
    ("ü", "ue"),
    ("Ä", "Ae"),
    ("Ö", "Oe"),
    ("Ü", "Ue"),
];
const ASCII_UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ASCII_LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

/// `text` folded as the database folds it (see the module's description).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(i) = FOLD_FROM.chars().position(|f| f == c) {
            out.extend(FOLD_TO.chars().nth(i));
        } else if let Some((_, to)) = FOLD_MULTI.iter().find(|(from, _)| from.starts_with(c)) {
            out.push_str(to);
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` with ä, ö, ü written out as ae, oe, ue.
pub fn expand_umlauts(text: &str) -> String {
    UMLAUTS
        .iter()
        .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
}

/// The `LIKE` patterns (with `\` as escape) that find `query` in a `search_key`: the folded
/// query, and the folded query with its umlauts written out when it has any.
pub fn like_patterns(query: &str) -> Vec<String> {
    let escape = |s: String| {
        s.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    };
    let mut patterns = vec![format!("%{}%", escape(fold(query)))];
    let expanded = format!("%{}%", escape(fold(&expand_umlauts(query))));
    if !patterns.contains(&expanded) {
        patterns.push(expanded);
    }
    patterns
}

/// A registration's `search_key` from its name, lower-cased e-mail and organisation: the five
/// folded parts joined by line feeds, exactly what the triggers compute (PostgreSQL's
/// `podium_search_key`, SQLite's steps; a test in the API suite compares them on both).
pub fn search_key(name: &str, email: &str, organisation: &str) -> String {
    [
        fold(name),
        fold(email),
        fold(organisation),
        fold(&expand_umlauts(name)),
        fold(&expand_umlauts(organisation)),
    ]
    .join("\n")
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Nested `replace` calls per SQLite expression: SQLite before 3.46 (Debian 12's `sqlite3`)
/// overflows its parser stack at about 35, and then cannot even open a database whose schema
/// holds such an expression.
pub const SQLITE_NESTING: usize = 20;

/// SQLite: the steps that fold `column` in place, each an expression to assign to it (SQLite
/// has no `translate`, and one expression with every `replace` would nest too deep, see
/// [`SQLITE_NESTING`]). The last step lowers ASCII, as [`fold`] does.
pub fn fold_sqlite_steps(column: &str) -> Vec<String> {
    let pairs: Vec<(String, String)> = FOLD_FROM
        .chars()
        .zip(FOLD_TO.chars())
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .chain(
            FOLD_MULTI
                .iter()
                .map(|(f, t)| ((*f).to_owned(), (*t).to_owned())),
        )
        .collect();
    let mut steps: Vec<String> = pairs
        .chunks(SQLITE_NESTING)
        .map(|chunk| {
            chunk.iter().fold(column.to_owned(), |e, (from, to)| {
                format!("replace({e}, {}, {})", quote(from), quote(to))
            })
        })
        .collect();
    steps.push(format!("lower({column})"));
    steps
}

/// SQLite: the unfolded key of `row` (`NEW`, or the table's name) as one expression: name,
/// e-mail, organisation and the last two with the umlauts written out, joined by line feeds.
pub fn sqlite_raw_key(row: &str) -> String {
    let name = format!("{row}.name");
    let organisation = format!("{row}.organisation");
    [
        name.clone(),
        format!("{row}.email_lower"),
        organisation.clone(),
        expand_umlauts_sql(&name),
        expand_umlauts_sql(&organisation),
    ]
    .join(" || char(10) || ")
}

/// SQLite: the statements (joined by `; `) that fold the stored keys of the rows matching
/// `filter` in place: the steps of [`fold_sqlite_steps`], each only on keys that are not plain
/// ASCII, then the lowering on all of them.
pub fn sqlite_fold_statements(filter: &str) -> String {
    let steps = fold_sqlite_steps("search_key");
    let Some((lower, folds)) = steps.split_last() else {
        return String::new();
    };
    let mut statements: Vec<String> = folds
        .iter()
        .map(|step| {
            format!(
                "UPDATE registrations SET search_key = {step} \
                 WHERE {filter} AND search_key GLOB '*[^ -~]*'"
            )
        })
        .collect();
    statements.push(format!(
        "UPDATE registrations SET search_key = {lower} WHERE {filter}"
    ));
    statements.join("; ")
}

/// SQLite: the body (`BEGIN … END`) of the triggers that write the key of the row `NEW`.
pub fn sqlite_trigger_body() -> String {
    format!(
        "BEGIN UPDATE registrations SET search_key = {} WHERE id = NEW.id; {}; END",
        sqlite_raw_key("NEW"),
        sqlite_fold_statements("id = NEW.id")
    )
}

/// `expr` with the umlauts written out (SQL for both databases).
pub fn expand_umlauts_sql(expr: &str) -> String {
    UMLAUTS.iter().fold(expr.to_owned(), |e, (from, to)| {
        format!("replace({e}, {}, {})", quote(from), quote(to))
    })
}

/// PostgreSQL: the body of `podium_fold(text)`: `translate` for the one-letter folds and the
/// ASCII letters (not `lower`, which would also lower other scripts, unlike [`fold`]).
pub fn fold_postgres(expr: &str) -> String {
    let mut e = format!(
        "translate({expr}, {}, {})",
        quote(&format!("{FOLD_FROM}{ASCII_UPPER}")),
        quote(&format!("{FOLD_TO}{ASCII_LOWER}"))
    );
    for (from, to) in FOLD_MULTI {
        e = format!("replace({e}, {}, {})", quote(from), quote(to));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_case_and_spells_out_sharp_s() {
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("GROẞ Straße"), "groẞ strasse");
        assert_eq!(fold("Łódź Ærø"), "lodz aero");
        assert_eq!(fold("José Núñez"), "jose nunez");
        assert_eq!(fold_postgres("x").matches("translate").count(), 1);
        assert!(fold_sqlite_steps("k")
            .iter()
            .all(|step| step.matches('(').count() <= SQLITE_NESTING));
        assert_eq!(FOLD_FROM.chars().count(), FOLD_TO.chars().count());
    }

    #[test]
    fn muller_mueller_and_mueller_with_umlaut_find_the_same_key() {
        let key = search_key("Jürgen Müller", "j.mueller@example.org", "Groß GmbH");
        for q in [
            "muller", "mueller", "Müller", "MÜLLER", "jurgen", "juergen", "gross", "groß",
        ] {
            let found = like_patterns(q).iter().any(|p| {
                let p = p.trim_matches('%');
                key.contains(p)
            });
            assert!(found, "{q} finds {key}");
        }
    }

    #[test]
    fn like_wildcards_in_a_query_are_escaped() {
        assert_eq!(like_patterns("50%_a"), ["%50\\%\\_a%"]);
    }
}
