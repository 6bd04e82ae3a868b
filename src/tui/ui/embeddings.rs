//! Stage 3: each token's three table rows, their sum and its LayerNorm, as heat strips,
//! and the token under the cursor as numbers (the course's input figure, live).

use ndarray::Array2;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::heat::strip;
use super::theme::{self, Theme};
use crate::lesson::{Highlight, Row};
use crate::tui::app::{App, Focus};

/// The five vectors of a token, in the order shown.
fn columns(app: &App) -> [(&'static str, &Array2<f32>); 5] {
    let r = &app.view.rows;
    [("token", &r.token), ("segment", &r.segment), ("position", &r.position), ("sum", &r.sum), ("LayerNorm", &r.normed)]
}

fn max_abs(a: &Array2<f32>) -> f32 {
    a.iter().fold(0.0, |m: f32, &x| m.max(x.abs()))
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let n = app.pair.encoded.ids.len() as u16;
    // Each column's largest |value|: its strips' scale, also written in the caption.
    let scales: Vec<f32> = columns(app).iter().map(|(_, a)| max_abs(a)).collect();
    let caption = caption(app, theme, &scales, dims(app, area.width), area.width);
    // The caption, the column names and the tokens; the numbers pane below keeps 5 rows
    // (its border, column names and 2 dims) while there is room for them.
    let table_h = (caption.len() as u16 + 1 + n).min(area.height.saturating_sub(5).max(area.height / 2));
    let [top, detail] = Layout::vertical([Constraint::Length(table_h), Constraint::Fill(1)]).areas(area);
    table(app, theme, &scales, caption, top, buf);
    numbers(app, theme, detail, buf);
}

/// How many dimensions of each vector the strips show at this width.
fn dims(app: &App, width: u16) -> usize {
    let fixed = 10 + 6 + 5 * 3 + 6;
    ((width as usize).saturating_sub(fixed) / 5).clamp(1, app.cfg.hidden_size)
}

/// What the strips are, why positions have a row, and each column's scale, in words,
/// wrapped to the width.
fn caption(app: &App, theme: Theme, scales: &[f32], dims: usize, width: u16) -> Vec<Line<'static>> {
    let h = app.cfg.hidden_size;
    let scales: Vec<String> = scales.iter().map(|s| format!("{s:.2}")).collect();
    let what = format!(
        "Each token's vector = its token row + its segment row (A or B) + its position row, then LayerNorm. \
         Positions need a row of their own: attention by itself does not see word order. \
         The strips show dims 0–{} of {h}.",
        dims - 1
    );
    let scale = format!(
        "Red +, blue −. Each column is scaled to its own largest value: a full block is ±{} for the token \
         rows, ±{} segment, ±{} position, ±{} sum, ±{} LayerNorm.",
        scales[0], scales[1], scales[2], scales[3], scales[4]
    );
    let width = width as usize;
    let mut lines: Vec<Line<'static>> = super::fit::wrap(&what, width).into_iter().map(Line::from).collect();
    lines.extend(super::fit::wrap(&scale, width).into_iter().map(|l| Line::from(Span::styled(l, theme.dim()))));
    lines
}

fn table(app: &App, theme: Theme, scales: &[f32], caption: Vec<Line<'static>>, area: Rect, buf: &mut Buffer) {
    let e = &app.pair.encoded;
    let dims = dims(app, area.width);
    let cols = columns(app);
    let mut lines = caption;
    let caption_h = lines.len();
    let mut head = vec![Span::styled(format!("{:<16}", "token   id"), theme.dim())];
    let lit = match app.highlight() {
        Some(Highlight::Row(r)) => Some(r),
        _ => None,
    };
    for ((name, _), row) in cols.iter().zip([Row::Token, Row::Segment, Row::Position, Row::Sum, Row::LayerNorm]) {
        let style = if lit == Some(row) { theme.selected() } else { theme.dim() };
        head.push(Span::styled(format!("{:<w$}", &name[..name.len().min(dims + 2)], w = dims + 3), style));
    }
    lines.push(Line::from(head));
    // Rows left for tokens under the column names; the cursor's row stays in view, and a
    // last row says how many tokens are below when they do not all fit.
    let mut rows = (area.height as usize).saturating_sub(caption_h + 1);
    if rows < e.ids.len() {
        rows = rows.saturating_sub(1);
    }
    let first = (app.cursor + 1).saturating_sub(rows);
    let end = (first + rows).min(e.ids.len());
    for i in first..end {
        let style = if i == app.cursor { theme.selected() } else { theme.segment(e.segments[i]) };
        let mut spans =
            vec![Span::styled(format!("{:<9}", e.tokens[i]), style), Span::raw(format!("{:>5}  ", e.ids[i]))];
        for (c, ((_, a), s)) in cols.iter().zip(scales).enumerate() {
            spans.extend(strip(a.row(i).iter().take(dims).copied(), *s, theme));
            spans.push(Span::styled([" + ", " + ", " = ", " → ", ""][c], theme.dim()));
        }
        lines.push(Line::from(spans));
    }
    let more = super::fit::more(end, e.ids.len());
    if !more.is_empty() {
        lines.push(Line::from(Span::styled(format!("{more} (↑↓ moves the cursor)"), theme.dim())));
    }
    Paragraph::new(lines).render(area, buf);
}

fn numbers(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let i = app.cursor;
    let e = &app.pair.encoded;
    let h = app.cfg.hidden_size;
    let seg = if e.segments[i] == 0 { "E_A" } else { "E_B" };
    let focused = app.focus == Focus::Detail;
    let title = format!(
        " \"{}\": E_{} (row {}) + {seg} + E_{i} = sum → LayerNorm {}",
        e.tokens[i],
        e.tokens[i],
        e.ids[i],
        if focused { "[↑↓ scroll]" } else { "[Tab to scroll]" }
    );
    let block =
        if focused { Block::bordered().border_style(theme.bold(theme::GOOD)) } else { Block::bordered() }.title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    let visible = inner.height.saturating_sub(1) as usize;
    if focused {
        app.scroll_room.set(h.saturating_sub(visible));
    }
    let start = app.scroll.min(h.saturating_sub(visible));
    let cols = columns(app);
    let mut lines = vec![Line::from(Span::styled(
        format!("{:>5} {:>10} {:>10} {:>10} {:>10} {:>10}", "dim", "token", "segment", "position", "sum", "LayerNorm"),
        theme.dim(),
    ))];
    for d in start..(start + visible).min(h) {
        let v: Vec<String> = cols.iter().map(|(_, a)| format!("{:>10.4}", a[[i, d]])).collect();
        lines.push(Line::from(format!("{d:>5} {}", v.join(" "))));
    }
    Paragraph::new(lines).render(inner, buf);
}
