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
    let [top, detail] =
        Layout::vertical([Constraint::Length((n + 4).min(area.height / 2 + 3)), Constraint::Fill(1)]).areas(area);
    table(app, theme, top, buf);
    numbers(app, theme, detail, buf);
}

fn table(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let e = &app.pair.encoded;
    let h = app.cfg.hidden_size;
    let fixed = 10 + 6 + 5 * 3 + 6;
    let dims = ((area.width as usize).saturating_sub(fixed) / 5).clamp(1, h);
    let cols = columns(app);
    let scales: Vec<f32> = cols.iter().map(|(_, a)| max_abs(a)).collect();
    let scale_text: Vec<String> = scales.iter().map(|s| format!("{s:.2}")).collect();
    let mut lines = vec![
        Line::from(format!(
            "token + segment + position rows = sum → LayerNorm · strips show dims 0–{} of {h}",
            dims - 1
        )),
        Line::from(Span::styled(
            format!("red +, blue −; a full cell = ±{} in each column", scale_text.join(" / ")),
            theme.dim(),
        )),
    ];
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
    // Rows left for tokens under the header line; the cursor's row stays in view.
    let rows = (area.height as usize).saturating_sub(5);
    let first = app.cursor.saturating_sub(rows);
    for i in first..e.ids.len() {
        let style = if i == app.cursor { theme.selected() } else { theme.segment(e.segments[i]) };
        let mut spans =
            vec![Span::styled(format!("{:<9}", e.tokens[i]), style), Span::raw(format!("{:>5}  ", e.ids[i]))];
        for (c, ((_, a), s)) in cols.iter().zip(&scales).enumerate() {
            spans.extend(strip(a.row(i).iter().take(dims).copied(), *s, theme));
            spans.push(Span::styled([" + ", " + ", " = ", " → ", ""][c], theme.dim()));
        }
        lines.push(Line::from(spans));
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
