//! Stage 7: MLM loss + NSP loss = the training loss, with each head's share.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::heat::bar;
use super::theme::{self, Theme};
use crate::lesson::{Head, Highlight};
use crate::tui::app::App;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let o = &app.view.outputs;
    let w = app.training.heads.weights();
    let terms: Vec<String> = o.mlm_token_losses.iter().map(|l| format!("{l:.3}")).collect();
    let k = terms.len();
    let (m, n) = (w.mlm * o.mlm_loss, w.nsp * o.nsp_loss);
    let total = o.total_loss;
    let share = |x: f32| if total > 0.0 { x / total } else { 0.0 };
    let head = match app.highlight() {
        Some(Highlight::Head(h)) => Some(h),
        _ => None,
    };
    let lit =
        |h: Head, style: ratatui::style::Style| if head == Some(h) { style.patch(theme.selected()) } else { style };
    let head_name = app.head_name();
    let mut lines = vec![
        Line::from("BERT trains both heads at once on one loss: the sum of the two."),
        Line::default(),
        Line::from(vec![
            Span::styled("MLM loss ", lit(Head::Mlm, theme.bold(theme::MLM))),
            Span::raw(if k == 0 {
                "= 0 (nothing masked)".to_string()
            } else {
                format!("= mean of {k} token losses ({}) = {:.4}", terms.join(" + "), o.mlm_loss)
            }),
        ]),
        Line::from(vec![
            Span::styled(format!("{head_name} loss "), lit(Head::Nsp, theme.bold(theme::NSP))),
            Span::raw(format!("= −log P({}) = {:.4}", app.pair.label_name(), o.nsp_loss)),
        ]),
        Line::default(),
        Line::from(vec![
            Span::styled(
                format!("total = {:.1}·{:.4} + {:.1}·{:.4} = ", w.mlm, o.mlm_loss, w.nsp, o.nsp_loss),
                theme.fg(theme::TOTAL),
            ),
            Span::styled(format!("{total:.4}"), lit(Head::Total, theme.bold(theme::TOTAL))),
            Span::styled(format!("   ({})", app.loss_label()), theme.dim()),
        ]),
        Line::default(),
        Line::from(vec![
            Span::raw(format!("MLM share {:>5.1}% ", 100.0 * share(m))),
            Span::styled(bar(share(m), 40), theme.fg(theme::MLM)),
        ]),
        Line::from(vec![
            Span::raw(format!("{head_name} share {:>5.1}% ", 100.0 * share(n))),
            Span::styled(bar(share(n), 40), theme.fg(theme::NSP)),
        ]),
        Line::default(),
        Line::from(Span::styled(
            format!(
                "Untrained, a head is a uniform guess: MLM ≈ ln {} = {:.3}, {head_name} ≈ ln 2 = {:.3}.",
                app.cfg.vocab_size,
                (app.cfg.vocab_size as f32).ln(),
                2f32.ln()
            ),
            theme.dim(),
        )),
    ];
    if let Some(s) = app.training.last {
        // The weights are written in, so that a head switched off reads as 0·x, not as a
        // sum that seems to drop a term; they are the ones that batch trained with (just
        // after `w`, the next batch trains with the new ones).
        let w = s.weights;
        lines.push(Line::from(format!(
            "Last training batch (step {}): {:.0}·{:.3} (MLM) + {:.0}·{:.3} ({head_name}) = {:.3}",
            s.step, w.mlm, s.mlm_loss, w.nsp, s.nsp_loss, s.total_loss
        )));
    }
    super::fit::scrolled(lines, area, buf, super::stage_scroll(app), theme);
}
