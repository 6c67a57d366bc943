//! Fitting a line of text into a box: the largest font size at which it wraps into the lines
//! the box has room for, measured as shaped in the badge's font chain ([`Chain`]), so a long
//! name shrinks or wraps and never runs over the badge's edge. Lines break at spaces and
//! after hyphens ("Oberhauser-Wittelsbach-" / "Schwarzenberg"); inside a word only where a
//! part alone is wider than the line, and then never inside a character's cluster.
use super::text::{joins, Chain};

/// Line height as a multiple of the font size.
pub const LEADING: f32 = 1.15;

/// Text laid out for a box: its size and its lines, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub size: f32,
    pub lines: Vec<String>,
}

/// Shrinking to at most this share of the largest size keeps a text on one line rather than
/// wrapping it ("Anna Hoffmann" a little smaller, not broken in two).
const ONE_LINE_SHARE: f32 = 0.8;

/// The largest size from `max` down to `min` (in steps of half a point) at which `text`,
/// wrapped at spaces and after hyphens (and inside words only where a part alone is too
/// wide), fits `width`
/// and `height` (points); one line a little smaller (down to 80 % of `max`) is preferred to
/// two. At `min` what still does not fit is cut, ending in `…`.
pub fn fit(measure: &Chain, text: &str, max: f32, min: f32, width: f32, height: f32) -> Fitted {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // Widths grow in proportion to the size: the size at which the text just fills the line.
    let at_one = measure.width(&text, 1.0);
    let filling = if at_one > 0.0 { width / at_one } else { max };
    let one_line = ((filling * 2.0).floor() / 2.0).min(max);
    if one_line >= max * ONE_LINE_SHARE && one_line >= min && one_line * LEADING <= height {
        return Fitted {
            size: one_line,
            lines: vec![text],
        };
    }
    let mut size = max;
    loop {
        let room = ((height / (size * LEADING)).floor() as usize).max(1);
        let (lines, broken) = wrap(measure, &text, size, width);
        // A word broken in two is a last resort: first try smaller sizes.
        let last = size - 0.5 < min;
        if lines.len() <= room && (!broken || last) {
            return Fitted { size, lines };
        }
        if last {
            return Fitted {
                size,
                lines: cut(measure, lines, room, size, width),
            };
        }
        size -= 0.5;
    }
}

/// The pieces of `text` between break opportunities, each with whether a space stands before
/// it: words at spaces, and a word's parts after each hyphen (U+002D, U+2010) that has a
/// letter before and after it, the hyphen staying with the part before.
fn pieces(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut start = 0;
        let mut first = true;
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            let between_letters = k > 0
                && chars[k - 1].1.is_alphanumeric()
                && chars.get(k + 1).is_some_and(|n| n.1.is_alphanumeric());
            if matches!(c, '-' | '\u{2010}') && between_letters {
                let end = i + c.len_utf8();
                out.push((first, &word[start..end]));
                first = false;
                start = end;
            }
        }
        out.push((first, &word[start..]));
    }
    out
}

/// Greedy wrapping at spaces and after hyphens; a part wider than the line is broken between
/// clusters (then the second value is true).
fn wrap(measure: &Chain, text: &str, size: f32, width: f32) -> (Vec<String>, bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut broken = false;
    let mut line = String::new();
    for (spaced, piece) in pieces(text) {
        let glue = if spaced && !line.is_empty() { " " } else { "" };
        let candidate = format!("{line}{glue}{piece}");
        if measure.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if measure.width(piece, size) <= width {
            line.push_str(piece);
            continue;
        }
        let mut previous: Option<char> = None;
        for c in piece.chars() {
            let inside_cluster = joins(c) || previous.is_some_and(|p| p == '\u{200D}');
            previous = Some(c);
            line.push(c);
            if !inside_cluster && line.chars().count() > 1 && measure.width(&line, size) > width {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
                broken = true;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    (lines, broken)
}

/// The first `room` lines, the last one ending in `…` (shortened until that fits).
fn cut(measure: &Chain, mut lines: Vec<String>, room: usize, size: f32, width: f32) -> Vec<String> {
    lines.truncate(room);
    if let Some(last) = lines.last_mut() {
        loop {
            let candidate = format!("{}…", last.trim_end());
            if measure.width(&candidate, size) <= width || last.is_empty() {
                *last = candidate;
                break;
            }
            last.pop();
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure() -> Chain {
        Chain::new(super::super::BOLD_CHAIN).unwrap()
    }

    #[test]
    fn a_short_name_keeps_the_largest_size_on_one_line() {
        let m = measure();
        let f = fit(&m, "Ada Lovelace", 28.0, 10.0, 260.0, 100.0);
        assert_eq!(f.size, 28.0);
        assert_eq!(f.lines, vec!["Ada Lovelace"]);
    }

    #[test]
    fn a_long_name_wraps_or_shrinks_and_every_line_fits() {
        let m = measure();
        let name =
            "Maria-Theresia Walburga Amalia Christina von Habsburg-Lothringen-Müller-Lüdenscheidt";
        let f = fit(&m, name, 28.0, 10.0, 160.0, 70.0);
        assert!(f.size < 28.0);
        assert!(f.lines.len() as f32 * f.size * LEADING <= 70.0 + 0.01);
        for line in &f.lines {
            assert!(m.width(line, f.size) <= 160.0, "{line} at {}", f.size);
        }
        assert_eq!(f.lines.join(" ").replace(' ', ""), name.replace(' ', ""));
    }

    #[test]
    fn a_name_a_little_too_long_shrinks_a_little_rather_than_wrap() {
        let m = measure();
        let full = m.width("Anna Hoffmann", 22.0);
        let f = fit(&m, "Anna Hoffmann", 22.0, 9.0, full * 0.9, 100.0);
        assert_eq!(f.lines, vec!["Anna Hoffmann"]);
        assert!(f.size < 22.0 && f.size >= 22.0 * 0.8);
        assert!(m.width("Anna Hoffmann", f.size) <= full * 0.9);
        let f = fit(&m, "Anna Hoffmann", 22.0, 9.0, full * 0.6, 100.0);
        assert_eq!(f.lines, vec!["Anna", "Hoffmann"]);
    }

    #[test]
    fn what_fits_nowhere_is_cut_with_an_ellipsis() {
        let m = measure();
        let f = fit(
            &m,
            &"Wolfeschlegelsteinhausenbergerdorff ".repeat(6),
            20.0,
            10.0,
            120.0,
            24.0,
        );
        assert_eq!(f.size, 10.0);
        assert_eq!(f.lines.len(), 2);
        assert!(f.lines[1].ends_with('…'));
        for line in &f.lines {
            assert!(m.width(line, f.size) <= 120.0);
        }
    }

    #[test]
    fn a_hyphenated_name_breaks_after_a_hyphen_not_inside_a_part() {
        let m = measure();
        let name = "Oberhauser-Wittelsbach-Schwarzenberg";
        // Too wide for one line even at the smallest size; "Oberhauser-Wittelsbach-" fits.
        let width = m.width("Oberhauser-Wittelsbach-", 14.0) + 1.0;
        let f = fit(&m, name, 14.0, 14.0, width, 100.0);
        assert_eq!(f.lines, ["Oberhauser-Wittelsbach-", "Schwarzenberg"]);
        let narrow = m
            .width("Schwarzenberg", 14.0)
            .max(m.width("Wittelsbach-", 14.0))
            + 1.0;
        let f = fit(&m, name, 14.0, 14.0, narrow, 100.0);
        assert_eq!(f.lines, ["Oberhauser-", "Wittelsbach-", "Schwarzenberg"]);
        // With a first name: lines filled greedily at spaces and hyphens alike.
        let f = fit(&m, &format!("Anna {name}"), 14.0, 14.0, width, 100.0);
        assert_eq!(
            f.lines,
            ["Anna Oberhauser-", "Wittelsbach-", "Schwarzenberg"]
        );
    }

    #[test]
    fn a_hyphen_breaks_only_between_letters() {
        assert_eq!(
            pieces("Jean-Luc -x a- Müller-Lüdenscheidt"),
            [
                (true, "Jean-"),
                (false, "Luc"),
                (true, "-x"),
                (true, "a-"),
                (true, "Müller-"),
                (false, "Lüdenscheidt")
            ]
        );
    }
}
