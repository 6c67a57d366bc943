//! Lines of text in any script: a chain of fallback fonts (each run of text set in the first
//! font that has its characters), the Unicode bidirectional algorithm (UAX #9) for the visual
//! order of right-to-left runs, shaping with rustybuzz (HarfBuzz's rules: Arabic joining,
//! Devanagari conjuncts, Thai marks), and a text layer in logical order.
//!
//! PDF readers that extract text (copy, search, `pdftotext`, lopdf) read the glyphs in the
//! order the content stream shows them, each mapped to its characters. A right-to-left run
//! shaped as it looks puts its glyphs in visual order, so "محمد" read back as "دمحم". Here the
//! glyphs of a line are shown in the order of the characters they stand for, each placed at
//! its visual position by its advance (negative where the next character's glyph lies to the
//! left), so the page looks the same and the text reads in logical order.
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use krilla::{
    geom::Point,
    surface::Surface,
    text::{Font, GlyphId, KrillaGlyph},
};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::ParagraphBidiInfo;

/// One font of a chain: what krilla embeds and what rustybuzz shapes with.
struct Member {
    pdf: Font,
    face: rustybuzz::Face<'static>,
    units_per_em: f32,
}

/// Fonts tried in order for each run of text: the first that has a glyph for a character
/// sets it; a character no font has is set in the first (and shows as its empty box).
pub struct Chain {
    members: Vec<Member>,
    /// Line widths at size 1 (em), by text: `fit` measures the same candidates at each size.
    widths: RefCell<HashMap<String, f32>>,
}

/// Whether `c` belongs to the cluster of the character before it: combining marks
/// (Unicode category M), zero-width (non-)joiners, variation selectors, emoji skin-tone
/// modifiers and tag characters (Unicode TR 51).
pub fn joins(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
        || matches!(
            c,
            '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0020}'..='\u{E007F}'
        )
}

/// One glyph of a laid-out line.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Index of the chain's font.
    pub font: usize,
    /// The glyph's id in that font (0: `.notdef`, the empty box).
    pub glyph: u16,
    /// The bytes of the line this glyph's cluster stands for.
    pub text: Range<usize>,
    /// Where the glyph's origin lies from the line's start, in em.
    pub x: f32,
    /// The shaper's offsets of the glyph from its origin (marks on their base), in em.
    pub x_offset: f32,
    pub y_offset: f32,
    /// How far the glyph moves the pen to the right, in em.
    pub advance: f32,
}

impl Chain {
    /// A chain of the fonts in `data`, in that order; `None` if one does not parse.
    pub fn new(data: &[&'static [u8]]) -> Option<Self> {
        let members = data
            .iter()
            .map(|bytes| {
                let face = rustybuzz::Face::from_slice(bytes, 0)?;
                Some(Member {
                    pdf: Font::new((*bytes).into(), 0)?,
                    units_per_em: face.units_per_em() as f32,
                    face,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        (!members.is_empty()).then(|| Self {
            members,
            widths: RefCell::new(HashMap::new()),
        })
    }

    /// The width of `text` on one line at `size` points, as shaped.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        if let Some(em) = self.widths.borrow().get(text) {
            return em * size;
        }
        let em: f32 = self.layout(text).iter().map(|g| g.advance).sum();
        self.widths.borrow_mut().insert(text.to_owned(), em);
        em * size
    }

    /// The index of the font that sets `c` after a run in font `current`: marks, joiners,
    /// variation selectors and emoji modifiers stay with the run they follow, and so does
    /// punctuation the run's font has; anything else, spaces too (an emoji font's space is
    /// an em wide), takes the first font with a glyph for it.
    fn font_for(&self, c: char, current: Option<usize>) -> usize {
        let has = |i: usize| self.members[i].face.glyph_index(c).is_some();
        if let Some(current) = current {
            if joins(c) || (c.is_ascii_punctuation() && has(current)) {
                return current;
            }
        }
        (0..self.members.len()).find(|&i| has(i)).unwrap_or(0)
    }

    /// `line`'s glyphs in visual order, left to right, positioned in em.
    pub fn layout(&self, line: &str) -> Vec<Placed> {
        let mut placed = Vec::new();
        if line.is_empty() {
            return placed;
        }
        let bidi = ParagraphBidiInfo::new(line, None);
        let (levels, runs) = bidi.visual_runs(0..line.len());
        let mut pen = 0.0;
        for run in runs {
            let rtl = levels[run.start].is_rtl();
            // Split the direction run into runs of one font, in logical order.
            let mut pieces: Vec<(usize, Range<usize>)> = Vec::new();
            for (i, c) in line[run.clone()].char_indices() {
                let at = run.start + i;
                let font = self.font_for(c, pieces.last().map(|p| p.0));
                match pieces.last_mut() {
                    Some((f, range)) if *f == font => range.end = at + c.len_utf8(),
                    _ => pieces.push((font, at..at + c.len_utf8())),
                }
            }
            if rtl {
                pieces.reverse();
            }
            for (font, range) in pieces {
                pen = self.shape(font, line, range, rtl, pen, &mut placed);
            }
        }
        placed
    }

    /// Shapes `line[range]` in one font and direction, appending its glyphs in visual order
    /// from `pen`; the pen after them.
    fn shape(
        &self,
        font: usize,
        line: &str,
        range: Range<usize>,
        rtl: bool,
        mut pen: f32,
        placed: &mut Vec<Placed>,
    ) -> f32 {
        let member = &self.members[font];
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(&line[range.clone()]);
        buffer.guess_segment_properties();
        buffer.set_direction(if rtl {
            Direction::RightToLeft
        } else {
            Direction::LeftToRight
        });
        let output = rustybuzz::shape(&member.face, &[], buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        // Clusters are byte offsets into the piece; in visual order an RTL run's clusters
        // fall, an LTR run's rise. A cluster ends where the next larger cluster starts.
        let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
        starts.sort_unstable();
        starts.dedup();
        let upem = member.units_per_em;
        for (info, pos) in infos.iter().zip(positions) {
            let start = info.cluster as usize;
            let end = starts
                .iter()
                .find(|&&s| s > start)
                .copied()
                .unwrap_or(range.len());
            let advance = pos.x_advance as f32 / upem;
            placed.push(Placed {
                font,
                glyph: info.glyph_id as u16,
                text: range.start + start..range.start + end,
                x: pen,
                x_offset: pos.x_offset as f32 / upem,
                y_offset: pos.y_offset as f32 / upem,
                advance,
            });
            pen += advance;
        }
        pen
    }

    /// Draws `line` with its left end's baseline at `origin`, `size` points high; the glyphs
    /// in logical order (see the module's documentation).
    pub fn draw(&self, surface: &mut Surface<'_>, origin: Point, size: f32, line: &str) {
        let mut glyphs = self.layout(line);
        // Logical order: by the text each glyph stands for; a cluster's glyphs keep their order.
        glyphs.sort_by_key(|g| g.text.start);
        let mut i = 0;
        while i < glyphs.len() {
            let font = glyphs[i].font;
            let end = glyphs[i..]
                .iter()
                .position(|g| g.font != font)
                .map_or(glyphs.len(), |n| i + n);
            let group = &glyphs[i..end];
            let krilla_glyphs: Vec<KrillaGlyph> = group
                .iter()
                .enumerate()
                .map(|(k, g)| {
                    // The advance takes the pen to the next glyph shown, wherever it lies.
                    let advance = group.get(k + 1).map_or(g.advance, |next| next.x - g.x);
                    KrillaGlyph::new(
                        GlyphId::new(u32::from(g.glyph)),
                        advance,
                        g.x_offset,
                        g.y_offset,
                        0.0,
                        g.text.clone(),
                        None,
                    )
                })
                .collect();
            surface.draw_glyphs(
                Point::from_xy(origin.x + group[0].x * size, origin.y),
                &krilla_glyphs,
                self.members[font].pdf.clone(),
                line,
                size,
                false,
            );
            i = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> Chain {
        Chain::new(super::super::BOLD_CHAIN).unwrap()
    }

    #[test]
    fn every_script_of_the_badge_test_finds_a_glyph() {
        let chain = chain();
        for name in [
            "山田太郎",
            "王小明",
            "김민준",
            "देवनागरी नाम",
            "สมชาย ใจดี",
            "🎉 Party",
            "محمد علي",
            "דוד כהן",
            "Jürgen Müller-Łukasz",
        ] {
            let glyphs = chain.layout(name);
            assert!(!glyphs.is_empty());
            assert!(glyphs.iter().all(|g| g.glyph != 0), "{name}: {glyphs:?}");
        }
    }

    #[test]
    fn a_right_to_left_name_is_laid_out_right_to_left() {
        let chain = chain();
        let glyphs = chain.layout("דוד כהן");
        // Visual order: the last word's glyphs first (leftmost), the first letter rightmost.
        assert_eq!(glyphs.last().unwrap().text, 0..2);
        assert_eq!(glyphs.first().unwrap().text.end, "דוד כהן".len());
        let positions: Vec<f32> = glyphs.iter().map(|g| g.x).collect();
        assert!(positions.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn widths_grow_with_the_size_and_are_remembered() {
        let chain = chain();
        let w = chain.width("Ada Lovelace", 10.0);
        assert!(w > 0.0);
        assert!((chain.width("Ada Lovelace", 20.0) - 2.0 * w).abs() < 0.01);
    }
}
