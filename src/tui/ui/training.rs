//! Stage 8: loss curves against steps (running mean over batches, and this pair), and
//! the held-out accuracies.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Widget};

use super::theme::{self, Theme};
use crate::tui::app::App;
use crate::tui::app::training::Point;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let [stats, chart] = Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(area);
    Paragraph::new(stat_lines(app, theme)).render(stats, buf);
    curves(app, theme, chart, buf);
}

fn stat_lines(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let t = &app.training;
    let head = app.head_name();
    let lr = t.last.map_or(0.0, |s| s.lr);
    let mut first = format!(
        "step {}  ·  {:.1} steps/s  ·  lr now {lr:.2e} (peak {:.1e})  ·  {}",
        t.step,
        t.steps_per_sec,
        t.peak_lr,
        app.loss_label()
    );
    if let Some(s) = t.last {
        first.push_str(&format!("  ·  grad norm {:.2}", s.grad_norm));
    }
    let held = match t.eval {
        Some((step, e)) => format!(
            "held-out (step {step}): MLM top-1 {:.1}%  {head} {:.1}%  ·  MLM loss {:.3}  {head} loss {:.3}",
            100.0 * e.mlm_accuracy,
            100.0 * e.nsp_accuracy,
            e.mlm_loss,
            e.nsp_loss
        ),
        None => "held-out accuracies appear every 250 steps".to_string(),
    };
    vec![
        Line::from(first),
        Line::from(held),
        Line::from(vec![
            Span::styled("── MLM ", theme.fg(theme::MLM)),
            Span::styled(format!("── {head} "), theme.fg(theme::NSP)),
            Span::styled("── total ", theme.fg(theme::TOTAL)),
            Span::styled("(running means over batches)  ", theme.dim()),
            Span::styled("•• this pair's total", theme.fg(theme::GOOD)),
        ]),
    ]
}

fn series(curve: &[Point], pick: fn(&Point) -> f64) -> Vec<(f64, f64)> {
    curve.iter().map(|p| (p.0, pick(p))).collect()
}

fn curves(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let t = &app.training;
    let mlm = series(&t.batch_curve, |p| p.1);
    let nsp = series(&t.batch_curve, |p| p.2);
    let total = series(&t.batch_curve, |p| p.3);
    let pair = series(&t.pair_curve, |p| p.3);
    let x_max = (t.step.max(10)) as f64;
    let y_max = total.iter().chain(&pair).map(|p| p.1).fold((app.cfg.vocab_size as f64).ln() + 1.0, f64::max).ceil();
    let datasets = vec![
        line("MLM", &mlm, theme.fg(theme::MLM)),
        line(app.head_name(), &nsp, theme.fg(theme::NSP)),
        line("total", &total, theme.fg(theme::TOTAL)),
        Dataset::default()
            .name("pair")
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(theme.fg(theme::GOOD))
            .data(&pair),
    ];
    Chart::new(datasets)
        .x_axis(
            Axis::default()
                .title("step")
                .bounds([0.0, x_max])
                .labels(vec![Span::raw("0"), Span::raw(format!("{}", t.step))]),
        )
        .y_axis(
            Axis::default()
                .title("loss")
                .bounds([0.0, y_max])
                .labels(vec![Span::raw("0"), Span::raw(format!("{y_max:.0}"))]),
        )
        .hidden_legend_constraints((Constraint::Ratio(1, 4), Constraint::Ratio(1, 4)))
        .render(area, buf);
}

fn line<'a>(name: &'a str, data: &'a [(f64, f64)], style: Style) -> Dataset<'a> {
    Dataset::default().name(name).marker(Marker::Braille).graph_type(GraphType::Line).style(style).data(data)
}
