//! Where a training step's time goes: `bench` switches timing on, the step's parts add
//! their nanoseconds to one counter each, and `bench` reads them back per step.
//!
//! Off (the default) a timed part costs one relaxed atomic load. On, two `Instant::now`
//! calls, about 50 ns, against parts of tens of µs or more. Parts never nest, so the
//! counters add up to the time the threads spent in the step.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// A part of the training step. The first group runs on every step thread (their time is
/// summed over the threads); the last two run once, on the trainer's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The three table lookups, their sum, LayerNorm and dropout; the scatter back.
    Embeddings,
    /// Q, K and V from x, and the attention output's dense layer.
    Projections,
    /// Q Kᵀ and P V per head, and their backward products.
    AttentionProducts,
    /// Scale, padding mask, softmax and dropout on the probabilities; their backward.
    Softmax,
    /// The two dense layers of the feed-forward block and GELU.
    FeedForward,
    /// Residual additions, hidden dropout and the encoder's LayerNorms.
    LayerNorm,
    /// Pooler and NSP classifier, MLM transform and the tied decoder.
    Heads,
    /// Softmax cross-entropy of both heads, forward and backward.
    Loss,
    /// Adding the threads' gradients, and clipping their norm.
    GradientSum,
    /// AdamW over every parameter.
    Optimizer,
}

impl Part {
    pub const ALL: [Part; 10] = [
        Part::Embeddings,
        Part::Projections,
        Part::AttentionProducts,
        Part::Softmax,
        Part::FeedForward,
        Part::LayerNorm,
        Part::Heads,
        Part::Loss,
        Part::GradientSum,
        Part::Optimizer,
    ];

    /// The name `bench --json` uses.
    pub fn key(self) -> &'static str {
        match self {
            Part::Embeddings => "embeddings",
            Part::Projections => "qkv_and_output_dense",
            Part::AttentionProducts => "attention_products",
            Part::Softmax => "softmax_and_dropout",
            Part::FeedForward => "ffn",
            Part::LayerNorm => "layernorm_residual",
            Part::Heads => "heads",
            Part::Loss => "loss",
            Part::GradientSum => "gradient_sum_and_clip",
            Part::Optimizer => "adamw",
        }
    }

    /// Runs on each step thread (true) or once per step (false).
    pub fn per_thread(self) -> bool {
        !matches!(self, Part::GradientSum | Part::Optimizer)
    }
}

static ON: AtomicBool = AtomicBool::new(false);
static NANOS: [AtomicU64; Part::ALL.len()] = [const { AtomicU64::new(0) }; Part::ALL.len()];

/// Switches timing on or off, and clears the counters.
pub fn enable(on: bool) {
    for n in &NANOS {
        n.store(0, Relaxed);
    }
    ON.store(on, Relaxed);
}

/// Runs `f`, adding its time to `part` while timing is on.
#[inline]
pub fn time<T>(part: Part, f: impl FnOnce() -> T) -> T {
    if !ON.load(Relaxed) {
        return f();
    }
    let start = Instant::now();
    let out = f();
    NANOS[part as usize].fetch_add(start.elapsed().as_nanos() as u64, Relaxed);
    out
}

/// Seconds spent in each part since [`enable`], summed over threads.
pub fn totals() -> Vec<(Part, f64)> {
    Part::ALL.iter().map(|&p| (p, NANOS[p as usize].load(Relaxed) as f64 * 1e-9)).collect()
}
