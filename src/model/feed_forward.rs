//! The position-wise feed-forward block (HF `BertIntermediate` + `BertOutput`):
//! dense, GELU, dense, dropout, then LayerNorm(x + residual).

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, Axis};
use rand::Rng;

use super::activation::{DropMask, apply_dropout, dropout_mask};
use super::config::BertConfig;
use super::layer_norm::NormCache;
use super::params::LayerParams;
use super::profile::{Part, time};

/// Only the pre-activation is kept: backward computes the activation and its derivative
/// again from it (one GELU pass, about 1% of a step), which saves a (N, F) array a layer
/// (docs/PERFORMANCE.md, "Memory").
#[derive(Debug, Clone, Default)]
pub struct FeedForwardCache {
    pub x: Array2<f32>,
    /// Before the activation: (N, F).
    pub pre: Array2<f32>,
    pub drop: DropMask,
    pub norm: NormCache,
}

/// x: (N, H) → LayerNorm(dropout(W₂ gelu(W₁ x)) + x): (N, H)
pub fn forward<R: Rng>(
    l: &LayerParams,
    cfg: &BertConfig,
    x: Array2<f32>,
    rng: Option<&mut R>,
) -> (Array2<f32>, FeedForwardCache) {
    let (pre, mut y) = time(Part::FeedForward, || {
        let pre = l.inter.forward(x.view());
        let y = l.out.forward(cfg.hidden_act.values(pre.view()).view());
        (pre, y)
    });
    let (y, drop, norm) = time(Part::LayerNorm, || {
        let drop = dropout_mask(y.dim(), cfg.hidden_dropout_prob, rng);
        apply_dropout(&mut y, &drop);
        y += &x;
        let (y, norm) = l.out_norm.forward(y.view(), cfg.layer_norm_eps);
        (y, drop, norm)
    });
    (y, FeedForwardCache { x, pre, drop, norm })
}

/// dy: (N, H) → dx: (N, H)
pub fn backward(
    l: &LayerParams,
    cfg: &BertConfig,
    dy: Array2<f32>,
    c: &FeedForwardCache,
    g: &mut LayerParams,
) -> Array2<f32> {
    let (mut dx, dout) = time(Part::LayerNorm, || {
        let dx = l.out_norm.backward(dy.view(), &c.norm, &mut g.out_norm);
        let mut dout = dx.clone();
        apply_dropout(&mut dout, &c.drop);
        (dx, dout)
    });
    time(Part::FeedForward, || {
        // One (N, F) array at a time: act for W₂'s gradient, then the same buffer for
        // dact = dout W₂, made dpre = dact ⊙ act'(pre) in place.
        let mut buf = cfg.hidden_act.values(c.pre.view());
        general_mat_mul(1.0, &dout.t(), &buf, 1.0, &mut g.out.w);
        g.out.b += &dout.sum_axis(Axis(0));
        general_mat_mul(1.0, &dout, &l.out.w, 0.0, &mut buf);
        cfg.hidden_act.backward_in_place(&mut buf, c.pre.view());
        let dpre = buf;
        dx += &l.inter.backward(dpre.view(), c.x.view(), &mut g.inter);
    });
    dx
}
