//! The position-wise feed-forward block (HF `BertIntermediate` + `BertOutput`):
//! dense, GELU, dense, dropout, then LayerNorm(x + residual).

use ndarray::Array2;
use rand::Rng;

use super::activation::{DropMask, apply_dropout, dropout_mask};
use super::config::BertConfig;
use super::layer_norm::NormCache;
use super::params::LayerParams;
use super::profile::{Part, time};

#[derive(Debug, Clone, Default)]
pub struct FeedForwardCache {
    pub x: Array2<f32>,
    /// The activation's derivative at the pre-activation: (·, F) or (M, H).
    pub deriv: Array2<f32>,
    /// After the activation: (N, F).
    pub act: Array2<f32>,
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
    let (act, deriv, mut y) = time(Part::FeedForward, || {
        let (act, deriv) = cfg.hidden_act.forward_in_place(l.inter.forward(x.view()));
        let y = l.out.forward(act.view());
        (act, deriv, y)
    });
    let (y, drop, norm) = time(Part::LayerNorm, || {
        let drop = dropout_mask(y.dim(), cfg.hidden_dropout_prob, rng);
        apply_dropout(&mut y, &drop);
        y += &x;
        let (y, norm) = l.out_norm.forward(y.view(), cfg.layer_norm_eps);
        (y, drop, norm)
    });
    (y, FeedForwardCache { x, deriv, act, drop, norm })
}

/// dy: (N, H) → dx: (N, H)
pub fn backward(l: &LayerParams, dy: Array2<f32>, c: &FeedForwardCache, g: &mut LayerParams) -> Array2<f32> {
    let (mut dx, dout) = time(Part::LayerNorm, || {
        let dx = l.out_norm.backward(dy.view(), &c.norm, &mut g.out_norm);
        let mut dout = dx.clone();
        apply_dropout(&mut dout, &c.drop);
        (dx, dout)
    });
    time(Part::FeedForward, || {
        let mut dpre = l.out.backward(dout.view(), c.act.view(), &mut g.out);
        dpre *= &c.deriv; // dact ⊙ act'(pre), in place
        dx += &l.inter.backward(dpre.view(), c.x.view(), &mut g.inter);
    });
    dx
}
