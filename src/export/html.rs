//! A buffer as a standalone HTML page: a `<pre>` whose rows are runs of styled `<span>`s,
//! in the same palette as the SVG. Block and box-drawing characters stay characters here
//! (the browser's monospace font draws them); the SVG is the figure that does not depend
//! on the font. The line height is the font's own box height (18px at 16px), so that
//! box-drawing verticals join up.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;

use super::palette::{DEFAULT_BG, DEFAULT_FG, DIM_OPACITY, Look};
use super::{Glyph, escape_xml, rows};

/// The HTML page of `buf`; `title` becomes its `<title>`.
pub fn render(buf: &Buffer, title: &str) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    escape_xml(title, &mut out);
    let _ = write!(
        out,
        "</title>\n<style>\nbody {{ margin: 0; background: {bg}; }}\n\
         pre {{ margin: 0; padding: 8px; color: {fg}; background: {bg}; \
         font: 16px/18px {font}; }}\n</style>\n</head>\n<body>\n<pre>",
        bg = DEFAULT_BG.hex(),
        fg = DEFAULT_FG.hex(),
        font = super::svg::FONT_FAMILY,
    );
    let rows = rows(buf);
    for row in &rows {
        row_html(row, &mut out);
        out.push('\n');
    }
    out.push_str("</pre>\n</body>\n</html>\n");
    out
}

/// One row: runs of one look, plain text where the look is the default one; spaces in the
/// default look at the end of the row are left out.
fn row_html(row: &[Glyph], out: &mut String) {
    let plain = Look::of(&ratatui::buffer::Cell::EMPTY);
    let end = row.iter().rposition(|g| !(g.symbol() == " " && Look::of(g.cell) == plain)).map_or(0, |i| i + 1);
    let mut i = 0;
    while i < end {
        let look = Look::of(row[i].cell);
        let j = (i..end).find(|&j| Look::of(row[j].cell) != look).unwrap_or(end);
        let mut text = String::new();
        for g in &row[i..j] {
            escape_xml(g.symbol(), &mut text);
        }
        if look == plain {
            out.push_str(&text);
        } else {
            let _ = write!(out, "<span style=\"{}\">{text}</span>", css(&look));
        }
        i = j;
    }
}

fn css(look: &Look) -> String {
    let mut css = format!("color:{}", look.fg.hex());
    if look.bg != DEFAULT_BG {
        let _ = write!(css, ";background:{}", look.bg.hex());
    }
    if look.bold {
        css.push_str(";font-weight:bold");
    }
    if look.italic {
        css.push_str(";font-style:italic");
    }
    if let Some(d) = look.decoration() {
        let _ = write!(css, ";text-decoration:{d}");
    }
    if look.dim {
        let _ = write!(css, ";opacity:{DIM_OPACITY}");
    }
    if look.hidden {
        css.push_str(";visibility:hidden");
    }
    css
}
