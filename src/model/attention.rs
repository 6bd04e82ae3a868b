//! Multi-head self-attention and its output block (HF `BertSelfAttention` +
//! `BertSelfOutput`): softmax(Q Kᵀ/√d + mask) V, dropout on the probabilities, then
//! dense, dropout and LayerNorm(x + residual).
//!
//! How it is computed, for speed (docs/PERFORMANCE.md), without changing the math:
//! - Q, K and V come from one product with the three weight matrices stacked, (N, 3H).
//! - Each (sequence, head) works on column blocks of that product in place: the products
//!   write straight into their outputs (no temporaries), with 1/√d folded into Q Kᵀ.
//! - Keys after a sequence's last real token are padding: their probability is exactly 0
//!   (as HF's `f32::MIN` mask gives after exp), so they are left out of the products
//!   instead of computed and zeroed. Padding *queries* are computed, as in HF.
//! - Softmax is one vectorised pass per row. The dropout mask on the probabilities is
//!   drawn per (sequence, head) from a seed kept in the cache, and drawn again in
//!   backward, instead of keeping a second (B·A, T, T) array (docs/PERFORMANCE.md, "Memory").
//! - P V and Pᵀ X read the probabilities in place (`products.rs`).

mod products;

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayViewMut2, Axis, concatenate, s};
use rand::rngs::SmallRng;
use rand::{Rng, RngExt, SeedableRng};

use super::activation::{DropMask, apply_dropout, dropout_mask, fill_dropout};
use super::config::BertConfig;
use super::fastmath::{dot, exp, masked_max, simd_fn, sum};
use super::layer_norm::NormCache;
use super::params::LayerParams;
use super::profile::{Part, time};
use products::{Rows, RowsMut, p_times_v, pt_times_x};

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
    /// [Q | K | V]: (B·T, 3H).
    pub qkv: Array2<f32>,
    /// Softmax output before dropout: (B·A, T, T).
    pub probs: Array3<f32>,
    /// Dropout on the probabilities: the seed each (sequence, head)'s mask is drawn from,
    /// so backward draws it again instead of keeping a second (B·A, T, T) array.
    pub probs_dropout: Option<ProbsDropout>,
    pub ctx: Array2<f32>,
    pub out_drop: DropMask,
    pub norm: NormCache,
}

/// How the attention probabilities were dropped: with probability `p`, masks from `seed`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbsDropout {
    pub p: f32,
    pub seed: u64,
}

impl ProbsDropout {
    /// The mask of block `block` (= sequence · heads + head), `rows` × `len`, row-major:
    /// 0 or 1/(1 − p).
    pub fn mask<'a>(&self, block: usize, buf: &'a mut [f32]) -> &'a [f32] {
        let mut rng = SmallRng::seed_from_u64(self.seed ^ (block as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        fill_dropout(buf, self.p, &mut rng)
    }
}

/// x: (B·T, H) → LayerNorm(dropout(dense(attention(x))) + x): (B·T, H)
pub fn forward<R: Rng>(
    l: &LayerParams,
    cfg: &BertConfig,
    shape: Shape,
    x: Array2<f32>,
    mut rng: Option<&mut R>,
) -> (Array2<f32>, AttentionCache) {
    let (b, t, a, d, hid) = (shape.batch, shape.seq, cfg.num_attention_heads, cfg.head_dim(), cfg.hidden_size);
    let qkv = time(Part::Projections, || {
        let (w, bias) = stacked_qkv(l);
        let mut qkv = bias.broadcast((x.nrows(), 3 * hid)).expect("one bias per column").to_owned();
        general_mat_mul(1.0, &x, &w.t(), 1.0, &mut qkv);
        qkv
    });
    let scale = 1.0 / (d as f32).sqrt();
    let p = cfg.attention_probs_dropout_prob;
    let probs_dropout = rng.as_deref_mut().filter(|_| p > 0.0).map(|r| ProbsDropout { p, seed: r.random() });
    let mut probs = Array3::zeros((b * a, t, t));
    let mut ctx = Array2::zeros(x.dim());
    let (mut mask, mut dropped) = (vec![0.0f32; t * t], vec![0.0f32; t * t]);
    let stride = 3 * hid;
    for bi in 0..b {
        let rows = bi * t..(bi + 1) * t;
        let (keep, len) = keys_of(&shape.attention[rows.clone()]);
        for h in 0..a {
            let block = bi * a + h;
            time(Part::AttentionProducts, || {
                let qh = qkv.slice(s![rows.clone(), h * d..(h + 1) * d]);
                let kh = qkv.slice(s![bi * t..bi * t + len, hid + h * d..hid + (h + 1) * d]);
                let mut pb = probs.index_axis_mut(Axis(0), block);
                general_mat_mul(scale, &qh, &kh.t(), 0.0, &mut pb.slice_mut(s![.., ..len]))
            });
            time(Part::Softmax, || {
                let mut pb = probs.index_axis_mut(Axis(0), block);
                softmax_rows(pb.slice_mut(s![.., ..len]), &keep[..len]);
                if let Some(pdrop) = &probs_dropout {
                    let m = pdrop.mask(block, &mut mask[..t * len]);
                    apply_mask(pb.slice(s![.., ..len]), m, &mut dropped[..t * len]);
                }
            });
            // P̃ = P ⊙ mask, (T, len) row-major in `dropped`, or P itself.
            let ptilde = match probs_dropout {
                Some(_) => Rows { data: &dropped, off: 0, ld: len },
                None => Rows { data: probs.as_slice().expect("contiguous"), off: block * t * t, ld: t },
            };
            // ctx_h = P̃ V_h
            time(Part::AttentionProducts, || {
                let v = Rows {
                    data: qkv.as_slice().expect("QKV is contiguous"),
                    off: bi * t * stride + 2 * hid + h * d,
                    ld: stride,
                };
                let out = RowsMut {
                    data: ctx.as_slice_mut().expect("ctx is contiguous"),
                    off: bi * t * hid + h * d,
                    ld: hid,
                };
                p_times_v(ptilde, t, len, v, d, out);
            });
        }
    }
    let mut y = time(Part::Projections, || l.attn_out.forward(ctx.view()));
    let (y, out_drop, norm) = time(Part::LayerNorm, || {
        let out_drop = dropout_mask(y.dim(), cfg.hidden_dropout_prob, rng);
        apply_dropout(&mut y, &out_drop);
        y += &x;
        let (y, norm) = l.attn_norm.forward(y.view(), cfg.layer_norm_eps);
        (y, out_drop, norm)
    });
    (y, AttentionCache { x, qkv, probs, probs_dropout, ctx, out_drop, norm })
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
    let (b, t, a, d, hid) = (shape.batch, shape.seq, cfg.num_attention_heads, cfg.head_dim(), cfg.hidden_size);
    let scale = 1.0 / (d as f32).sqrt();
    let (dres, dout) = time(Part::LayerNorm, || {
        let dres = l.attn_norm.backward(dy.view(), &c.norm, &mut g.attn_norm);
        let mut dout = dres.clone();
        apply_dropout(&mut dout, &c.out_drop);
        (dres, dout)
    });
    let dctx = time(Part::Projections, || l.attn_out.backward(dout.view(), c.ctx.view(), &mut g.attn_out));
    let mut dqkv = Array2::<f32>::zeros(c.qkv.dim());
    let mut ds = Array2::<f32>::zeros((t, t));
    let (mut mask, mut dropped) = (vec![0.0f32; t * t], vec![0.0f32; t * t]);
    let stride = 3 * hid;
    let qkv = c.qkv.as_slice().expect("QKV is contiguous");
    let dctx_all = dctx.as_slice().expect("dctx is contiguous");
    for bi in 0..b {
        let rows = bi * t..(bi + 1) * t;
        let (_, len) = keys_of(&shape.attention[rows.clone()]);
        // Where this sequence's head-h columns of Q, K, V (and of their gradients) start.
        let at = |part: usize, h: usize| bi * t * stride + part * hid + h * d;
        for h in 0..a {
            let block = bi * a + h;
            let p = c.probs.index_axis(Axis(0), block);
            let p = p.slice(s![.., ..len]);
            let mask = c.probs_dropout.map(|pdrop| pdrop.mask(block, &mut mask[..t * len]));
            time(Part::AttentionProducts, || {
                // dV_h = P̃ᵀ dctx_h, dP̃ = dctx_h V_hᵀ
                let ptilde = match mask {
                    Some(m) => {
                        apply_mask(p, m, &mut dropped[..t * len]);
                        Rows { data: &dropped, off: 0, ld: len }
                    }
                    None => Rows { data: c.probs.as_slice().expect("contiguous"), off: block * t * t, ld: t },
                };
                let x = Rows { data: dctx_all, off: bi * t * hid + h * d, ld: hid };
                let out = RowsMut { data: dqkv.as_slice_mut().expect("contiguous"), off: at(2, h), ld: stride };
                pt_times_x(ptilde, t, len, x, d, out);
                let dctx_h = dctx.slice(s![rows.clone(), h * d..(h + 1) * d]);
                let vh = c.qkv.slice(s![bi * t..bi * t + len, 2 * hid + h * d..2 * hid + (h + 1) * d]);
                general_mat_mul(1.0, &dctx_h, &vh.t(), 0.0, &mut ds.slice_mut(s![.., ..len]));
            });
            time(Part::Softmax, || softmax_backward(ds.slice_mut(s![.., ..len]), p, mask, scale));
            time(Part::AttentionProducts, || {
                // dQ_h = dS K_h, dK_h = dSᵀ Q_h
                let dsr = Rows { data: ds.as_slice().expect("contiguous"), off: 0, ld: t };
                let dq = dqkv.as_slice_mut().expect("contiguous");
                p_times_v(
                    dsr,
                    t,
                    len,
                    Rows { data: qkv, off: at(1, h), ld: stride },
                    d,
                    RowsMut { data: dq, off: at(0, h), ld: stride },
                );
                pt_times_x(
                    dsr,
                    t,
                    len,
                    Rows { data: qkv, off: at(0, h), ld: stride },
                    d,
                    RowsMut { data: dq, off: at(1, h), ld: stride },
                );
            });
        }
    }
    time(Part::Projections, || {
        for (i, lin) in [&mut g.query, &mut g.key, &mut g.value].into_iter().enumerate() {
            let dpart = dqkv.slice(s![.., i * hid..(i + 1) * hid]);
            general_mat_mul(1.0, &dpart.t(), &c.x, 1.0, &mut lin.w);
            lin.b += &dpart.sum_axis(Axis(0));
        }
        let (w, _) = stacked_qkv(l);
        let mut dx = dres;
        general_mat_mul(1.0, &dqkv, &w, 1.0, &mut dx);
        dx
    })
}

/// [W_q; W_k; W_v]: (3H, H) and [b_q; b_k; b_v]: (3H), so one product gives Q, K and V.
fn stacked_qkv(l: &LayerParams) -> (Array2<f32>, Array1<f32>) {
    let w = concatenate![Axis(0), l.query.w, l.key.w, l.value.w];
    let b = concatenate![Axis(0), l.query.b, l.key.b, l.value.b];
    (w, b)
}

/// A sequence's keys as 1 (real) or 0 (padding), and how many lead up to the last real
/// one: the keys after it are left out of the products.
fn keys_of(real: &[bool]) -> (Vec<f32>, usize) {
    let len = real.iter().rposition(|&k| k).map_or(real.len(), |i| i + 1);
    (real.iter().map(|&k| if k { 1.0 } else { 0.0 }).collect(), len)
}

simd_fn! {
/// Row-wise softmax in place over scores already scaled, padding keys (`keep` 0) masked
/// out with probability exactly 0, as exp(`f32::MIN` − max) underflows to in HF.
pub fn softmax_rows(s: ArrayViewMut2<f32>, keep: &[f32]) {
    let mut s = s;
    for mut row in s.axis_iter_mut(Axis(0)) {
        let row = row.as_slice_mut().expect("rows of scores are contiguous");
        let max = masked_max(row, keep);
        row.iter_mut().zip(keep).for_each(|(x, &k)| *x = exp(*x - max) * k);
        let inv = 1.0 / sum(row);
        row.iter_mut().for_each(|x| *x *= inv);
    }
}
}

simd_fn! {
/// out = p ⊙ mask, all (rows, len), out and mask row-major.
fn apply_mask(p: ArrayView2<f32>, mask: &[f32], out: &mut [f32]) {
    let len = p.ncols();
    for ((pr, m), o) in p.axis_iter(Axis(0)).zip(mask.chunks_exact(len)).zip(out.chunks_exact_mut(len)) {
        let pr = pr.to_slice().expect("rows of probabilities are contiguous");
        o.iter_mut().zip(pr).zip(m).for_each(|((o, &p), &m)| *o = p * m);
    }
}
}

simd_fn! {
/// In place, row by row: d(scores) from d(dropped probabilities) `ds` and the
/// probabilities `p`: ds ← scale · p ⊙ (dp − Σ dp ⊙ p), with dp = ds ⊙ mask.
fn softmax_backward(ds: ArrayViewMut2<f32>, p: ArrayView2<f32>, mask: Option<&[f32]>, scale: f32) {
    let mut ds = ds;
    let len = p.ncols();
    for (i, (mut dr, pr)) in ds.axis_iter_mut(Axis(0)).zip(p.axis_iter(Axis(0))).enumerate() {
        let dr = dr.as_slice_mut().expect("rows of ds are contiguous");
        let pr = pr.to_slice().expect("rows of probabilities are contiguous");
        if let Some(m) = mask {
            dr.iter_mut().zip(&m[i * len..(i + 1) * len]).for_each(|(d, &m)| *d *= m);
        }
        let dot = dot(dr, pr);
        dr.iter_mut().zip(pr).for_each(|(x, &y)| *x = y * (*x - dot) * scale);
    }
}
}
