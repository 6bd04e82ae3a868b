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

/// Linear warm-up to `peak` over `warmup` steps, then linear decay to `floor · peak` at
/// `total` (HF `get_linear_schedule_with_warmup` has floor 0; counted from step 1 so the
/// first step moves). The TUI keeps a floor so open-ended training never stalls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub peak: f32,
    pub warmup: usize,
    pub total: usize,
    pub floor: f32,
}

impl Schedule {
    /// The learning rate of step `step` (0-based).
    pub fn lr(&self, step: usize) -> f32 {
        let s = step + 1;
        if s <= self.warmup {
            return self.peak * s as f32 / self.warmup.max(1) as f32;
        }
        let left = self.total.saturating_sub(step) as f32;
        let decay = (left / self.total.saturating_sub(self.warmup).max(1) as f32).clamp(0.0, 1.0);
        self.peak * decay.max(self.floor)
    }
}
