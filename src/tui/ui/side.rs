//! The live-loss pane beside every stage (wide screens): this pair's losses now, the
//! latest batch, and the held-out accuracies.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline, Widget};

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
        Line::default(),
    ];
    if let Some(s) = app.training.last {
        lines.push(Line::from(Span::styled(format!("last batch, step {}", s.step), theme.dim())));
        lines.push(row("MLM", s.mlm_loss, theme::MLM));
        lines.push(row(head, s.nsp_loss, theme::NSP));
        lines.push(row("total", s.total_loss, theme::TOTAL));
        lines.push(Line::default());
    }
    if let Some((step, e)) = app.training.eval {
        lines.push(Line::from(Span::styled(format!("held-out, step {step}"), theme.dim())));
        lines.push(Line::from(format!("MLM top-1 {:>5.1}%", 100.0 * e.mlm_accuracy)));
        lines.push(Line::from(format!("{head:<9} {:>5.1}%", 100.0 * e.nsp_accuracy)));
    }
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
