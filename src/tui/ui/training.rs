//! Stage 8: loss curves against steps (running means over batches, the held-out losses at
//! each evaluation, and this pair), the held-out accuracies, and a warning when the model
//! memorises its training text. Each curve has its own mark, so that they can be told
//! apart without colour (NO_COLOR). The sentence head has a panel of its own under the
//! MLM chart: on the MLM's 0–10 scale its fall from 0.69 would be a flat line at the
//! bottom, so it gets a 0–1 scale, shared with its held-out accuracy.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition, Paragraph, Widget};

use super::fit;
use super::theme::{self, Theme};
use crate::train::EvalStats;
use crate::tui::app::App;
use crate::tui::app::training::{Memorising, Point};

/// The held-out curves' colours: the darker shades of the training curves' ones.
const HELD_MLM: Color = Color::Blue;
const HELD_NSP: Color = Color::Magenta;

/// How a curve looks: without colour, `mark` is drawn along it and in the legend, and no
/// two curves share one; with colour, the legend shows `in_colour` (the training curves are
/// smooth braille lines, "──", and this pair's points are dots).
#[derive(Debug, Clone, Copy)]
struct Curve {
    mark: char,
    in_colour: &'static str,
    color: Color,
}

const MLM: Curve = Curve { mark: '•', in_colour: "──", color: theme::MLM };
const NSP: Curve = Curve { mark: '×', in_colour: "──", color: theme::NSP };
const TOTAL: Curve = Curve { mark: '+', in_colour: "──", color: theme::TOTAL };
const HELD_OUT_MLM: Curve = Curve { mark: '◆', in_colour: "◆", color: HELD_MLM };
const HELD_OUT_NSP: Curve = Curve { mark: '◇', in_colour: "◇", color: HELD_NSP };
const PAIR: Curve = Curve { mark: '∘', in_colour: "•", color: theme::GOOD };
const HELD_OUT_ACC: Curve = Curve { mark: '▪', in_colour: "▪", color: theme::GOOD };

/// Below this many rows, the legend takes one line and the warning one line.
const ROOMY: u16 = 14;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let width = area.width as usize;
    let roomy = area.height >= ROOMY;
    let mut lines = vec![whole_facts(first_line(app), width), whole_facts(held_line(app), width)];
    if let Some(m) = app.training.memorising() {
        lines.extend(warning(m, theme, width, if roomy { 2 } else { 1 }));
    }
    lines.extend(legend(app, theme, width, roomy));
    let [stats, chart] = Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Fill(1)]).areas(area);
    Paragraph::new(lines).render(stats, buf);
    curves(app, theme, chart, buf);
}

/// Step, speed, loss, learning rate, gradient norm: the most telling first, as the width allows.
fn first_line(app: &App) -> Line<'static> {
    let t = &app.training;
    let lr = t.last.map_or(0.0, |s| s.lr);
    let mut facts = vec![format!("step {}", t.step)];
    // Shown once measured (after a second of training); never in a headless export.
    facts.extend(t.steps_per_sec.map(|r| format!(" · {r:.1} steps/s")));
    facts.extend([format!(" · {}", app.loss_label()), format!(" · lr now {lr:.2e} (peak {:.1e})", t.peak_lr)]);
    if let Some(s) = t.last {
        facts.push(format!(" · grad norm {:.2}", s.grad_norm));
    }
    Line::from(facts.into_iter().map(Span::raw).collect::<Vec<_>>())
}

/// The latest held-out accuracies, the sentence head's first; the held-out losses are in
/// the legend, beside their marks.
fn held_line(app: &App) -> Line<'static> {
    let Some(e) = app.training.eval() else {
        return Line::from("held-out scores (documents it never trains on) appear every 250 steps");
    };
    let s = e.stats;
    let mlm = format!("MLM top-1 {:.1}%", 100.0 * s.mlm_accuracy);
    let (first, second) = if e.task.trains_head() {
        (format!("{} accuracy {:.1}%", e.task.head(), 100.0 * s.nsp_accuracy), format!(" · {mlm}"))
    } else {
        (mlm, " · NSP head untrained".to_string())
    };
    Line::from(vec![Span::raw(format!("held-out (unseen documents), step {}: {first}", e.step)), Span::raw(second)])
}

/// The facts (spans) of `line` that fit in `width`, each whole, in order; "…" after them
/// when some were left out.
fn whole_facts(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width || line.spans.first().is_none_or(|s| s.width() + 1 > width) {
        return fit::line(line, width);
    }
    let mut kept: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        if used + span.width() + 1 > width {
            break;
        }
        used += span.width();
        kept.push(span);
    }
    kept.push(Span::raw("…"));
    Line::from(kept)
}

/// The memorising warning in at most `rows` lines: the whole sentence if it fits, else
/// a short one.
fn warning(m: Memorising, theme: Theme, width: usize, rows: usize) -> Vec<Line<'static>> {
    let long = format!(
        "⚠ memorising: the held-out MLM loss rose from {:.2} (step {}) to {:.2} while the training loss \
         fell from {:.2} to {:.2}: the model is learning the training text, not the language",
        m.best, m.best_step, m.now, m.train_then, m.train_now
    );
    let medium = format!(
        "⚠ memorising: held-out MLM loss {:.2} (step {}) → {:.2} while the training loss fell: the model \
         is learning the training text, not the language",
        m.best, m.best_step, m.now
    );
    let short = format!(
        "⚠ memorising: held-out MLM loss {:.2} (step {}) → {:.2}, training loss fell",
        m.best, m.best_step, m.now
    );
    let lines = [long, medium]
        .iter()
        .map(|text| fit::wrap(text, width))
        .find(|wrapped| wrapped.len() <= rows)
        .unwrap_or_else(|| vec![fit::words(&short, width)]);
    lines.into_iter().map(|l| Line::from(Span::styled(l, theme.bold(theme::BAD)))).collect()
}

/// Each curve's mark and name: two lines (training, then held-out and this pair), or one.
fn legend(app: &App, theme: Theme, width: usize, roomy: bool) -> Vec<Line<'static>> {
    let head = app.head_name();
    let mark = |c: Curve| {
        let text = if theme.color { c.in_colour.to_string() } else { c.mark.to_string() };
        Span::styled(text, theme.fg(c.color))
    };
    let held = app.training.eval().map(|e| e.stats);
    let loss = |f: fn(&EvalStats) -> f32| held.map_or(String::new(), |s| format!(" {:.3}", f(&s)));
    let training = vec![
        mark(MLM),
        Span::raw(" MLM  "),
        mark(NSP),
        Span::raw(format!(" {head}  ")),
        mark(TOTAL),
        Span::raw(" total  "),
        Span::styled("training: running means over batches", theme.dim()),
    ];
    let others = vec![
        mark(HELD_OUT_MLM),
        Span::raw(format!(" MLM{}  ", loss(|s| s.mlm_loss))),
        mark(HELD_OUT_NSP),
        Span::raw(format!(" {head}{}  ", loss(|s| s.nsp_loss))),
        mark(HELD_OUT_ACC),
        Span::raw(format!(
            " {head} acc{}  ",
            held.map_or(String::new(), |s| format!(" {:.0}%", 100.0 * s.nsp_accuracy))
        )),
        Span::styled("held-out, at each evaluation  ", theme.dim()),
        mark(PAIR),
        Span::raw(" this pair's total"),
    ];
    if roomy {
        vec![fit::line(Line::from(training), width), fit::line(Line::from(others), width)]
    } else {
        let mut one = training;
        one.pop();
        one.extend([Span::raw("· ")]);
        one.extend(others.into_iter().filter(|s| !s.content.starts_with("held-out")));
        vec![fit::line(Line::from(one), width)]
    }
}

fn series(curve: &[Point], pick: fn(&Point) -> f64) -> Vec<(f64, f64)> {
    curve.iter().map(|p| (p.0, pick(p))).collect()
}

/// The charts: MLM, total and this pair above; the sentence head's panel below, when the
/// task trains one and there is room.
fn curves(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let sentence_panel = app.pair.task.trains_head() && area.height >= 10;
    if !sentence_panel {
        return mlm_chart(app, theme, area, buf, true);
    }
    let panel = (area.height / 3).max(5);
    let [top, bottom] = Layout::vertical([Constraint::Fill(1), Constraint::Length(panel)]).areas(area);
    mlm_chart(app, theme, top, buf, false);
    sentence_chart(app, theme, bottom, buf);
}

/// The step axis, bare: the panel under a chart carries the labels for both.
fn bare_step_axis(app: &App) -> Axis<'static> {
    Axis::default().bounds([0.0, app.training.step.max(10) as f64])
}

/// The step axis, from 0 to the step trained.
fn step_axis(app: &App) -> Axis<'static> {
    let step = app.training.step;
    bare_step_axis(app).title("step").labels(vec![Span::raw("0"), Span::raw(format!("{step}"))])
}

fn held(app: &App, f: fn(&EvalStats) -> f32) -> Vec<(f64, f64)> {
    app.training.held_out.iter().map(|e| (e.step as f64, f64::from(f(&e.stats)))).collect()
}

/// The held-out points of `curve`, joined by a thin line under their marks in colour.
fn held_points<'a>(data: &'a [(f64, f64)], curve: Curve, theme: Theme) -> Vec<Dataset<'a>> {
    let mut out = Vec::new();
    if theme.color && data.len() >= 2 {
        out.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.fg(curve.color))
                .data(data),
        );
    }
    out.push(points(data, Marker::Custom(curve.mark), curve, theme));
    out
}

/// MLM, total and this pair's total on a loss scale from 0 past ln(vocab); `with_nsp` adds
/// the sentence head's curves when it has no panel of its own.
fn mlm_chart(app: &App, theme: Theme, area: Rect, buf: &mut Buffer, with_nsp: bool) {
    let t = &app.training;
    let mlm = series(&t.batch_curve, |p| p.1);
    let total = series(&t.batch_curve, |p| p.3);
    let pair = series(&t.pair_curve, |p| p.3);
    let held_mlm = held(app, |s| s.mlm_loss);
    // The sentence head's curves only when it has no panel of its own (which draws them).
    let (nsp, held_nsp) =
        if with_nsp { (series(&t.batch_curve, |p| p.2), held(app, |s| s.nsp_loss)) } else { (Vec::new(), Vec::new()) };
    let highest = [&total, &mlm, &pair, &held_mlm]
        .into_iter()
        .flatten()
        .map(|p| p.1)
        .fold((app.cfg.vocab_size as f64).ln() + 1.0, f64::max);
    let rows = area.height.saturating_sub(if with_nsp { 2 } else { 1 }); // the x axis (and its labels)
    let (y_max, y_labels) = y_ticks(highest, if rows >= 16 { 4 } else { 2 });
    // Drawn in this order, later over earlier: this pair's noisy points at the bottom, the
    // sparse held-out points on top.
    let mut datasets = vec![
        points(&pair, if theme.color { Marker::Dot } else { Marker::Custom(PAIR.mark) }, PAIR, theme),
        training_curve(&total, TOTAL, theme),
    ];
    if with_nsp {
        datasets.push(training_curve(&nsp, NSP, theme));
        datasets.extend(held_points(&held_nsp, HELD_OUT_NSP, theme));
    }
    datasets.push(training_curve(&mlm, MLM, theme));
    datasets.extend(held_points(&held_mlm, HELD_OUT_MLM, theme));
    let x_axis = if with_nsp { step_axis(app) } else { bare_step_axis(app) };
    Chart::new(datasets)
        .x_axis(x_axis)
        .y_axis(Axis::default().title("loss").bounds([0.0, y_max]).labels(y_labels))
        .legend_position(None::<LegendPosition>)
        .render(area, buf);
}

/// The sentence head's panel: its training loss, its held-out loss and its held-out
/// accuracy, on one 0–1 scale (a loss of ln 2 = 0.69 is a coin flip, as is an accuracy of
/// 0.5).
fn sentence_chart(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let nsp = series(&app.training.batch_curve, |p| p.2);
    let (held_nsp, held_acc) = (held(app, |s| s.nsp_loss), held(app, |s| s.nsp_accuracy));
    let highest = nsp.iter().chain(&held_nsp).map(|p| p.1).fold(1.0, f64::max);
    let (y_max, y_labels) = y_ticks(highest, 2);
    let mut datasets = vec![training_curve(&nsp, NSP, theme)];
    datasets.extend(held_points(&held_nsp, HELD_OUT_NSP, theme));
    datasets.extend(held_points(&held_acc, HELD_OUT_ACC, theme));
    let title = format!("{} loss · acc", app.head_name());
    Chart::new(datasets)
        .x_axis(step_axis(app))
        .y_axis(Axis::default().title(title).bounds([0.0, y_max]).labels(y_labels))
        .legend_position(None::<LegendPosition>)
        .render(area, buf);
}

/// The y axis: its top, a round number at or above `highest`, and `n + 1` evenly spaced
/// labels from 0, each a round number too (0, 5, 10 or 0, 2.5, 5, 7.5, 10).
fn y_ticks(highest: f64, n: u32) -> (f64, Vec<Span<'static>>) {
    let raw = (highest / f64::from(n)).max(1e-9);
    let scale = 10f64.powf(raw.log10().floor());
    let step =
        [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * scale).find(|s| *s >= raw * (1.0 - 1e-9)).unwrap_or(raw);
    let label = |v: f64| if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.1}") };
    let labels = (0..=n).map(|i| Span::raw(label(step * f64::from(i)))).collect();
    (step * f64::from(n), labels)
}

/// A training curve: a braille line in its colour (half blocks in high contrast, whose
/// thicker line a projector keeps), or a line of its mark without colour.
fn training_curve<'a>(data: &'a [(f64, f64)], curve: Curve, theme: Theme) -> Dataset<'a> {
    let marker = match (theme.color, theme.contrast) {
        (false, _) => Marker::Custom(curve.mark),
        (true, true) => Marker::HalfBlock,
        (true, false) => Marker::Braille,
    };
    Dataset::default().marker(marker).graph_type(GraphType::Line).style(theme.fg(curve.color)).data(data)
}

fn points<'a>(data: &'a [(f64, f64)], marker: Marker, curve: Curve, theme: Theme) -> Dataset<'a> {
    Dataset::default().marker(marker).graph_type(GraphType::Scatter).style(theme.fg(curve.color)).data(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticks(highest: f64, n: u32) -> (f64, Vec<String>) {
        let (top, labels) = y_ticks(highest, n);
        (top, labels.into_iter().map(|s| s.content.into_owned()).collect())
    }

    #[test]
    fn the_y_axis_has_round_labels_between_0_and_its_top() {
        assert_eq!(ticks(8.6, 2), (10.0, vec!["0".into(), "5".into(), "10".into()]));
        assert_eq!(ticks(8.6, 4), (10.0, vec!["0".into(), "2.5".into(), "5".into(), "7.5".into(), "10".into()]));
        assert_eq!(ticks(10.0, 2).0, 10.0);
        assert_eq!(ticks(23.0, 2), (40.0, vec!["0".into(), "20".into(), "40".into()]));
    }
}
