//! Multi-head self-attention and its output block (HF `BertSelfAttention` +
//! `BertSelfOutput`): softmax(Q Kᵀ/√d + mask) V, dropout on the probabilities, then
//! dense, dropout and LayerNorm(x + residual).

use ndarray::{Array2, Array3, ArrayView2, Axis, s};
use rand::Rng;

use super::activation::{DropMask, apply_dropout, dropout_mask};
use super::config::BertConfig;
use super::fastmath::{exp, simd, sum};
use super::layer_norm::NormCache;
use super::params::LayerParams;

/// The geometry of a batch: sizes and which keys are real.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    pub batch: usize,
    pub seq: usize,
    pub attention: &'a [bool],
}

#[derive(Debug, Clone, Default)]
pub struct AttentionCache {
    pub x: Array2<f32>,
    pub q: Array2<f32>,
    pub k: Array2<f32>,
    pub v: Array2<f32>,
    /// Softmax output before dropout: (B·A, T, T).
    pub probs: Array3<f32>,
    /// Dropout on the probabilities, (B·A·T, T), or none.
    pub probs_drop: DropMask,
    pub ctx: Array2<f32>,
    pub out_drop: DropMask,
    pub norm: NormCache,
}

/// x: (B·T, H) → LayerNorm(dropout(dense(attention(x))) + x): (B·T, H)
pub fn forward<R: Rng>(
    l: &LayerParams,
    cfg: &BertConfig,
    shape: Shape,
    x: Array2<f32>,
    mut rng: Option<&mut R>,
) -> (Array2<f32>, AttentionCache) {
    let (b, t, a, d) = (shape.batch, shape.seq, cfg.num_attention_heads, cfg.head_dim());
    let (q, k, v) = (l.query.forward(x.view()), l.key.forward(x.view()), l.value.forward(x.view()));
    let scale = 1.0 / (d as f32).sqrt();
    let mut probs = Array3::zeros((b * a, t, t));
    let probs_drop = dropout_mask((b * a * t, t), cfg.attention_probs_dropout_prob, rng.as_deref_mut());
    let mut ctx = Array2::zeros(x.dim());
    for bi in 0..b {
        let rows = bi * t..(bi + 1) * t;
        let keys = &shape.attention[rows.clone()];
        for h in 0..a {
            let cols = h * d..(h + 1) * d;
            let qh = q.slice(s![rows.clone(), cols.clone()]);
            let kh = k.slice(s![rows.clone(), cols.clone()]);
            let mut p = probs.index_axis_mut(Axis(0), bi * a + h);
            p.assign(&(qh.dot(&kh.t()) * scale));
            softmax_rows(p.view_mut(), keys);
            let pd = dropped(p.view(), &probs_drop, (bi * a + h) * t, t);
            ctx.slice_mut(s![rows.clone(), cols.clone()]).assign(&pd.dot(&v.slice(s![rows.clone(), cols])));
        }
    }
    let mut y = l.attn_out.forward(ctx.view());
    let out_drop = dropout_mask(y.dim(), cfg.hidden_dropout_prob, rng);
    apply_dropout(&mut y, &out_drop);
    y += &x;
    let (y, norm) = l.attn_norm.forward(y.view(), cfg.layer_norm_eps);
    (y, AttentionCache { x, q, k, v, probs, probs_drop, ctx, out_drop, norm })
}

/// dy: (B·T, H) → dx: (B·T, H), adding every weight's gradient into `g`.
pub fn backward(
    l: &LayerParams,
    cfg: &BertConfig,
    shape: Shape,
    dy: Array2<f32>,
    c: &AttentionCache,
    g: &mut LayerParams,
) -> Array2<f32> {
    let (b, t, a, d) = (shape.batch, shape.seq, cfg.num_attention_heads, cfg.head_dim());
    let scale = 1.0 / (d as f32).sqrt();
    let dres = l.attn_norm.backward(dy.view(), &c.norm, &mut g.attn_norm);
    let mut dout = dres.clone();
    apply_dropout(&mut dout, &c.out_drop);
    let dctx = l.attn_out.backward(dout.view(), c.ctx.view(), &mut g.attn_out);
    let (mut dq, mut dk, mut dv) = (Array2::zeros(c.q.dim()), Array2::zeros(c.k.dim()), Array2::zeros(c.v.dim()));
    for bi in 0..b {
        let rows = bi * t..(bi + 1) * t;
        for h in 0..a {
            let idx = s![rows.clone(), h * d..(h + 1) * d];
            let p = c.probs.index_axis(Axis(0), bi * a + h);
            let pd = dropped(p, &c.probs_drop, (bi * a + h) * t, t);
            let dctx_h = dctx.slice(idx);
            dv.slice_mut(idx).assign(&pd.t().dot(&dctx_h));
            let mut dp = dctx_h.dot(&c.v.slice(idx).t());
            if let Some(m) = &c.probs_drop {
                dp *= &m.slice(s![(bi * a + h) * t..(bi * a + h + 1) * t, ..]);
            }
            // softmax backward, row by row: ds = p ⊙ (dp − Σ dp⊙p)
            for (mut dr, pr) in dp.axis_iter_mut(Axis(0)).zip(p.axis_iter(Axis(0))) {
                let dot: f32 = dr.iter().zip(pr).map(|(x, y)| x * y).sum();
                dr.zip_mut_with(&pr, |x, &y| *x = y * (*x - dot) * scale);
            }
            dq.slice_mut(idx).assign(&dp.dot(&c.k.slice(idx)));
            dk.slice_mut(idx).assign(&dp.t().dot(&c.q.slice(idx)));
        }
    }
    let mut dx = dres;
    dx += &l.query.backward(dq.view(), c.x.view(), &mut g.query);
    dx += &l.key.backward(dk.view(), c.x.view(), &mut g.key);
    dx += &l.value.backward(dv.view(), c.x.view(), &mut g.value);
    dx
}

/// Row-wise softmax in place, keys that are padding masked out.
/// Padding keys get probability exactly 0, as exp(MASKED − max) underflows to in HF.
pub fn softmax_rows(mut s: ndarray::ArrayViewMut2<f32>, keys: &[bool]) {
    simd(|| softmax_rows_inner(s.view_mut(), keys))
}

#[inline(always)]
fn softmax_rows_inner(mut s: ndarray::ArrayViewMut2<f32>, keys: &[bool]) {
    for mut row in s.axis_iter_mut(Axis(0)) {
        let row = row.as_slice_mut().expect("probabilities are contiguous");
        let max = row.iter().zip(keys).filter(|(_, k)| **k).fold(f32::NEG_INFINITY, |m, (&x, _)| m.max(x));
        for (x, &k) in row.iter_mut().zip(keys) {
            let e = exp(*x - max);
            *x = if k { e } else { 0.0 };
        }
        let inv = 1.0 / sum(row);
        row.iter_mut().for_each(|x| *x *= inv);
    }
}

/// The probabilities after dropout for one (batch, head): p ⊙ mask, or p itself.
fn dropped(p: ArrayView2<f32>, mask: &DropMask, start: usize, t: usize) -> Array2<f32> {
    match mask {
        Some(m) => &p * &m.slice(s![start..start + t, ..]),
        None => p.to_owned(),
    }
}
