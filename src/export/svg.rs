//! A buffer as an SVG 1.1 document: one [`CELL_W`] × [`CELL_H`] box per cell, drawn in
//! four layers: background runs, shapes (block elements, box-drawing lines, braille dots;
//! see [`super::glyph`]), then the text. Text stays text: each run of same-styled cells of
//! a row is one `<text>`, its characters pinned to their columns by a list of x positions
//! (with `xml:space="preserve"`, so spaces inside a run keep their place), so the figure
//! can be searched and copied from, and its columns line up whatever monospace font the
//! viewer picks.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ratatui::buffer::Buffer;

use super::glyph::{Shape, braille_dot, shape};
use super::palette::{DEFAULT_BG, DIM_OPACITY, Look, Rgb};
use super::{Glyph, escape_xml, rows};
use unicode_width::UnicodeWidthStr;

/// A cell's size in pixels, and the text's size and baseline (from the cell's top).
pub const CELL_W: u32 = 10;
pub const CELL_H: u32 = 20;
pub const FONT_SIZE: u32 = 16;
const BASELINE: u32 = 15;
/// Monospace fonts common on Linux, macOS and Windows, then the generic family.
pub const FONT_FAMILY: &str = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";
/// Line widths of box-drawing characters: light, heavy.
const STROKE: [f32; 2] = [1.2, 2.6];
/// The radius of a braille dot.
const DOT: f32 = 1.7;

/// The SVG document of `buf`; `title` becomes its `<title>`.
pub fn render(buf: &Buffer, title: &str) -> String {
    let (w, h) = (u32::from(buf.area.width) * CELL_W, u32::from(buf.area.height) * CELL_H);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"{FONT_FAMILY}\" font-size=\"{FONT_SIZE}\">"
    );
    out.push_str("<title>");
    escape_xml(title, &mut out);
    out.push_str("</title>\n");
    let _ = writeln!(out, "<rect width=\"{w}\" height=\"{h}\" fill=\"{}\"/>", DEFAULT_BG.hex());
    let rows = rows(buf);
    backgrounds(&rows, &mut out);
    blocks(&rows, &mut out);
    lines(&rows, &mut out);
    braille(&rows, &mut out);
    texts(&rows, &mut out);
    out.push_str("</svg>\n");
    out
}

/// A number for an attribute: whole numbers without decimals, others with up to two.
fn num(v: f32) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The opacity a look draws its foreground with.
fn opacity(look: &Look) -> f32 {
    if look.dim { DIM_OPACITY } else { 1.0 }
}

fn opacity_attr(o: f32) -> String {
    if o < 1.0 { format!(" opacity=\"{}\"", num(o)) } else { String::new() }
}

fn backgrounds(rows: &[Vec<Glyph>], out: &mut String) {
    for row in rows {
        let mut run: Option<(u16, u16, Rgb)> = None; // (first column, end column, colour)
        for g in row.iter().map(Some).chain([None]) {
            let next = g.map(|g| (g.x, g.x + g.width, Look::of(g.cell).bg));
            match (run, next) {
                (Some((x0, x1, c)), Some((gx, gx1, gc))) if gx == x1 && gc == c => run = Some((x0, gx1, c)),
                _ => {
                    if let Some((x0, x1, c)) = run.take()
                        && c != DEFAULT_BG
                    {
                        let y = row.first().map_or(0, |g| g.y);
                        let _ = writeln!(
                            out,
                            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{CELL_H}\" fill=\"{}\"/>",
                            u32::from(x0) * CELL_W,
                            u32::from(y) * CELL_H,
                            u32::from(x1 - x0) * CELL_W,
                            c.hex()
                        );
                    }
                    run = next;
                }
            }
        }
    }
}

/// Block elements as rectangles; neighbours of the same part, colour and opacity merge
/// into one (a bar of █ is one rectangle, with no seams between cells).
fn blocks(rows: &[Vec<Glyph>], out: &mut String) {
    type Pending = (f32, f32, f32, f32, Rgb, f32); // x0, x1, y0, y1 in pixels, colour, opacity
    let flush = |p: &mut Option<Pending>, out: &mut String| {
        if let Some((x0, x1, y0, y1, c, o)) = p.take() {
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{}/>",
                num(x0),
                num(y0),
                num(x1 - x0),
                num(y1 - y0),
                c.hex(),
                opacity_attr(o)
            );
        }
    };
    for row in rows {
        let mut pending: Option<Pending> = None;
        for g in row {
            let look = Look::of(g.cell);
            let Shape::Block { parts, opacity: o } = shape(g.symbol()) else {
                flush(&mut pending, out);
                continue;
            };
            if look.hidden {
                flush(&mut pending, out);
                continue;
            }
            let (cx, cy) = ((u32::from(g.x) * CELL_W) as f32, (u32::from(g.y) * CELL_H) as f32);
            let cw = (u32::from(g.width) * CELL_W) as f32;
            for (px0, py0, px1, py1) in parts {
                let r = (cx + px0 * cw, cx + px1 * cw, cy + py0 * CELL_H as f32, cy + py1 * CELL_H as f32);
                let o = o * opacity(&look);
                match &mut pending {
                    Some(p) if p.1 == r.0 && p.2 == r.2 && p.3 == r.3 && p.4 == look.fg && p.5 == o => p.1 = r.1,
                    _ => {
                        flush(&mut pending, out);
                        pending = Some((r.0, r.1, r.2, r.3, look.fg, o));
                    }
                }
            }
        }
        flush(&mut pending, out);
    }
}

/// Box-drawing characters as lines through the cells' centres: each cell adds half-lines
/// from its centre to the edges it joins, and touching half-lines of one colour and weight
/// merge, so a border is one line from corner to corner.
fn lines(rows: &[Vec<Glyph>], out: &mut String) {
    // (colour, weight, opacity in %) → horizontal lines by y and vertical lines by x, each a
    // list of (from, to) in pixels.
    type Segments = BTreeMap<u32, Vec<(u32, u32)>>;
    let mut found: BTreeMap<(Rgb, u8, u32), (Segments, Segments)> = BTreeMap::new();
    for g in rows.iter().flatten() {
        let Shape::Lines(weights) = shape(g.symbol()) else { continue };
        let look = Look::of(g.cell);
        if look.hidden {
            continue;
        }
        let (x0, y0) = (u32::from(g.x) * CELL_W, u32::from(g.y) * CELL_H);
        let (x1, y1) = (x0 + u32::from(g.width) * CELL_W, y0 + CELL_H);
        let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
        let halves = [(cx, y0, cx, cy), (cx, cy, x1, cy), (cx, cy, cx, y1), (x0, cy, cx, cy)];
        for (w, (ax, ay, bx, by)) in weights.into_iter().zip(halves) {
            if w == 0 {
                continue;
            }
            let key = (look.fg, w, (opacity(&look) * 100.0) as u32);
            let (horizontal, vertical) = found.entry(key).or_default();
            if ay == by {
                horizontal.entry(ay).or_default().push((ax, bx));
            } else {
                vertical.entry(ax).or_default().push((ay, by));
            }
        }
    }
    for ((color, weight, pct), (horizontal, vertical)) in found {
        let mut d = String::new();
        for (y, segments) in horizontal {
            for (a, b) in merged(segments) {
                let _ = write!(d, "M{a} {y}H{b}");
            }
        }
        for (x, segments) in vertical {
            for (a, b) in merged(segments) {
                let _ = write!(d, "M{x} {a}V{b}");
            }
        }
        let _ = writeln!(
            out,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-linecap=\"square\"{}/>",
            color.hex(),
            num(STROKE[usize::from(weight.min(2)) - 1]),
            opacity_attr(pct as f32 / 100.0)
        );
    }
}

/// Segments sorted and joined where they touch or overlap.
fn merged(mut segments: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    segments.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (a, b) in segments {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Braille dots as small circles, grouped by colour.
fn braille(rows: &[Vec<Glyph>], out: &mut String) {
    let mut groups: BTreeMap<(Rgb, u32), String> = BTreeMap::new();
    for g in rows.iter().flatten() {
        let Shape::Braille(bits) = shape(g.symbol()) else { continue };
        let look = Look::of(g.cell);
        if look.hidden {
            continue;
        }
        let dots = groups.entry((look.fg, (opacity(&look) * 100.0) as u32)).or_default();
        let (x0, y0) = ((u32::from(g.x) * CELL_W) as f32, (u32::from(g.y) * CELL_H) as f32);
        for i in (0..8).filter(|i| bits & (1 << i) != 0) {
            let (col, row) = braille_dot(i);
            let cx = x0 + (f32::from(col) + 0.5) * CELL_W as f32 / 2.0;
            let cy = y0 + (f32::from(row) + 0.5) * CELL_H as f32 / 4.0;
            let _ = write!(dots, "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"/>", num(cx), num(cy), num(DOT));
        }
    }
    for ((color, pct), dots) in groups {
        let _ = writeln!(out, "<g fill=\"{}\"{}>{dots}</g>", color.hex(), opacity_attr(pct as f32 / 100.0));
    }
}

/// Whether a glyph can share a `<text>` with its neighbours: one character, one column,
/// from the Basic Multilingual Plane (so that one x position maps to one character in
/// every viewer). Others get a `<text>` of their own.
fn joinable(g: &Glyph) -> bool {
    let mut chars = g.symbol().chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if (c as u32) < 0x10000 && g.symbol().width() == 1)
}

fn texts(rows: &[Vec<Glyph>], out: &mut String) {
    out.push_str("<g>\n");
    for row in rows {
        let mut run: Vec<&Glyph> = Vec::new();
        for g in row {
            let look = Look::of(g.cell);
            let is_text = shape(g.symbol()) == Shape::Text && !look.hidden && !g.symbol().is_empty();
            let fits = is_text
                && joinable(g)
                && run.last().is_some_and(|last| {
                    joinable(last) && last.x + last.width == g.x && same_text_style(&Look::of(last.cell), &look)
                });
            if !fits {
                text_run(&run, out);
                run.clear();
            }
            if is_text {
                run.push(g);
            }
        }
        text_run(&run, out);
    }
    out.push_str("</g>\n");
}

fn same_text_style(a: &Look, b: &Look) -> bool {
    (a.fg, a.bold, a.dim, a.italic, a.underline, a.crossed) == (b.fg, b.bold, b.dim, b.italic, b.underline, b.crossed)
}

/// One `<text>`: the run without its leading and trailing spaces.
fn text_run(run: &[&Glyph], out: &mut String) {
    let blank = |g: &&&Glyph| g.symbol() == " ";
    let start = run.iter().position(|g| !blank(&g)).unwrap_or(run.len());
    let end = run.iter().rposition(|g| !blank(&g)).map_or(start, |i| i + 1);
    let run = &run[start..end.max(start)];
    let Some(first) = run.first() else { return };
    let look = Look::of(first.cell);
    let xs: Vec<String> = run.iter().map(|g| (u32::from(g.x) * CELL_W).to_string()).collect();
    // xml:space on each <text>: browsers do not take it from a parent.
    let _ = write!(
        out,
        "<text xml:space=\"preserve\" x=\"{}\" y=\"{}\"",
        xs.join(" "),
        u32::from(first.y) * CELL_H + BASELINE
    );
    let _ = write!(out, " fill=\"{}\"", look.fg.hex());
    if look.bold {
        out.push_str(" font-weight=\"bold\"");
    }
    if look.italic {
        out.push_str(" font-style=\"italic\"");
    }
    if let Some(d) = look.decoration() {
        let _ = write!(out, " text-decoration=\"{d}\"");
    }
    out.push_str(&opacity_attr(opacity(&look)));
    out.push('>');
    for g in run {
        escape_xml(g.symbol(), out);
    }
    out.push_str("</text>\n");
}
