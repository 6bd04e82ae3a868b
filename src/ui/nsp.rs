//! Stage 6: the NSP head: P(IsNext) from the pooled [CLS] vector, the label, the loss.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::heat::bar;
use super::theme::{self, Theme};
use crate::app::App;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let o = &app.view.outputs;
    let p_next = o.nsp_probs[[0, 0]];
    let truth = match (app.pair.custom, app.pair.is_next()) {
        (true, _) => "you wrote this pair: the loss assumes this label",
        (false, true) => "B really follows A",
        (false, false) => "B is a sentence from another document",
    };
    let lines = vec![
        Line::from(
            "Half of BERT's training pairs are real neighbours (IsNext), half take B from another document \
             (NotNext). The final [CLS] vector goes through the pooler (dense + tanh) and a 2-way classifier; \
             softmax gives P(IsNext) and P(NotNext).",
        ),
        Line::default(),
        Line::from(vec![Span::raw("A: "), Span::styled(app.pair.a.clone(), theme.segment(0))]),
        Line::from(vec![Span::raw("B: "), Span::styled(app.pair.b.clone(), theme.segment(1))]),
        Line::from(vec![
            Span::raw("label: "),
            Span::styled(app.pair.label_name(), theme.bold(theme::NSP)),
            Span::raw(format!(" ({truth})")),
        ]),
        Line::default(),
        Line::from(format!("logits  IsNext {:+.3}   NotNext {:+.3}", o.nsp_logits[[0, 0]], o.nsp_logits[[0, 1]])),
        Line::from(vec![
            Span::raw(format!("P(IsNext)  {p_next:.4} ")),
            Span::styled(bar(p_next, 30), theme.fg(theme::NSP)),
        ]),
        Line::from(vec![
            Span::raw(format!("P(NotNext) {:.4} ", 1.0 - p_next)),
            Span::styled(bar(1.0 - p_next, 30), theme.fg(theme::NSP)),
        ]),
        Line::default(),
        Line::from(vec![
            Span::raw(format!("NSP loss = −log P({}) = ", app.pair.label_name())),
            Span::styled(format!("{:.4}", o.nsp_loss), theme.bold(theme::NSP)),
            Span::styled(format!("   (a coin flip scores ln 2 = {:.4})", 2f32.ln()), theme.dim()),
        ]),
        Line::default(),
        Line::from(Span::styled(
            "x swaps B for a random sentence and back; n / N draw a new IsNext / NotNext pair.",
            theme.dim(),
        )),
    ];
    Paragraph::new(lines).wrap(Wrap { trim: false }).render(area, buf);
}
