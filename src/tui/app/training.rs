//! What the UI knows of training: the latest stats, loss curves, held-out accuracies.

use std::time::Instant;

use crate::lesson::stage::Heads;
use crate::train::{EvalStats, StepStats};

/// One point of a loss curve: (step, MLM, NSP, total).
pub type Point = (f64, f64, f64, f64);

/// Curves keep at most this many points; older ones are merged pairwise.
const MAX_POINTS: usize = 400;

/// Steps averaged into one point of the running-mean curve.
const BUCKET: usize = 25;

#[derive(Debug, Clone, Default)]
pub struct Training {
    pub step: usize,
    pub running: bool,
    pub peak_lr: f32,
    pub heads: Heads,
    pub last: Option<StepStats>,
    pub eval: Option<(usize, EvalStats)>,
    /// Running mean over batches of each head's loss.
    pub batch_curve: Vec<Point>,
    /// This pair's losses, each time a snapshot arrives.
    pub pair_curve: Vec<Point>,
    bucket: Vec<StepStats>,
    rate_mark: Option<(Instant, usize)>,
    pub steps_per_sec: f32,
    /// A reset was asked for and the trainer has not confirmed it yet.
    pub awaiting_reset: bool,
    /// The trainer thread panicked: nothing trains until bert-tutor restarts.
    pub crashed: bool,
}

impl Training {
    pub fn on_step(&mut self, s: StepStats) {
        self.step = s.step;
        self.last = Some(s);
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

    fn measure_rate(&mut self, step: usize) {
        let now = Instant::now();
        match self.rate_mark {
            Some((t, s)) if now.duration_since(t).as_secs_f32() >= 1.0 => {
                self.steps_per_sec = step.saturating_sub(s) as f32 / now.duration_since(t).as_secs_f32();
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

    /// Forgets the curves (after a reset of the weights).
    pub fn clear(&mut self) {
        self.step = 0;
        self.last = None;
        self.eval = None;
        self.batch_curve.clear();
        self.pair_curve.clear();
        self.bucket.clear();
        self.rate_mark = None;
    }
}

fn push_point(curve: &mut Vec<Point>, p: Point) {
    curve.push(p);
    if curve.len() > MAX_POINTS {
        *curve = curve.chunks(2).map(|c| *c.last().expect("non-empty chunk")).collect();
    }
}
