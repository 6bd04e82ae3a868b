//! Stage 6: the sentence head: P(label 0) from the pooled [CLS] vector, the label, the
//! loss, for the sentence task in use (NSP: IsNext / NotNext; SOP: InOrder / Swapped).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::heat::bar;
use super::theme::{self, Theme};
use crate::text::corpus::SentenceTask;
use crate::tui::app::App;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let o = &app.view.outputs;
    let p_next = o.nsp_probs[[0, 0]];
    let task = app.pair.task;
    let [yes, no] = task.label_names();
    let truth = match (app.pair.custom, app.pair.is_next(), task) {
        (true, _, _) => "you wrote this pair: the loss assumes this label",
        (false, true, SentenceTask::Sop) => "A and B are neighbours in their written order",
        (false, false, SentenceTask::Sop) => "the same two neighbours, in reverse order",
        (false, true, _) => "B really follows A",
        (false, false, _) => "B is a sentence from another document",
    };
    let intro = match task {
        SentenceTask::Nsp => {
            "Half of BERT's training pairs are real neighbours (IsNext), half take B from another document \
             (NotNext). The final [CLS] vector goes through the pooler (dense + tanh) and a 2-way classifier; \
             softmax gives P(IsNext) and P(NotNext)."
        }
        SentenceTask::Sop => {
            "Sentence-order prediction (ALBERT): every pair is two neighbouring segments of one document, \
             half in their order (InOrder), half swapped (Swapped). Topic cannot tell them apart; only coherence can. \
             Same head as NSP: pooler (dense + tanh), then a 2-way classifier."
        }
        SentenceTask::None => {
            "Sentence task none (RoBERTa): only masked LM trains. The NSP head below still computes, \
             but its loss is left out of the total, so it stays a guess (o switches the task)."
        }
    };
    let keys = match task {
        SentenceTask::Sop => "x swaps A and B; n / N draw a new InOrder / Swapped pair; o switches the task.",
        _ => "x swaps B for a random sentence and back; n / N draw a new IsNext / NotNext pair; o switches the task.",
    };
    let lines = vec![
        Line::from(intro),
        Line::default(),
        Line::from(vec![Span::raw("A: "), Span::styled(app.pair.a.clone(), theme.segment(0))]),
        Line::from(vec![Span::raw("B: "), Span::styled(app.pair.b.clone(), theme.segment(1))]),
        Line::from(vec![
            Span::raw("label: "),
            Span::styled(app.pair.label_name(), theme.bold(theme::NSP)),
            Span::raw(format!(" ({truth})")),
        ]),
        Line::default(),
        Line::from(format!("logits  {yes} {:+.3}   {no} {:+.3}", o.nsp_logits[[0, 0]], o.nsp_logits[[0, 1]])),
        Line::from(vec![
            Span::raw(format!("{:<11}{p_next:.4} ", format!("P({yes})"))),
            Span::styled(bar(p_next, 30), theme.fg(theme::NSP)),
        ]),
        Line::from(vec![
            Span::raw(format!("{:<11}{:.4} ", format!("P({no})"), 1.0 - p_next)),
            Span::styled(bar(1.0 - p_next, 30), theme.fg(theme::NSP)),
        ]),
        Line::default(),
        Line::from(vec![
            Span::raw(format!("{} loss = −log P({}) = ", task.head(), app.pair.label_name())),
            Span::styled(format!("{:.4}", o.nsp_loss), theme.bold(theme::NSP)),
            Span::styled(format!("   (a coin flip scores ln 2 = {:.4})", 2f32.ln()), theme.dim()),
        ]),
        Line::default(),
        Line::from(Span::styled(keys, theme.dim())),
    ];
    Paragraph::new(lines).wrap(Wrap { trim: false }).render(area, buf);
}
