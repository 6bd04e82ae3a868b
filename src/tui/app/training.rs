//! What the UI knows of training: the latest stats, loss curves, and the history of
//! held-out evaluations, with the rule that tells memorising from learning.

use std::time::Instant;

use crate::export::loss::TrainMeans;
use crate::lesson::stage::Heads;
use crate::text::corpus::SentenceTask;
use crate::train::{EvalStats, StepStats};

/// One point of a loss curve: (step, MLM, NSP, total).
pub type Point = (f64, f64, f64, f64);

/// Curves keep at most this many points: past it, a curve keeps every second point (the later
/// of each pair, so the newest point stays), halving its resolution; nothing is averaged.
const MAX_POINTS: usize = 400;

/// Steps averaged into one point of the running-mean curve.
const BUCKET: usize = 25;

/// Held-out evaluations kept (one per 250 steps: many hours of training); the oldest go first.
const MAX_HELD_OUT: usize = 1000;

/// How far above its best the held-out MLM loss must stay before it counts as rising.
pub const MEMORISING_MARGIN: f32 = 0.05;

/// One held-out evaluation: its step, the sentence task whose held-out pairs it scored
/// (switching the task builds a new held-out set, so scores of two tasks do not compare),
/// the scores, and the training losses since the evaluation before it (their mean, and
/// the learning rate of the last step; None when no step came between), for the export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldOut {
    pub step: usize,
    pub task: SentenceTask,
    pub stats: EvalStats,
    pub train: Option<TrainMeans>,
}

/// Training losses summed since the last evaluation.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    steps: usize,
    mlm: f64,
    nsp: f64,
    total: f64,
    lr: f32,
    weights: crate::model::LossWeights,
}

impl Window {
    /// Adds a step; a step with other loss weights (after `w`) starts the window again, so
    /// that its means add up as its weights say.
    fn add(&mut self, s: &StepStats) {
        if self.steps > 0 && self.weights != s.weights {
            *self = Window::default();
        }
        self.weights = s.weights;
        self.steps += 1;
        self.mlm += f64::from(s.mlm_loss);
        self.nsp += f64::from(s.nsp_loss);
        self.total += f64::from(s.total_loss);
        self.lr = s.lr;
    }

    fn mean(&self) -> Option<TrainMeans> {
        let n = self.steps as f64;
        (self.steps > 0).then(|| TrainMeans {
            mlm: (self.mlm / n) as f32,
            nsp: (self.nsp / n) as f32,
            total: (self.total / n) as f32,
            lr: self.lr,
            weights: self.weights,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Training {
    pub step: usize,
    /// The step of the last save (0 until one): what quitting would lose is `step` minus it.
    pub saved_step: usize,
    pub running: bool,
    pub peak_lr: f32,
    pub heads: Heads,
    pub last: Option<StepStats>,
    /// Every held-out evaluation since the last reset, oldest first.
    pub held_out: Vec<HeldOut>,
    /// Running mean over batches of each head's loss.
    pub batch_curve: Vec<Point>,
    /// This pair's losses, each time a snapshot arrives.
    pub pair_curve: Vec<Point>,
    bucket: Vec<StepStats>,
    since_eval: Window,
    rate_mark: Option<(Instant, usize)>,
    /// Training speed, measured over a second or more of steps; None until then (and in a
    /// headless export, whose figures must not depend on the machine's speed).
    pub steps_per_sec: Option<f32>,
    /// A reset was asked for and the trainer has not confirmed it yet.
    pub awaiting_reset: bool,
    /// The trainer thread panicked: nothing trains until bert-tutor restarts.
    pub crashed: bool,
}

impl Training {
    pub fn on_step(&mut self, s: StepStats) {
        self.step = s.step;
        self.last = Some(s);
        self.since_eval.add(&s);
        self.bucket.push(s);
        if self.bucket.len() >= BUCKET {
            let n = self.bucket.len() as f64;
            let mean = |f: fn(&StepStats) -> f32| self.bucket.iter().map(|s| f64::from(f(s))).sum::<f64>() / n;
            let point = (s.step as f64, mean(|s| s.mlm_loss), mean(|s| s.nsp_loss), mean(|s| s.total_loss));
            push_point(&mut self.batch_curve, point);
            self.bucket.clear();
        }
        self.measure_rate(s.step);
    }

    /// A held-out evaluation. A second one at the same step of the same task (the trainer
    /// evaluates again after a task switch or a reset) replaces the first, keeping the
    /// training losses that led to it.
    pub fn on_eval(&mut self, step: usize, task: SentenceTask, stats: EvalStats) {
        let train = std::mem::take(&mut self.since_eval).mean();
        let e = HeldOut { step, task, stats, train };
        match self.held_out.last_mut() {
            Some(last) if last.step == step && last.task == task => {
                *last = HeldOut { train: train.or(last.train), ..e }
            }
            _ => self.held_out.push(e),
        }
        if self.held_out.len() > MAX_HELD_OUT {
            self.held_out.remove(0);
        }
    }

    /// The latest held-out evaluation.
    pub fn eval(&self) -> Option<&HeldOut> {
        self.held_out.last()
    }

    /// Whether the model is memorising now (see [`memorising`]).
    pub fn memorising(&self) -> Option<Memorising> {
        memorising(&self.held_out, &self.batch_curve)
    }

    fn measure_rate(&mut self, step: usize) {
        let now = Instant::now();
        match self.rate_mark {
            Some((t, s)) if now.duration_since(t).as_secs_f32() >= 1.0 => {
                self.steps_per_sec = Some(step.saturating_sub(s) as f32 / now.duration_since(t).as_secs_f32());
                self.rate_mark = Some((now, step));
            }
            Some(_) => {}
            None => self.rate_mark = Some((now, step)),
        }
    }

    pub fn on_pair(&mut self, step: usize, mlm: f32, nsp: f32, total: f32) {
        if self.pair_curve.last().is_some_and(|p| p.0 as usize == step) {
            return;
        }
        push_point(&mut self.pair_curve, (step as f64, f64::from(mlm), f64::from(nsp), f64::from(total)));
    }

    /// Forgets the curves and the held-out history (after a reset of the weights).
    pub fn clear(&mut self) {
        self.step = 0;
        self.saved_step = 0;
        self.last = None;
        self.held_out.clear();
        self.batch_curve.clear();
        self.pair_curve.clear();
        self.bucket.clear();
        self.since_eval = Window::default();
        self.rate_mark = None;
    }
}

fn push_point(curve: &mut Vec<Point>, p: Point) {
    curve.push(p);
    if curve.len() > MAX_POINTS {
        *curve = curve.chunks(2).map(|c| *c.last().expect("non-empty chunk")).collect();
    }
}

/// The held-out MLM loss has gone up from its best while the training loss went down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memorising {
    /// The best (lowest) held-out MLM loss and its step.
    pub best_step: usize,
    pub best: f32,
    /// The latest held-out MLM loss and its step.
    pub step: usize,
    pub now: f32,
    /// The training MLM loss (running mean over batches) near `best_step` and near `step`.
    pub train_then: f64,
    pub train_now: f64,
}

/// The memorising rule: among the evaluations of the latest sentence task, the last two
/// held-out MLM losses are both more than [`MEMORISING_MARGIN`] above the best one before
/// them (two, so that one noisy evaluation does not raise the alarm), and the training MLM
/// loss (`train`, running means over batches) fell between the best's step and the latest.
/// A held-out loss that rises while the training loss falls means the model is fitting
/// its training text rather than the language; when both rise, training is going wrong
/// in another way (say, a learning rate too high), and this rule stays quiet.
pub fn memorising(held: &[HeldOut], train: &[Point]) -> Option<Memorising> {
    let task = held.last()?.task;
    let start = held.iter().rposition(|e| e.task != task).map_or(0, |i| i + 1);
    let run = &held[start..];
    if run.len() < 3 {
        return None;
    }
    let (before, last_two) = run.split_at(run.len() - 2);
    let best = before.iter().min_by(|a, b| a.stats.mlm_loss.total_cmp(&b.stats.mlm_loss))?;
    let risen = last_two.iter().all(|e| e.stats.mlm_loss > best.stats.mlm_loss + MEMORISING_MARGIN);
    let latest = last_two[1];
    let train_then = train_near(train, best.step)?;
    let train_now = train_near(train, latest.step)?;
    (risen && train_now < train_then).then_some(Memorising {
        best_step: best.step,
        best: best.stats.mlm_loss,
        step: latest.step,
        now: latest.stats.mlm_loss,
        train_then,
        train_now,
    })
}

/// The training MLM loss of the curve point nearest to `step`.
fn train_near(curve: &[Point], step: usize) -> Option<f64> {
    let s = step as f64;
    curve.iter().min_by(|a, b| (a.0 - s).abs().total_cmp(&(b.0 - s).abs())).map(|p| p.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evals(losses: &[f32]) -> Vec<HeldOut> {
        losses
            .iter()
            .enumerate()
            .map(|(i, &mlm_loss)| HeldOut {
                step: 250 * i,
                task: SentenceTask::Nsp,
                stats: EvalStats { mlm_loss, ..Default::default() },
                train: None,
            })
            .collect()
    }

    /// Running-mean training points every 25 steps, from `from` falling (or rising) by `slope` per step.
    fn train(until: usize, from: f64, slope: f64) -> Vec<Point> {
        (1..=until / 25).map(|i| (25.0 * i as f64, from + slope * 25.0 * i as f64, 0.7, 0.0)).collect()
    }

    #[test]
    fn a_held_out_loss_rising_while_training_falls_is_memorising() {
        let held = evals(&[7.6, 5.2, 4.34, 4.40, 4.53]);
        let m = memorising(&held, &train(1000, 6.0, -0.002)).expect("memorising");
        assert_eq!((m.best_step, m.best, m.step, m.now), (500, 4.34, 1000, 4.53));
        assert!(m.train_now < m.train_then, "{m:?}");
    }

    #[test]
    fn a_falling_or_barely_rising_held_out_loss_is_not() {
        let t = train(1000, 6.0, -0.002);
        assert_eq!(memorising(&evals(&[7.6, 5.2, 4.9, 4.8, 4.7]), &t), None, "falling");
        assert_eq!(memorising(&evals(&[7.6, 5.2, 4.34, 4.38, 4.37]), &t), None, "within the margin");
        assert_eq!(memorising(&evals(&[7.6, 5.2, 4.34, 4.60, 4.36]), &t), None, "one noisy evaluation");
    }

    #[test]
    fn too_few_evaluations_say_nothing() {
        let t = train(500, 6.0, -0.002);
        assert_eq!(memorising(&evals(&[]), &t), None);
        assert_eq!(memorising(&evals(&[4.3, 4.9]), &t), None);
        assert_eq!(memorising(&evals(&[4.3, 4.9, 5.0]), &[]), None, "no training curve to compare with");
    }

    #[test]
    fn a_training_loss_rising_too_is_not_memorising() {
        let held = evals(&[7.6, 5.2, 4.34, 4.40, 4.53]);
        assert_eq!(memorising(&held, &train(1000, 4.0, 0.001)), None);
    }

    #[test]
    fn only_the_latest_tasks_evaluations_count() {
        let mut held = evals(&[7.6, 5.2, 4.34, 4.40, 4.53]);
        held[3].task = SentenceTask::Sop;
        held[4].task = SentenceTask::Sop;
        assert_eq!(memorising(&held, &train(1000, 6.0, -0.002)), None, "two SOP evaluations only");
    }

    #[test]
    fn the_history_keeps_every_evaluation_until_a_reset() {
        let mut t = Training::default();
        let stats = |mlm_loss| EvalStats { mlm_loss, ..Default::default() };
        t.on_eval(0, SentenceTask::Nsp, stats(7.6));
        t.on_eval(250, SentenceTask::Nsp, stats(6.0));
        t.on_eval(250, SentenceTask::Nsp, stats(5.9)); // evaluated again at the same step
        t.on_eval(250, SentenceTask::Sop, stats(6.1)); // the task switched at step 250
        let steps: Vec<_> = t.held_out.iter().map(|e| (e.step, e.task, e.stats.mlm_loss)).collect();
        assert_eq!(steps, [(0, SentenceTask::Nsp, 7.6), (250, SentenceTask::Nsp, 5.9), (250, SentenceTask::Sop, 6.1)]);
        assert_eq!(t.eval().map(|e| e.step), Some(250));
        t.clear();
        assert!(t.held_out.is_empty() && t.eval().is_none());
    }
}
