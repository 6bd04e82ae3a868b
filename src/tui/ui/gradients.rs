//! Stage 10: gradient flow. Backward runs twice on the pair, from the MLM loss alone and
//! from the NSP loss alone; each parameter group's gradient norm is shown for both, side by
//! side, and each position's d(loss)/d(input row), so the learner sees from real numbers
//! which weights each loss reaches, and where it enters the sequence.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::fit;
use super::theme::{self, Theme};
use crate::model::inspect::grad_flow::GradFlow;
use crate::tui::app::App;
use crate::tui::app::inside::Inside;

/// How many decades a bar spans: a bar's length is log10 of the norm, from 10⁻⁶ of the
/// largest norm on screen up to the largest.
const DECADES: f32 = 6.0;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let Inside::Gradients(flow) = &app.view.inside else { return };
    let width = area.width as usize;
    let head = if app.pair.task.trains_head() { app.head_name() } else { "NSP" };
    let intro = format!(
        "Backward run twice on this pair: from the MLM loss alone, then from the {head} loss alone. \
         ‖gradient‖ of each group of weights (bars on a log scale, 6 decades):"
    );
    let mut lines: Vec<Line<'static>> =
        fit::wrap(&intro, width).into_iter().map(|l| Line::from(Span::styled(l, theme.dim()))).collect();
    let bar_w = ((width.saturating_sub(20 + 2 * 9 + 4)) / 2).clamp(4, 20);
    let top = flow.groups.iter().flat_map(|g| [g.mlm, g.nsp]).fold(0.0f32, f32::max);
    let header = format!("{:<20}{:<w$}  {}", "", "MLM", head, w = bar_w + 9);
    lines.push(Line::from(Span::styled(header, theme.bold(theme::TOTAL))));
    for g in &flow.groups {
        lines.push(group_row(&g.name, [g.mlm, g.nsp], top, bar_w, theme));
        if g.name == "token table" {
            lines.push(group_row("  via input lookup", flow.word_input, top, bar_w, theme));
            lines.push(group_row("  via MLM decoder", flow.word_decoder, top, bar_w, theme));
        }
    }
    lines.push(Line::default());
    lines.extend(reading(flow, width, theme));
    lines.push(Line::default());
    lines.extend(per_token(app, flow, theme, width));
    fit::scrolled(lines, area, buf, super::stage_scroll(app), theme);
}

/// One group's two norms, each as a log bar and a number; exactly 0 says so.
fn group_row(name: &str, norms: [f32; 2], top: f32, bar_w: usize, theme: Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(format!("{:<20}", fit::words(name, 19)))];
    for (v, c) in norms.into_iter().zip([theme::MLM, theme::NSP]) {
        if v == 0.0 {
            spans.push(Span::styled(format!("{:<w$}", "0 (none)", w = bar_w + 9), theme.dim()));
        } else {
            let frac = (1.0 + (v / top.max(1e-30)).log10() / DECADES).clamp(0.02, 1.0);
            spans.push(Span::styled(super::heat::bar(frac, bar_w), theme.fg(c)));
            spans.push(Span::raw(format!(" {v:<8.1e}")));
        }
        spans.push(Span::raw("  "));
    }
    Line::from(spans)
}

/// What the numbers show, checked against them rather than assumed.
fn reading(flow: &GradFlow, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let zero_under = |name: &str, i: usize| {
        flow.groups.iter().find(|g| g.name == name).is_some_and(|g| if i == 0 { g.mlm == 0.0 } else { g.nsp == 0.0 })
    };
    let mut facts = Vec::new();
    if zero_under("pooler", 0) && zero_under("NSP classifier", 0) {
        facts.push("The pooler and the NSP classifier get nothing from MLM: that loss never reads them.");
    }
    if zero_under("MLM transform", 1) && zero_under("MLM decoder bias", 1) {
        facts.push("The MLM transform and decoder bias get nothing from NSP.");
    }
    if flow.word_input[0] > 0.0 && flow.word_decoder[0] > 0.0 {
        facts.push(
            "The token table is shared with the MLM decoder (tied weights), so MLM reaches it twice: \
             through the input lookup and through the decoder.",
        );
    }
    facts.push(shared_fact(flow));
    facts
        .into_iter()
        .flat_map(|f| fit::wrap(f, width))
        .map(|l| Line::from(Span::styled(l, theme.fg(theme::GOOD))))
        .collect()
}

/// What the shared groups (embeddings, every layer) get, as their norms say: from both
/// losses, or from one only (no piece masked: MLM sends nothing; NSP switched off).
fn shared_fact(flow: &GradFlow) -> &'static str {
    const HEAD_ONLY: [&str; 4] = ["pooler", "NSP classifier", "MLM transform", "MLM decoder bias"];
    let shared: Vec<_> = flow.groups.iter().filter(|g| !HEAD_ONLY.contains(&g.name.as_str())).collect();
    let from_mlm = shared.iter().all(|g| g.mlm > 0.0);
    let from_nsp = shared.iter().all(|g| g.nsp > 0.0);
    let none_from = |f: fn(&&crate::model::inspect::grad_flow::GroupNorms) -> f32| shared.iter().all(|g| f(g) == 0.0);
    match (from_mlm, from_nsp) {
        (true, true) => "Everything in between (embeddings, every layer) is shared, and gets gradient from both.",
        (false, true) if none_from(|g| g.mlm) => {
            "No piece is masked, so the MLM loss is 0 and sends no gradient: the shared layers get NSP's alone \
             (m masks the token under the cursor)."
        }
        (true, false) if none_from(|g| g.nsp) => {
            "The NSP loss sends no gradient here, so the shared layers (embeddings, every layer) get MLM's alone."
        }
        _ => "Some shared groups get no gradient from one of the losses: the bars above say which.",
    }
}

/// ‖d(loss)/d(input row)‖ at each position, for each loss, scaled to that loss's largest.
fn per_token(app: &App, flow: &GradFlow, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let tokens = &app.pair.encoded.tokens;
    let title = "Where each loss enters the sequence: ‖d loss / d input row‖ at each position \
                 (each column scaled to its own largest):";
    let mut lines: Vec<Line<'static>> =
        fit::wrap(title, width).into_iter().map(|l| Line::from(Span::styled(l, theme.dim()))).collect();
    let max = |i: usize| flow.tokens.iter().map(|t| t[i]).fold(0.0f32, f32::max).max(1e-30);
    let (mm, mn) = (max(0), max(1));
    let bar_w = ((width.saturating_sub(16 + 2 * 9 + 8)) / 2).clamp(4, 16);
    let masked: Vec<usize> = app.pair.plan.masked.iter().map(|m| m.position).collect();
    for (i, (tok, n)) in tokens.iter().zip(&flow.tokens).enumerate() {
        let mark = if masked.contains(&i) { "*" } else { " " };
        let label = format!("{i:>2}{mark}{:<12} ", fit::words(tok, 12));
        let style = if i == app.cursor { theme.selected() } else { theme.segment(app.pair.encoded.segments[i]) };
        lines.push(Line::from(vec![
            Span::styled(label, style),
            Span::styled(super::heat::bar(n[0] / mm, bar_w), theme.fg(theme::MLM)),
            Span::raw(format!(" {:<8.1e}  ", n[0])),
            Span::styled(super::heat::bar(n[1] / mn, bar_w), theme.fg(theme::NSP)),
            Span::raw(format!(" {:<8.1e}", n[1])),
        ]));
    }
    lines.push(Line::from(Span::styled("* = a masked position, where the MLM loss is read", theme.dim())));
    lines
}
