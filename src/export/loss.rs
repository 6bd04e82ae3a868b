//! The loss history: as CSV (one row per held-out evaluation) and as an SVG plot of the
//! curves, drawn by `plotters` with its SVG backend. plotters is built without fonts
//! (`default-features = false`): it then sizes text by a fixed estimate and writes it as
//! `<text>`, which the viewer draws in its own sans-serif, so the build needs no system
//! font and no C library.

use std::fmt::Write as _;

use plotters::prelude::*;

use crate::text::corpus::SentenceTask;

/// One held-out evaluation and the training that led to it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LossRow {
    pub step: usize,
    /// The training losses: the mean over the steps since the previous evaluation (None
    /// for an evaluation with no step before it, as at step 0).
    pub train: Option<TrainMeans>,
    pub heldout_mlm_loss: f32,
    /// Held-out accuracies, as fractions; the sentence head's is of `task`.
    pub mlm_top1: f32,
    pub nsp_accuracy: f32,
    /// The sentence task of the evaluation: after `o` switches it, rows of two tasks sit in
    /// one history, and their sentence-head scores do not compare.
    pub task: SentenceTask,
}

/// Training losses averaged over a span of steps, and the learning rate of its last step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrainMeans {
    pub mlm: f32,
    pub nsp: f32,
    pub total: f32,
    pub lr: f32,
    /// The loss weights of these steps (a change of weights starts a new span, so that
    /// total = mlm weight · mlm + NSP weight · nsp holds for the means).
    pub weights: crate::model::LossWeights,
}

/// The CSV header; the sentence head's columns keep the name NSP under SOP too.
pub const CSV_HEADER: &str = "step,train MLM,train NSP,total,held-out MLM loss,MLM top-1,NSP accuracy,learning rate,MLM weight,NSP weight,sentence task";

/// The rows as CSV: [`CSV_HEADER`], then one line per row; the training columns, the
/// learning rate and the weights are empty when the row has no training before it.
pub fn csv(rows: &[LossRow]) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for r in rows {
        let train = r.train.map_or(",,,".to_string(), |t| format!("{},{},{},", t.mlm, t.nsp, t.total));
        let lr = r.train.map_or(",,".to_string(), |t| format!("{},{},{}", t.lr, t.weights.mlm, t.weights.nsp));
        let (step, task) = (r.step, r.task.name());
        let _ = writeln!(out, "{step},{train}{},{},{},{lr},{task}", r.heldout_mlm_loss, r.mlm_top1, r.nsp_accuracy);
    }
    out
}

/// A training point: step, MLM, sentence head, total.
pub type TrainPoint = (f64, f64, f64, f64);
/// A held-out point: step, MLM, sentence head, and the sentence task it was scored on.
pub type HeldPoint = (f64, f64, f64, SentenceTask);
/// A series of points on the plot: its legend, its colour, its (step, loss) points.
type Series = (String, RGBColor, Vec<(f64, f64)>);
/// A curve of the plot: its legend, its colour and which value of a point it draws.
type Curve<P> = (String, RGBColor, fn(&P) -> f64);

/// What the plot draws: the training curves (step, MLM, sentence head, total; running
/// means over batches) and the held-out losses (step, MLM, sentence head).
#[derive(Debug, Clone, Default)]
pub struct LossCurves {
    pub train: Vec<TrainPoint>,
    pub held_out: Vec<HeldPoint>,
    /// The sentence head's name: NSP or SOP.
    pub head: String,
    /// The last step trained: the x axis runs to it.
    pub until: usize,
    pub title: String,
}

/// The plot's size in pixels.
pub const PLOT_SIZE: (u32, u32) = (960, 600);

/// The curves as an SVG plot: step on x, loss in nats on y, a legend naming each curve.
pub fn plot(c: &LossCurves) -> Result<String, String> {
    let mut svg = String::new();
    draw(c, &mut svg).map_err(|e| format!("cannot draw the loss plot: {e}"))?;
    Ok(svg)
}

fn draw(c: &LossCurves, svg: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, PLOT_SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let steps = c.train.iter().map(|p| p.0).chain(c.held_out.iter().map(|p| p.0));
    let x_max = steps.fold(c.until.max(1) as f64, f64::max);
    let losses = c.train.iter().flat_map(|p| [p.1, p.2, p.3]).chain(c.held_out.iter().flat_map(|p| [p.1, p.2]));
    // The sentence tasks the history went through, in order (`o` switches them).
    let mut tasks: Vec<SentenceTask> = Vec::new();
    for p in &c.held_out {
        if p.3.trains_head() && !tasks.contains(&p.3) {
            tasks.push(p.3);
        }
    }
    // Headroom above the highest loss keeps the legend (upper right) clear of the curves.
    let y_max = losses.filter(|v| v.is_finite()).fold(1.0_f64, f64::max) * 1.35;
    let mut chart = ChartBuilder::on(&root)
        .caption(&c.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .x_label_formatter(&|x| format!("{}", x.round() as i64))
        .y_desc("loss (nats)")
        .axis_desc_style(("sans-serif", 18))
        .label_style(("sans-serif", 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let head = match tasks.len() {
        0 | 1 => c.head.clone(),
        _ => tasks.iter().map(|t| t.head()).collect::<Vec<_>>().join(" → "),
    };
    let train: [Curve<TrainPoint>; 3] = [
        ("training MLM (running mean)".into(), MLM, |p| p.1),
        (format!("training {head} (running mean)"), NSP, |p| p.2),
        ("training total (running mean)".into(), TOTAL, |p| p.3),
    ];
    for (label, color, value) in train {
        let points = c.train.iter().map(|p| (p.0, value(p)));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], color.stroke_width(2)));
    }
    // The held-out MLM, then one series per sentence task: a task's scores are on its own
    // held-out pairs, so two tasks' points are never joined into one line.
    let mut held: Vec<Series> =
        vec![("held-out MLM".into(), HELD_MLM, c.held_out.iter().map(|p| (p.0, p.1)).collect())];
    for (i, task) in tasks.iter().enumerate() {
        let points = c.held_out.iter().filter(|p| p.3 == *task).map(|p| (p.0, p.2)).collect();
        held.push((format!("held-out {}", task.head()), [HELD_NSP, HELD_SOP][i % 2], points));
    }
    for (label, color, points) in held {
        chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(1)))?;
        chart
            .draw_series(points.into_iter().map(|p| Circle::new(p, 5, color.filled())))?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 12, y), 5, color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    root.present()?;
    Ok(())
}

/// The curves' colours on the plot's white ground: the screen's hues (MLM blue, the
/// sentence head magenta), darker for the held-out scores; the total in near-black.
const MLM: RGBColor = RGBColor(0x3b, 0x8e, 0xea);
const NSP: RGBColor = RGBColor(0xd6, 0x70, 0xd6);
const TOTAL: RGBColor = RGBColor(0x33, 0x33, 0x33);
const HELD_MLM: RGBColor = RGBColor(0x1a, 0x4f, 0x9c);
const HELD_NSP: RGBColor = RGBColor(0x8a, 0x23, 0x8a);
/// The second sentence task's held-out points (after `o`): orange, apart from both.
const HELD_SOP: RGBColor = RGBColor(0xc0, 0x5a, 0x00);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_leaves_the_training_columns_empty_without_training() {
        let rows = [
            LossRow {
                step: 0,
                train: None,
                heldout_mlm_loss: 7.5,
                mlm_top1: 0.0,
                nsp_accuracy: 0.5,
                task: SentenceTask::Nsp,
            },
            LossRow {
                step: 250,
                train: Some(TrainMeans {
                    mlm: 6.25,
                    nsp: 0.75,
                    total: 6.25,
                    lr: 0.002,
                    weights: crate::model::LossWeights { mlm: 1.0, nsp: 0.0 },
                }),
                heldout_mlm_loss: 6.0,
                mlm_top1: 0.125,
                nsp_accuracy: 0.5,
                task: SentenceTask::Sop,
            },
        ];
        let text = csv(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, [CSV_HEADER, "0,,,,7.5,0,0.5,,,,nsp", "250,6.25,0.75,6.25,6,0.125,0.5,0.002,1,0,sop"]);
    }
}
