//! AdamW as BERT is trained, kept apart from backward: decoupled weight decay 0.01 except
//! on LayerNorm weights and biases, a linear warm-up then linear decay of the learning
//! rate, and clipping of the gradients' global norm at 1.0.

use ndarray::Zip;

use crate::model::{BertConfig, Grads, Params};

/// `torch.optim.AdamW`, step for step (the fixture test replays PyTorch's trajectory).
#[derive(Debug, Clone)]
pub struct AdamW {
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    m: Params,
    v: Params,
    t: i32,
}

impl AdamW {
    /// BERT's settings: β = (0.9, 0.999), ε = 1e-6, weight decay 0.01.
    pub fn new(cfg: &BertConfig) -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-6,
            weight_decay: 0.01,
            m: Params::zeros(cfg),
            v: Params::zeros(cfg),
            t: 0,
        }
    }

    /// No decay on biases or LayerNorm weights (BERT's `exclude_from_weight_decay`).
    pub fn decays(name: &str) -> bool {
        !(name.contains("bias") || name.contains("LayerNorm"))
    }

    /// p ← p (1 − lr·wd); then the bias-corrected Adam update.
    pub fn step(&mut self, p: &mut Params, g: &Grads, lr: f32) {
        self.t += 1;
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        let bc1 = 1.0 - b1.powi(self.t);
        let bc2_sqrt = (1.0 - b2.powi(self.t)).sqrt();
        let step_size = lr / bc1;
        let tensors = p.tensors_mut().into_iter().zip(g.tensors()).zip(self.m.tensors_mut()).zip(self.v.tensors_mut());
        for ((((name, mut p), (_, g)), (_, mut m)), (_, mut v)) in tensors {
            let decay = if Self::decays(&name) { 1.0 - lr * self.weight_decay } else { 1.0 };
            Zip::from(&mut p).and(&g).and(&mut m).and(&mut v).for_each(|p, &g, m, v| {
                *p *= decay;
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *p -= step_size * *m / (v.sqrt() / bc2_sqrt + eps);
            });
        }
    }
}

/// Scales `g` so its global norm is at most `max_norm`; returns the norm before clipping.
pub fn clip_grad_norm(g: &mut Grads, max_norm: f32) -> f32 {
    let norm = g.global_norm();
    if norm > max_norm {
        let scale = max_norm / (norm + 1e-6);
        for (_, mut t) in g.tensors_mut() {
            t *= scale;
        }
    }
    norm
}

/// Linear warm-up to `peak` over `warmup` steps (counted from step 1 so the first step
/// moves), then a decay. `train` decays linearly to 0 at its last step, as HF's
/// `get_linear_schedule_with_warmup`; the TUI's run has no last step, so it needs a decay
/// that keeps learning (docs/TRAINING.md, "The live schedule").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub peak: f32,
    pub warmup: usize,
    pub decay: Decay,
}

/// What the learning rate does after the warm-up; `floor` is a fraction of the peak.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decay {
    /// Linear to `floor · peak` at step `total`, then held there.
    Linear { total: usize, floor: f32 },
    /// The peak, for ever.
    Constant,
    /// The peak until step `from`, then peak · √(from / step): the Transformer's decay
    /// (Vaswani et al. 2017, §5.3) as T5 holds it (Raffel et al. 2020, §3.1.2), which never
    /// stops but slows down; held at `floor · peak` once it gets there.
    InverseSqrt { from: usize, floor: f32 },
    /// Half a cosine from the peak to `floor · peak` at step `total`, then held there.
    Cosine { total: usize, floor: f32 },
}

impl Schedule {
    /// Warm-up, then linear decay to `floor · peak` at `total`.
    pub fn linear(peak: f32, warmup: usize, total: usize, floor: f32) -> Self {
        Self { peak, warmup, decay: Decay::Linear { total, floor } }
    }

    /// The learning rate of step `step` (0-based).
    pub fn lr(&self, step: usize) -> f32 {
        let s = step + 1;
        if s <= self.warmup {
            return self.peak * s as f32 / self.warmup.max(1) as f32;
        }
        let past = (s - self.warmup) as f32;
        let factor = match self.decay {
            Decay::Linear { total, floor } => {
                let left = total.saturating_sub(step) as f32;
                (left / total.saturating_sub(self.warmup).max(1) as f32).clamp(0.0, 1.0).max(floor)
            }
            Decay::Constant => 1.0,
            Decay::InverseSqrt { from, floor } => (from.max(1) as f32 / s.max(from) as f32).sqrt().max(floor),
            Decay::Cosine { total, floor } => {
                let span = total.saturating_sub(self.warmup).max(1) as f32;
                let t = (past / span).min(1.0);
                floor + (1.0 - floor) * 0.5 * (1.0 + (std::f32::consts::PI * t).cos())
            }
        };
        self.peak * factor
    }

    /// Its name in `train --json` and docs/TRAINING.md.
    pub fn describe(&self) -> String {
        let Self { peak, warmup, decay } = self;
        match decay {
            Decay::Linear { total, floor } => {
                format!("warm-up {warmup}, peak {peak:e}, linear to {floor}×peak at step {total}")
            }
            Decay::Constant => format!("warm-up {warmup}, then constant {peak:e}"),
            Decay::InverseSqrt { from, floor } => {
                format!("warm-up {warmup}, peak {peak:e} to step {from}, then ×√({from}/step), at least {floor}×peak")
            }
            Decay::Cosine { total, floor } => {
                format!("warm-up {warmup}, peak {peak:e}, cosine to {floor}×peak at step {total}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Decay, Schedule};

    #[test]
    fn every_decay_warms_up_then_follows_its_shape() {
        let peak = 2e-3;
        let shapes = [
            Decay::Linear { total: 1000, floor: 0.1 },
            Decay::Constant,
            Decay::InverseSqrt { from: 400, floor: 0.05 },
            Decay::Cosine { total: 1000, floor: 0.0 },
        ];
        for decay in shapes {
            let s = Schedule { peak, warmup: 100, decay };
            assert_eq!(s.lr(0), peak / 100.0, "{decay:?}: the first step moves");
            assert_eq!(s.lr(99), peak, "{decay:?}: the warm-up ends at the peak");
            let later: Vec<f32> = (100..5000).map(|i| s.lr(i)).collect();
            assert!(later.windows(2).all(|w| w[1] <= w[0]), "{decay:?}: never rises after the warm-up");
        }
        let lin = Schedule { peak, warmup: 100, decay: Decay::Linear { total: 1000, floor: 0.1 } };
        assert!(
            (lin.lr(550) - peak * 0.5).abs() < 1e-9 && lin.lr(5000) == peak * 0.1,
            "half-way at step 550, then the floor"
        );
        let rsqrt = Schedule { peak, warmup: 100, decay: Decay::InverseSqrt { from: 400, floor: 0.05 } };
        assert_eq!(rsqrt.lr(399), peak, "the peak until step 400");
        assert!((rsqrt.lr(1599) - peak * 0.5).abs() < 1e-9, "step 1,600: √(400/1600) = 0.5");
        assert_eq!(rsqrt.lr(1_000_000), peak * 0.05, "held at the floor");
        let cos = Schedule { peak, warmup: 100, decay: Decay::Cosine { total: 1100, floor: 0.0 } };
        assert!((cos.lr(599) - peak * 0.5).abs() < 1e-8, "half-way: half the peak");
        assert_eq!(Schedule { peak, warmup: 100, decay: Decay::Constant }.lr(123_456), peak);
    }
}
