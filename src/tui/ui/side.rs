//! The live-loss pane beside every stage (wide screens): this pair's losses and P(label 0)
//! now, beside the held-out accuracy of the sentence head; the latest batch; the held-out
//! scores, with a mark when the model is memorising.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline, Widget};

use super::fit;
use super::heat::bar;
use super::theme::{self, Theme};
use crate::tui::app::App;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let block = Block::bordered().title(" live losses ");
    let inner = block.inner(area);
    block.render(area, buf);
    let o = &app.view.outputs;
    // Under task none the sentence head is not trained: its loss is shown in brackets.
    let head = if app.pair.task.trains_head() { app.head_name() } else { "(NSP)" };
    let scale = (app.cfg.vocab_size as f32).ln() + 1.0;
    let row = |name: &str, v: f32, c| {
        Line::from(vec![
            Span::styled(format!("{name:<6}{v:>7.3} "), theme.bold(c)),
            Span::styled(bar(v / scale, 16), theme.fg(c)),
        ])
    };
    let mut lines = vec![
        Line::from(Span::styled(format!("this pair, step {}", app.view.step), theme.dim())),
        row("MLM", o.mlm_loss, theme::MLM),
        row(head, o.nsp_loss, theme::NSP),
        row("total", o.total_loss, theme::TOTAL),
    ];
    lines.extend(sentence_head(app, theme));
    lines.push(Line::default());
    if let Some(s) = app.training.last {
        lines.push(Line::from(Span::styled(format!("last batch, step {}", s.step), theme.dim())));
        lines.push(row("MLM", s.mlm_loss, theme::MLM));
        lines.push(row(head, s.nsp_loss, theme::NSP));
        lines.push(row("total", s.total_loss, theme::TOTAL));
        lines.push(Line::default());
    }
    if let Some(e) = app.training.eval() {
        lines.push(Line::from(Span::styled(format!("held-out, step {}", e.step), theme.dim())));
        lines.push(Line::from(format!("MLM top-1 {:>5.1}%", 100.0 * e.stats.mlm_accuracy)));
        lines.push(Line::from(format!("MLM loss {:>6.3}", e.stats.mlm_loss)));
        if app.training.memorising().is_some() {
            lines.push(Line::from(Span::styled("⚠ memorising (stage 8)", theme.bold(theme::BAD))));
        }
    }
    let width = inner.width as usize;
    let lines: Vec<Line> = lines.into_iter().map(|l| fit::line(l, width)).collect();
    let text_h = lines.len() as u16;
    Paragraph::new(lines).render(inner, buf);
    if inner.height > text_h + 4 && !app.training.batch_curve.is_empty() {
        let label = Rect { y: inner.y + text_h, height: 1, ..inner };
        Paragraph::new(Span::styled("total loss, batch means", theme.dim())).render(label, buf);
        let spark_area = Rect { y: inner.y + text_h + 1, height: (inner.height - text_h - 1).min(6), ..inner };
        let data: Vec<u64> = app
            .training
            .batch_curve
            .iter()
            .rev()
            .take(inner.width as usize)
            .rev()
            .map(|p| (p.3 * 100.0) as u64)
            .collect();
        Sparkline::default().data(&data).style(theme.fg(theme::TOTAL)).render(spark_area, buf);
    }
}

/// This pair's P(label 0), and under it the head's accuracy on held-out pairs, so that a
/// confident answer on this (often trained-on) pair is read against pairs never seen. Both
/// appear with the first evaluation (the trainer's, at step 0).
fn sentence_head(app: &App, theme: Theme) -> Vec<Line<'static>> {
    if app.training.eval().is_none() {
        return Vec::new();
    }
    let task = app.pair.task;
    let p = app.view.outputs.nsp_probs[[0, 0]];
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("P({}) {p:.3}", task.label_names()[0]), theme.bold(theme::NSP)),
        Span::styled(", this pair", theme.dim()),
    ])];
    let held = match app.training.eval() {
        _ if !task.trains_head() => Line::from(Span::styled("NSP head not trained", theme.dim())),
        Some(e) if e.task == task => Line::from(vec![
            Span::styled(format!("{} acc {:.1}%", task.head(), 100.0 * e.stats.nsp_accuracy), theme.bold(theme::NSP)),
            Span::styled(", held-out", theme.dim()),
        ]),
        _ => Line::from(Span::styled("held-out: not yet for this task", theme.dim())),
    };
    lines.push(held);
    lines
}
