//! Stage 9: attention. One head's map as a query × key heatmap (the shade is the weight,
//! the colour the key's sentence, `│` and `─` the A/B boundary), the cursor token's
//! strongest keys, and with `g` every layer × head at once as thumbnails (bertviz's model
//! view). The weights are the model's softmax probabilities at eval time, updated on each
//! snapshot while this stage is shown.

use ndarray::{Array3, ArrayView2};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::fit;
use super::theme::{self, Theme};
use crate::model::inspect::attention::{across, top_keys};
use crate::tui::app::App;
use crate::tui::app::inside::Inside;

const SHADES: [char; 5] = ['·', '░', '▒', '▓', '█'];
/// The weights at which the next shade starts: absolute, so that a head that spreads its
/// attention evenly looks even (all ░ for 11 tokens) and a peaked one stands out.
const STEPS: [f32; 4] = [0.05, 0.15, 0.3, 0.5];
/// What the shades mean, for the caption.
const LEGEND: &str = "· under 5%, ░ 5–15%, ▒ 15–30%, ▓ 30–50%, █ over 50% of the row's attention (each row sums to 1)";

fn shade(w: f32) -> char {
    SHADES[STEPS.iter().filter(|&&s| w >= s).count()]
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let Inside::Attention(maps) = &app.view.inside else { return };
    let width = area.width as usize;
    let heads = app.cfg.num_attention_heads;
    let (layer, head) = (app.head / heads, app.head % heads);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let map = maps[layer].index_axis(ndarray::Axis(0), head);
    if app.grid {
        lines.extend(fit::wrap(&grid_intro(app), width).into_iter().map(Line::from));
        lines.push(Line::default());
        lines.extend(grid(app, maps, theme, width));
    } else {
        let title = format!(
            "Layer {} of {}, head {} of {}. Each row is a token looking (the query), each column a token looked at (the key).",
            layer + 1,
            maps.len(),
            head + 1,
            heads
        );
        lines.extend(fit::wrap(&title, width).into_iter().map(Line::from));
        lines.extend(heatmap(app, map, theme, width));
    }
    lines.extend(focus(app, map, layer, head, theme, width));
    lines.extend(fit::wrap(LEGEND, width).into_iter().map(|l| Line::from(Span::styled(l, theme.dim()))));
    fit::scrolled(lines, area, buf, super::stage_scroll(app), theme);
}

/// A token as a column header of `w` cells: "[CLS]" → "CLS", "##ing" → "ing", and one
/// too long cut with "…" ("cute" → "cu…"), so that a cut word never reads as another
/// word ("cut").
fn short(token: &str, w: usize) -> String {
    let t = token.trim_start_matches("##").trim_start_matches('[').trim_end_matches(']');
    let t = if t == "MASK" { "MSK" } else { t };
    if t.chars().count() <= w {
        return t.to_string();
    }
    t.chars().take(w.saturating_sub(1)).chain(std::iter::once('…')).collect()
}

/// The position after the first `[SEP]`: where sentence B starts.
fn boundary(segments: &[u32]) -> usize {
    segments.iter().position(|&s| s == 1).unwrap_or(segments.len())
}

/// The full map: a header of key labels, then one row per query.
fn heatmap(app: &App, map: ArrayView2<f32>, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let tokens = &input_tokens(app);
    let segments = &app.pair.encoded.segments;
    let t = tokens.len();
    let label_w = tokens.iter().map(|s| s.width()).max().unwrap_or(5).min(10) + 4;
    // Four cells per key (three of shade and a gap) when they fit, down to one; "│" marks
    // where B starts.
    let cell = (1..=4).rev().find(|c| label_w + c * t + 1 < width).unwrap_or(1);
    let fill = if cell >= 3 { cell - 1 } else { cell };
    let b = boundary(segments);
    let mut header = vec![Span::raw(" ".repeat(label_w))];
    for (k, tok) in tokens.iter().enumerate() {
        if k == b {
            header.push(Span::styled("│", theme.dim()));
        }
        // Narrow cells cannot hold a name: they show the position's last digit (the rows
        // carry the full positions and names).
        let name = if cell >= 3 { short(tok, fill) } else { (k % 10).to_string() };
        header.push(Span::styled(format!("{name:<cell$}"), theme.segment(segments[k])));
    }
    let mut lines = vec![Line::from(header)];
    for q in 0..t {
        if q == b {
            let rule = format!("{}{}", " ".repeat(label_w), "─".repeat(cell * t + 1));
            lines.push(Line::from(Span::styled(rule, theme.dim())));
        }
        let label = format!("{q:>2} {:<w$} ", fit::words(&tokens[q], label_w - 4), w = label_w - 4);
        let style = if q == app.cursor { theme.selected() } else { theme.segment(segments[q]) };
        let mut spans = vec![Span::styled(label, style)];
        for k in 0..t {
            if k == b {
                spans.push(Span::styled("│", theme.dim()));
            }
            let cells: String = std::iter::repeat_n(shade(map[[q, k]]), fill).collect();
            push_merged(&mut spans, format!("{cells:<cell$}"), theme.segment(segments[k]));
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// The cursor token's strongest keys and how much of its attention crosses the boundary.
fn focus(app: &App, map: ArrayView2<f32>, layer: usize, head: usize, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let tokens = &input_tokens(app);
    let q = app.cursor.min(tokens.len() - 1);
    let top: Vec<String> = top_keys(map, q, 5).into_iter().map(|(k, w)| format!("{k} {} {w:.2}", tokens[k])).collect();
    let cross = across(map, &app.pair.encoded.segments, q);
    let other = if app.pair.encoded.segments[q] == 0 { "B" } else { "A" };
    let head_line = vec![
        Span::styled(format!("{q} {}", tokens[q]), theme.selected()),
        Span::raw(format!(" (layer {} head {}) attends most to: ", layer + 1, head + 1)),
        Span::styled(top.join(" · "), theme.bold(theme::GOOD)),
    ];
    let cross_line = format!("{:.0}% of its attention goes across the boundary, to sentence {other}.", 100.0 * cross);
    let mut lines: Vec<Line<'static>> = vec![fit::line(Line::from(head_line), width)];
    lines.extend(fit::wrap(&cross_line, width).into_iter().map(Line::from));
    lines
}

fn grid_intro(app: &App) -> String {
    format!(
        "All {} layers × {} heads, one small map each (rows = queries, columns = keys, as in the single view). \
         The figure under each is how much of [CLS]'s attention goes to sentence B. ",
        app.cfg.num_hidden_layers, app.cfg.num_attention_heads
    )
}

/// Every head as a thumbnail, one cell per key, as many side by side as fit.
fn grid(app: &App, maps: &[Array3<f32>], theme: Theme, width: usize) -> Vec<Line<'static>> {
    let segments = &app.pair.encoded.segments;
    let t = segments.len();
    let heads = app.cfg.num_attention_heads;
    let thumb = t.max(10) + 2;
    let per_row = (width / thumb).max(1);
    let all: Vec<(usize, usize)> = (0..maps.len()).flat_map(|l| (0..heads).map(move |h| (l, h))).collect();
    let mut lines = Vec::new();
    for chunk in all.chunks(per_row) {
        let mut title = Vec::new();
        let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new(); t + 1];
        for &(l, h) in chunk {
            let map = maps[l].index_axis(ndarray::Axis(0), h);
            let style = if l * heads + h == app.head { theme.selected() } else { theme.bold(theme::TOTAL) };
            title.push(Span::styled(format!("{:<w$}", format!("L{} H{}", l + 1, h + 1), w = thumb - 2), style));
            title.push(Span::raw("  "));
            for (q, row) in rows.iter_mut().take(t).enumerate() {
                for k in 0..t {
                    push_merged(row, shade(map[[q, k]]).to_string(), theme.segment(segments[k]));
                }
                row.push(Span::raw(" ".repeat(thumb - t)));
            }
            let cls = across(map, segments, 0);
            rows[t].push(Span::styled(format!("{:<w$}", format!("CLS→B {:.0}%", 100.0 * cls), w = thumb), theme.dim()));
        }
        lines.push(Line::from(title));
        lines.extend(rows.into_iter().map(Line::from));
        lines.push(Line::default());
    }
    lines
}

/// Adds `text` to the last span when it has the same style (one span per run of a
/// sentence's keys instead of one per cell: a frame's cost grows with the spans).
fn push_merged(spans: &mut Vec<Span<'static>>, text: String, style: ratatui::style::Style) {
    match spans.last_mut() {
        Some(last) if last.style == style => last.content.to_mut().push_str(&text),
        _ => spans.push(Span::styled(text, style)),
    }
}

/// The tokens the model reads: a masked position is `[MASK]` (or its random piece) here,
/// which is what attends and is attended to.
fn input_tokens(app: &App) -> Vec<String> {
    app.pair.plan.input_ids.iter().map(|&id| app.tok.token(id)).collect()
}
