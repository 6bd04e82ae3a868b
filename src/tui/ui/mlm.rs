//! Stage 5: the masked-LM head's top-5 guesses at each chosen position, the true
//! token's probability, and its −log p.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::heat::bar;
use super::theme::{self, Theme};
use crate::tui::app::App;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let o = &app.view.outputs;
    let plan = &app.pair.plan;
    let intro = format!(
        "At each chosen position the head (dense, GELU, LayerNorm, then the token table itself, tied, as the \
         decoder) scores all {} pieces; softmax turns the scores into probabilities. Its loss at a position is \
         −log p(original token); the MLM loss is their mean.",
        app.cfg.vocab_size
    );
    let mut lines: Vec<Line<'static>> =
        super::fit::wrap(&intro, area.width as usize).into_iter().map(Line::from).collect();
    lines.push(Line::default());
    if plan.masked.is_empty() {
        lines.push(Line::from("Nothing is masked, so the MLM head has nothing to predict: press r (re-roll) or m."));
    }
    // Every chosen position is listed: with many of them each shows fewer guesses (5 down
    // to 1), and only when even one guess each does not fit does the list scroll.
    let room = (area.height as usize).saturating_sub(lines.len());
    let n = plan.masked.len().max(1);
    let guesses = (1..=5).rev().find(|k| n * (1 + k) <= room).unwrap_or(1);
    for (k, m) in plan.masked.iter().enumerate() {
        let probs = o.mlm_probs.row(k);
        let truth = m.original as usize;
        lines.push(super::fit::line(
            Line::from(vec![
                Span::raw(format!("position {:>2}: ", m.position)),
                Span::styled(app.tok.token(m.original), theme.bold(theme::GOOD)),
                Span::raw(format!(" {}   p = {:.4}   ", shown_as(app, m), probs[truth])),
                Span::styled(format!("−log p = {:.3}", o.mlm_token_losses[k]), theme.bold(theme::MLM)),
            ]),
            area.width as usize,
        ));
        for (rank, &(id, p)) in app.view.top[k].iter().take(guesses).enumerate() {
            let style = if id as usize == truth { theme.bold(theme::GOOD) } else { theme.fg(theme::MLM) };
            lines.push(Line::from(vec![
                Span::raw(format!("   {}. {:<10} {p:.4} ", rank + 1, app.tok.token(id))),
                Span::styled(bar(p, 20), style),
            ]));
        }
    }
    super::fit::scrolled(lines, area, buf, super::stage_scroll(app), theme);
}

/// How the chosen token reached the model: hidden, swapped, or left in plain sight.
fn shown_as(app: &App, m: &crate::text::masking::MaskedToken) -> String {
    match m.action {
        crate::text::masking::Action::Mask => "hidden by [MASK]".into(),
        crate::text::masking::Action::Random => format!("swapped for \"{}\"", app.tok.token(m.replacement)),
        crate::text::masking::Action::Keep => "kept (seen, still to predict)".into(),
    }
}
