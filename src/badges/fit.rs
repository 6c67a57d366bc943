//! Fitting a line of text into a box: the largest font size at which it wraps into the lines
//! the box has room for, measured with the font's own advance widths, so a long name shrinks
//! or wraps and never runs over the badge's edge.
use skrifa::{
    instance::{LocationRef, Size},
    FontRef, MetadataProvider,
};

/// Line height as a multiple of the font size.
pub const LEADING: f32 = 1.15;

/// Measures text set in one font.
pub struct Measure<'a> {
    font: FontRef<'a>,
}

impl<'a> Measure<'a> {
    /// `None` if `data` is not a font skrifa can read.
    pub fn new(data: &'a [u8]) -> Option<Self> {
        FontRef::new(data).ok().map(|font| Self { font })
    }

    /// The width of `text` in points at `size` points, from the glyphs' advance widths
    /// (no kerning: kerning only ever makes these lines narrower).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.font.charmap();
        let metrics = self
            .font
            .glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                let glyph = charmap.map(c).unwrap_or_default();
                metrics.advance_width(glyph).unwrap_or(size * 0.6)
            })
            .sum()
    }
}

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
/// wrapped at spaces (and inside words only where a word alone is too wide), fits `width`
/// and `height` (points); one line a little smaller (down to 80 % of `max`) is preferred to
/// two. At `min` what still does not fit is cut, ending in `…`.
pub fn fit(
    measure: &Measure<'_>,
    text: &str,
    max: f32,
    min: f32,
    width: f32,
    height: f32,
) -> Fitted {
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

/// Greedy wrapping at spaces; a word wider than the line is broken between characters (then
/// the second value is true).
fn wrap(measure: &Measure<'_>, text: &str, size: f32, width: f32) -> (Vec<String>, bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut broken = false;
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if measure.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if measure.width(&line, size) > width && line.chars().count() > 1 {
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
fn cut(
    measure: &Measure<'_>,
    mut lines: Vec<String>,
    room: usize,
    size: f32,
    width: f32,
) -> Vec<String> {
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

    fn measure() -> Measure<'static> {
        Measure::new(super::super::BOLD).unwrap()
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
}
