//! The two pre-training heads (HF `BertPooler`, `BertPreTrainingHeads`):
//! NSP = dense(tanh(dense(h[CLS]))) → 2 logits; MLM = dense, GELU, LayerNorm, then the
//! tied decoder `· E_wordᵀ + bias`, evaluated only at the masked rows (google-research/bert
//! `run_pretraining.py` `gather_indexes`).

use ndarray::{Array2, Axis};

use super::activation::tanh_backward;
use super::config::{Activation, BertConfig};
use super::layer_norm::NormCache;
use super::params::Params;

#[derive(Debug, Clone, Default)]
pub struct NspCache {
    pub cls: Array2<f32>,
    pub pooled: Array2<f32>,
}

#[derive(Debug, Clone, Default)]
pub struct MlmCache {
    pub hidden: Array2<f32>,
    /// The activation's derivative at the pre-activation: (·, F) or (M, H).
    pub deriv: Array2<f32>,
    pub act: Array2<f32>,
    pub norm: NormCache,
    pub normed: Array2<f32>,
}

/// x: (B·T, H), the `[CLS]` rows `cls_rows` → NSP logits (B, 2)
pub fn nsp_forward(p: &Params, x: &Array2<f32>, cls_rows: &[usize]) -> (Array2<f32>, NspCache) {
    let cls = x.select(Axis(0), cls_rows);
    let pooled = p.pooler.forward(cls.view()).mapv(f32::tanh);
    let logits = p.nsp.forward(pooled.view());
    (logits, NspCache { cls, pooled })
}

/// dlogits: (B, 2) → adds d[CLS] into the rows of dx: (B·T, H)
pub fn nsp_backward(
    p: &Params,
    dlogits: &Array2<f32>,
    c: &NspCache,
    cls_rows: &[usize],
    g: &mut Params,
    dx: &mut Array2<f32>,
) {
    let dpooled = p.nsp.backward(dlogits.view(), c.pooled.view(), &mut g.nsp);
    let dpre = tanh_backward(dpooled.view(), c.pooled.view());
    let dcls = p.pooler.backward(dpre.view(), c.cls.view(), &mut g.pooler);
    scatter_add_rows(dx, cls_rows, &dcls);
}

/// x: (B·T, H), the masked rows → MLM logits (M, V)
pub fn mlm_forward(p: &Params, cfg: &BertConfig, x: &Array2<f32>, rows: &[usize]) -> (Array2<f32>, MlmCache) {
    let hidden = x.select(Axis(0), rows);
    let (act, deriv) = cfg.hidden_act.forward_in_place(p.mlm_transform.forward(hidden.view()));
    let (normed, norm) = p.mlm_norm.forward(act.view(), cfg.layer_norm_eps);
    let mut logits = normed.dot(&p.word.t());
    logits += &p.mlm_bias;
    (logits, MlmCache { hidden, deriv, act, norm, normed })
}

/// dlogits: (M, V) → adds into the masked rows of dx: (B·T, H). The decoder's weight
/// gradient lands in the word embeddings, since they are the same matrix.
pub fn mlm_backward(
    p: &Params,
    dlogits: &Array2<f32>,
    c: &MlmCache,
    rows: &[usize],
    g: &mut Params,
    dx: &mut Array2<f32>,
) {
    ndarray::linalg::general_mat_mul(1.0, &dlogits.t(), &c.normed, 1.0, &mut g.word);
    g.mlm_bias += &dlogits.sum_axis(Axis(0));
    let dnormed = dlogits.dot(&p.word);
    let dact = p.mlm_norm.backward(dnormed.view(), &c.norm, &mut g.mlm_norm);
    let dpre = Activation::backward(dact.view(), c.deriv.view());
    let dhidden = p.mlm_transform.backward(dpre.view(), c.hidden.view(), &mut g.mlm_transform);
    scatter_add_rows(dx, rows, &dhidden);
}

/// The backward of `x.select(Axis(0), rows)`: dx[rows[i]] += d[i].
fn scatter_add_rows(dx: &mut Array2<f32>, rows: &[usize], d: &Array2<f32>) {
    for (&row, d) in rows.iter().zip(d.axis_iter(Axis(0))) {
        let mut r = dx.row_mut(row);
        r += &d;
    }
}
