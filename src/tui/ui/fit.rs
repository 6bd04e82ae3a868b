//! Making text fit a width without cutting a word: what does not fit ends in "…" at a word
//! boundary, so a reader always sees that something was left out, and never half a word.
//! Widths are terminal cells (`unicode-width`), not bytes or chars.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::theme::Theme;

/// The mark for text left out.
pub const ELLIPSIS: char = '…';

/// `text` if it fits in `width` cells; else its longest prefix that ends at a word
/// boundary and leaves room for "…", then "…". A first word longer than the width is cut
/// inside (there is no boundary to cut at). Never wider than `width`.
pub fn words(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    whole_words(text, width).unwrap_or_else(|| {
        let keep: String = text
            .chars()
            .scan(0, |w, c| {
                *w += c.width().unwrap_or(0);
                (*w < width).then_some(c)
            })
            .collect();
        format!("{keep}{ELLIPSIS}")
    })
}

/// [`words`] for text that does not fit, or None when not even its first word fits.
fn whole_words(text: &str, width: usize) -> Option<String> {
    let room = width - 1; // one cell for the ellipsis
    let mut end = 0; // byte index: the longest prefix that fits in `room`
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        end = i + c.len_utf8();
    }
    // Back off to the last boundary: the cut falls between words when the next char is a
    // space, or inside one; then the prefix ends at its last space.
    let cut_inside_word = text[end..].chars().next().is_some_and(|c| !c.is_whitespace());
    let mut keep = &text[..end];
    if cut_inside_word {
        keep = &keep[..keep.rfind(char::is_whitespace)?];
    }
    let keep = keep.trim_end();
    (!keep.is_empty()).then(|| format!("{keep}{ELLIPSIS}"))
}

/// A styled line cut as [`words`] cuts text: spans are kept whole while they fit, the span
/// that does not fit is cut at a word boundary (or dropped, if its first word does not
/// fit, leaving the ellipsis after the previous span), and the rest are dropped.
pub fn line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let Line { spans, style, alignment } = line;
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = span.content.width();
        if used + w < width {
            used += w;
            out.push(span);
            continue;
        }
        let room = width - used;
        match (whole_words(&span.content, room), out.is_empty()) {
            (Some(cut), _) => out.push(Span::styled(cut, span.style)),
            // Not one word of this span fits: the previous span ends in the ellipsis.
            (None, false) => end_previous(&mut out, room),
            (None, true) => out.push(Span::styled(words(&span.content, room), span.style)),
        }
        break;
    }
    Line { spans: out, style, alignment }
}

/// Ends the last span with "…", in the `room` cells left after it (1 at least).
fn end_previous(out: &mut [Span<'static>], room: usize) {
    let last = out.last_mut().expect("checked non-empty");
    let trimmed = last.content.trim_end().to_string();
    let spare = last.content.width() - trimmed.width() + room;
    last.content = if spare >= 1 {
        format!("{trimmed}{ELLIPSIS}").into()
    } else {
        words(&trimmed, trimmed.width().saturating_sub(1)).into()
    };
}

/// `text` broken into lines of at most `width` cells, between words (a word longer than a
/// line is cut by [`words`]). For layouts that need to know a paragraph's height.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let word = words(word, width);
        if !current.is_empty() && current.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// How a view is scrolled: `offset` rows down, and where to tell the app how far it could
/// go (None: nothing scrolls it, as in presenter mode).
#[derive(Clone, Copy)]
pub struct Scroll<'a> {
    pub offset: usize,
    pub room: Option<&'a Cell<usize>>,
}

impl Scroll<'_> {
    /// Records how far the view could scroll.
    pub fn set_room(&self, room: usize) {
        if let Some(r) = self.room {
            r.set(room);
        }
    }
}

/// Renders `lines`, wrapped between words, into `area`. When they need more rows than it
/// has, the view starts `scroll` rows down (clamped) and its last row says what is left out
/// and how to see it ("+N more lines ↓"), so nothing is cut without a word. `scroll` is
/// None while the arrows belong to something else (the lesson pane): the note says so.
pub fn scrolled(lines: Vec<Line<'static>>, area: Rect, buf: &mut Buffer, scroll: Option<Scroll>, theme: Theme) {
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = text.line_count(area.width);
    if total <= area.height as usize || area.height < 2 {
        scroll.inspect(|s| s.set_room(0));
        text.render(area, buf);
        return;
    }
    let view = area.height as usize - 1;
    scroll.inspect(|s| s.set_room(total - view));
    let offset = scroll.map_or(0, |s| s.offset).min(total - view);
    let below = total - offset - view;
    text.scroll((offset as u16, 0)).render(Rect { height: view as u16, ..area }, buf);
    // The note in full, or in short where the view is narrow (a side column), so that
    // the keys it names are never the part cut off.
    let (long, short) = match (below, offset) {
        (_, _) if scroll.is_some_and(|s| s.room.is_none()) => (format!("+{below} more lines ↓"), format!("+{below} ↓")),
        (below, _) if scroll.is_none() => {
            (format!("+{below} more lines ↓ (Esc hides the lesson pane)"), format!("+{below} ↓ (Esc: no lesson)"))
        }
        (0, above) => (format!("↑ {above} lines above (↑ scrolls back)"), format!("↑ {above} more (↑)")),
        (below, 0) => (format!("+{below} more lines ↓ (Tab, then ↓ scrolls)"), format!("+{below} more ↓ (Tab, ↓)")),
        (below, _) => (format!("+{below} more lines ↓ (↑↓ scroll)"), format!("+{below} more ↓ (↑↓)")),
    };
    let note = if long.width() <= area.width as usize { long } else { short };
    let row = Rect { y: area.y + view as u16, height: 1, ..area };
    Paragraph::new(Span::styled(words(&note, area.width as usize), theme.dim())).render(row, buf);
}

/// "+N more ↓" for a list that shows `shown` of `total` items (empty when all fit).
pub fn more(shown: usize, total: usize) -> String {
    if shown >= total { String::new() } else { format!("+{} more ↓", total - shown) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_fits_is_unchanged() {
        assert_eq!(words("my dog is cute", 14), "my dog is cute");
        assert_eq!(words("", 0), "");
    }

    #[test]
    fn cuts_at_a_word_boundary_with_an_ellipsis() {
        assert_eq!(words("my dog is cute", 13), "my dog is…");
        assert_eq!(words("my dog is cute", 10), "my dog is…");
        assert_eq!(words("my dog is cute", 9), "my dog…");
        // The cut falls exactly before a space: the whole word before it stays.
        assert_eq!(words("my dog is cute", 7), "my dog…");
    }

    #[test]
    fn a_first_word_too_long_is_cut_inside() {
        assert_eq!(words("thermometer reading", 6), "therm…");
        assert_eq!(words("abc", 1), "…");
    }

    #[test]
    fn widths_are_cells_not_chars() {
        // "…" and "→" are one cell; a CJK ideograph is two.
        assert_eq!(words("a → b → c", 6), "a → b…");
        assert_eq!(words("a → bc → d", 6), "a →…");
        assert_eq!(words("日本 語", 4), "日…");
        for w in 0..12 {
            assert!(words("日本 語 text here", w).width() <= w);
        }
    }

    #[test]
    fn lines_keep_whole_spans_and_cut_the_one_that_does_not_fit() {
        let l = Line::from(vec![Span::raw("step 14 · "), Span::raw("grad norm 0.52")]);
        let cut = line(l.clone(), 20);
        assert_eq!(cut.to_string(), "step 14 · grad norm…");
        assert!(cut.width() <= 20);
        // No room for a word of the second span: the first one ends in the ellipsis.
        let cut = line(l, 12);
        assert_eq!(cut.to_string(), "step 14 ·…");
    }

    #[test]
    fn wrap_breaks_between_words_within_the_width() {
        let text = "each column is scaled to its own largest value";
        let lines = wrap(text, 16);
        assert_eq!(lines, ["each column is", "scaled to its", "own largest", "value"]);
        assert_eq!(lines.join(" "), text);
        assert!(wrap("a verylongword", 5).iter().all(|l| l.width() <= 5));
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn more_counts_what_is_left_out() {
        assert_eq!(more(2, 4), "+2 more ↓");
        assert_eq!(more(4, 4), "");
    }
}
