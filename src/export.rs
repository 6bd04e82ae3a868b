//! Figures for slides and handouts: a drawn screen (a ratatui [`Buffer`]) as SVG, HTML,
//! plain text or ANSI text, and the loss history as CSV and as an SVG plot.
//!
//! A leaf: it knows ratatui's `Buffer` and nothing of the app, so the `e` key
//! (`tui::app::export`) and `bert-tutor export` (`cmd::export`) feed it the same buffer the
//! terminal would show.
//!
//! - [`text`]: the buffer's text, one line per row (see [`text::plain`] for the exact rule),
//!   and the same with SGR colour escapes ([`text::ansi`]);
//! - [`svg`]: an SVG 1.1 grid; text stays `<text>` (selectable, searchable), block
//!   elements, box-drawing lines and braille dots become shapes, so the figure looks the
//!   same whatever monospace font the viewer has;
//! - [`html`]: a standalone page, a `<pre>` of styled spans;
//! - [`loss`]: the loss history as CSV, and its curves drawn by `plotters`;
//! - [`palette`]: the one terminal palette SVG and HTML share.
//!
//! Why not a crate (checked November 2026): no maintained crate turns a ratatui `Buffer`
//! into SVG or HTML. `anstyle-svg` (rust-cli, maintained) and `ansi-to-html` render an
//! ANSI *text stream*: reverse video is missing from `ansi-to-html`, neither can draw block
//! elements as rectangles, and going Buffer → ANSI → their parser would lose the cell grid
//! they would then have to guess back. `ansi2` is the same idea, unmaintained since 2024.
//! The Buffer → SVG writers found (`purple-ssh`'s `ui/svg_export.rs`, `ratagrid`'s example
//! `export.rs`) are private modules of applications, not libraries. So this is our own,
//! small, with tests (`tests/export.rs`).

pub mod glyph;
pub mod html;
pub mod loss;
pub mod palette;
pub mod svg;
pub mod text;

use ratatui::buffer::{Buffer, Cell};
use unicode_width::UnicodeWidthStr;

/// One visible cell of a row: where it starts, how many columns it covers (2 for a wide
/// character, whose next cell is hidden behind it), and the cell itself.
#[derive(Debug, Clone, Copy)]
pub struct Glyph<'a> {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub cell: &'a Cell,
}

impl Glyph<'_> {
    pub fn symbol(&self) -> &str {
        self.cell.symbol()
    }
}

/// The visible glyphs of each row, left to right: a cell hidden by the wide character
/// before it is left out, as a terminal (and ratatui's `TestBackend`) shows it.
pub fn rows(buf: &Buffer) -> Vec<Vec<Glyph<'_>>> {
    let width = buf.area.width as usize;
    if width == 0 {
        return vec![Vec::new(); buf.area.height as usize];
    }
    buf.content
        .chunks(width)
        .enumerate()
        .map(|(y, cells)| {
            let mut row = Vec::with_capacity(cells.len());
            let mut x = 0;
            while x < cells.len() {
                let cell = &cells[x];
                let w = cell.symbol().width().clamp(1, cells.len() - x);
                row.push(Glyph { x: x as u16, y: y as u16, width: w as u16, cell });
                x += w;
            }
            row
        })
        .collect()
}

/// `text` made safe for XML and HTML: markup characters escaped, and characters XML 1.0
/// forbids (control characters, U+FFFE, U+FFFF) replaced by U+FFFD.
pub fn escape_xml(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}
