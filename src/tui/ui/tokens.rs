//! Stages 2 and 4: the input figure (tokens, ids, segments, positions) and the mask plan.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::theme::{self, Theme};
use crate::text::masking::{Action as MaskAction, Strategy};
use crate::tui::app::App;

/// One labelled row of cells, a cell per token.
pub struct Row<'a> {
    pub label: &'a str,
    pub cells: Vec<(String, Style)>,
}

/// Lays rows out in column blocks that fit `width`, the cursor's column reversed.
pub fn grid(rows: &[Row], width: u16, cursor: Option<usize>, theme: Theme) -> Vec<Line<'static>> {
    let n = rows.first().map_or(0, |r| r.cells.len());
    let widths: Vec<usize> = (0..n).map(|i| rows.iter().map(|r| r.cells[i].0.width()).max().unwrap_or(1)).collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < n {
        let (mut end, mut used) = (start, 11);
        while end < n && (end == start || used + widths[end] < width as usize) {
            used += widths[end] + 1;
            end += 1;
        }
        for r in rows {
            let mut spans = vec![Span::styled(format!("{:<11}", r.label), theme.dim())];
            for (i, w) in widths.iter().enumerate().take(end).skip(start) {
                let (text, style) = &r.cells[i];
                let style = if Some(i) == cursor { style.patch(theme.selected()) } else { *style };
                spans.push(Span::styled(pad(text, *w), style));
                spans.push(Span::raw(" "));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::default());
        start = end;
    }
    lines
}

fn figure_rows<'a>(app: &App, theme: Theme) -> Vec<Row<'a>> {
    let e = &app.pair.encoded;
    let seg = |s: u32| theme.segment(s);
    vec![
        Row { label: "Input", cells: e.tokens.iter().zip(&e.segments).map(|(t, &s)| (t.clone(), seg(s))).collect() },
        Row { label: "Token id", cells: e.ids.iter().map(|id| (id.to_string(), Style::new())).collect() },
        Row {
            label: "Segment",
            cells: e.segments.iter().map(|&s| ((if s == 0 { "A" } else { "B" }).to_string(), seg(s))).collect(),
        },
        Row { label: "Position", cells: (0..e.ids.len()).map(|p| (p.to_string(), Style::new())).collect() },
    ]
}

pub fn render_input(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![
        Line::from(
            "BERT reads one sequence: [CLS] sentence A [SEP] sentence B [SEP]. [CLS] opens every input; its final \
             vector is what the NSP head classifies. [SEP] closes each sentence. The segment says which sentence a \
             token is in (type id 0 = A, 1 = B), and the position counts from 0: both get an embedding row.",
        ),
        Line::default(),
    ];
    lines.extend(grid(&figure_rows(app, theme), area.width, Some(app.cursor), theme));
    let e = &app.pair.encoded;
    let (na, nb) = (e.segments.iter().filter(|&&s| s == 0).count(), e.segments.iter().filter(|&&s| s == 1).count());
    lines.push(Line::from(format!(
        "{} tokens: {na} in segment A (with [CLS] and the first [SEP]), {nb} in segment B.",
        e.ids.len()
    )));
    if e.dropped > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "Truncated: {} pieces did not fit the model's {} positions.",
                e.dropped, app.cfg.max_position_embeddings
            ),
            theme.fg(theme::BAD),
        )));
    }
    super::fit::scrolled(lines, area, buf, super::stage_scroll(app), theme);
}

fn action_style(a: MaskAction, theme: Theme) -> Style {
    match a {
        MaskAction::Mask => theme.bold(theme::MASK),
        MaskAction::Random => theme.bold(theme::RANDOM),
        MaskAction::Keep => theme.bold(theme::KEEP),
    }
}

fn rule_text(app: &App) -> String {
    let e = &app.pair.encoded;
    let candidates = e.ids.iter().filter(|&&id| !app.tok.special.is_structural(id)).count();
    let n = e.ids.len();
    match app.masker.strategy {
        Strategy::Bernoulli => format!(
            "HF Bernoulli: each of the {candidates} candidate tokens is chosen with probability 0.15 (the count varies, it can be 0)."
        ),
        s => format!(
            "{}: round({n} × 0.15) = {} of {candidates} candidates{}.",
            s.label(),
            app.masker.count_to_predict(n),
            if s == Strategy::WholeWord { ", a word's ## pieces together" } else { "" }
        ),
    }
}

pub fn render_masking(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let plan = &app.pair.plan;
    let e = &app.pair.encoded;
    let chosen = |i: usize| plan.masked.iter().find(|m| m.position == i);
    let original = Row {
        label: "Original",
        cells: e
            .tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), chosen(i).map_or(Style::new(), |m| action_style(m.action, theme))))
            .collect(),
    };
    let input = Row {
        label: "Model sees",
        cells: plan
            .input_ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (app.tok.token(id), chosen(i).map_or(theme.dim(), |m| action_style(m.action, theme))))
            .collect(),
    };
    let mut lines = vec![
        Line::from(rule_text(app)),
        Line::from(vec![
            Span::raw("Each chosen token: "),
            Span::styled("80% → [MASK]", action_style(MaskAction::Mask, theme)),
            Span::raw(", "),
            Span::styled("10% → a random token", action_style(MaskAction::Random, theme)),
            Span::raw(", "),
            Span::styled("10% → kept", action_style(MaskAction::Keep, theme)),
            Span::raw(". The label is always the original."),
        ]),
        Line::from(format!("Mask seed {} · rule: {}", app.pair.mask_seed, app.masker.strategy.label())),
        Line::default(),
    ];
    lines.extend(grid(&[original, input], area.width, Some(app.cursor), theme));
    if plan.masked.is_empty() {
        lines.push(Line::from(
            "Nothing is chosen this time: press r to re-roll or m to mask the token under the cursor.",
        ));
    }
    for m in &plan.masked {
        let what = match m.action {
            MaskAction::Mask => "became [MASK]".to_string(),
            MaskAction::Random => format!("became the random token \"{}\"", app.tok.token(m.replacement)),
            MaskAction::Keep => "was kept as it is".to_string(),
        };
        lines.push(Line::from(vec![
            Span::raw(format!("  position {:>2}  ", m.position)),
            Span::styled(format!("{:<10}", app.tok.token(m.original)), action_style(m.action, theme)),
            Span::raw(format!(" {what}; label: \"{}\"", app.tok.token(m.original))),
        ]));
    }
    super::fit::scrolled(lines, area, buf, super::stage_scroll(app), theme);
}

/// `text` padded with spaces to `width` terminal columns (CJK and emoji take two).
pub fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}
