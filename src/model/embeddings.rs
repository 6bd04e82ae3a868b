//! BERT's input layer (HF `modeling_bert.py` `BertEmbeddings`): token + segment +
//! position rows, summed, then LayerNorm, then dropout.

use ndarray::{Array2, Axis};
use rand::Rng;

use super::activation::{DropMask, apply_dropout, dropout_mask};
use super::config::BertConfig;
use super::layer_norm::NormCache;
use super::params::Params;
use crate::text::batch::Batch;

/// What backward needs from the forward pass.
#[derive(Debug, Clone, Default)]
pub struct EmbeddingsCache {
    pub norm: NormCache,
    pub drop: DropMask,
}

/// The three table rows of one token and what they become: what the TUI shows.
#[derive(Debug, Clone)]
pub struct EmbeddingRows {
    /// Rows of the token, segment and position tables, their sum, and the LayerNorm output.
    pub token: Array2<f32>,
    pub segment: Array2<f32>,
    pub position: Array2<f32>,
    pub sum: Array2<f32>,
    pub normed: Array2<f32>,
}

/// The summed rows for every token of the batch: (B·T, H).
fn sum_rows(p: &Params, batch: &Batch) -> Array2<f32> {
    let h = p.word.ncols();
    let mut x = Array2::zeros((batch.tokens(), h));
    for (n, mut row) in x.axis_iter_mut(Axis(0)).enumerate() {
        row += &p.word.row(batch.ids[n] as usize);
        row += &p.token_type.row(batch.segments[n] as usize);
        row += &p.position.row(n % batch.seq);
    }
    x
}

/// ids, segments: (B, T) → x: (B·T, H)
pub fn forward<R: Rng>(
    p: &Params,
    cfg: &BertConfig,
    batch: &Batch,
    rng: Option<&mut R>,
) -> (Array2<f32>, EmbeddingsCache) {
    let x = sum_rows(p, batch);
    let (mut y, norm) = p.emb_norm.forward(x.view(), cfg.layer_norm_eps);
    let drop = dropout_mask(y.dim(), cfg.hidden_dropout_prob, rng);
    apply_dropout(&mut y, &drop);
    (y, EmbeddingsCache { norm, drop })
}

/// dy: (B·T, H) → scatter-adds into the three tables, and returns d(loss)/d(the summed row)
/// of each token, (B·T, H): what each of its three table rows receives. The padding row of
/// the word table gets nothing through the lookup (`nn.Embedding(padding_idx=pad_token_id)`).
pub fn backward(
    p: &Params,
    cfg: &BertConfig,
    batch: &Batch,
    dy: Array2<f32>,
    c: &EmbeddingsCache,
    g: &mut Params,
) -> Array2<f32> {
    let mut dy = dy;
    apply_dropout(&mut dy, &c.drop);
    let dx = p.emb_norm.backward(dy.view(), &c.norm, &mut g.emb_norm);
    for (n, row) in dx.axis_iter(Axis(0)).enumerate() {
        let id = batch.ids[n];
        if id != cfg.pad_token_id {
            let mut w = g.word.row_mut(id as usize);
            w += &row;
        }
        let mut s = g.token_type.row_mut(batch.segments[n] as usize);
        s += &row;
        let mut pos = g.position.row_mut(n % batch.seq);
        pos += &row;
    }
    dx
}

/// The rows behind each token of a single-sequence batch, for display.
pub fn rows(p: &Params, cfg: &BertConfig, batch: &Batch) -> EmbeddingRows {
    let pick = |table: &Array2<f32>, idx: Vec<usize>| table.select(Axis(0), &idx);
    let n = batch.tokens();
    let sum = sum_rows(p, batch);
    let (normed, _) = p.emb_norm.forward(sum.view(), cfg.layer_norm_eps);
    EmbeddingRows {
        token: pick(&p.word, batch.ids.iter().map(|&i| i as usize).collect()),
        segment: pick(&p.token_type, batch.segments.iter().map(|&s| s as usize).collect()),
        position: pick(&p.position, (0..n).map(|i| i % batch.seq).collect()),
        sum,
        normed,
    }
}
