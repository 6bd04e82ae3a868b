//! Attention maps: softmax(Q Kᵀ/√d + mask) of every layer and head at eval time (no
//! dropout), exactly what HF's `BertModel` returns with `output_attentions=True`.

use ndarray::{Array4, ArrayView2};
use rand::rngs::StdRng;

use crate::model::{self, BertConfig, LossWeights, Params};
use crate::text::batch::Batch;

/// One (B, A, T, T) array per layer: [b, head, query, key]. Each query's row sums to 1 over
/// the real keys; padding keys get exactly 0.
pub fn attentions(p: &Params, cfg: &BertConfig, batch: &Batch) -> Vec<Array4<f32>> {
    let (_, cache) = model::forward(p, cfg, batch, LossWeights::default(), None::<&mut StdRng>);
    let (b, a, t) = (batch.batch, cfg.num_attention_heads, batch.seq);
    cache
        .layers
        .into_iter()
        .map(|l| l.attention.probs.into_shape_with_order((b, a, t, t)).expect("probs are (B·A, T, T)"))
        .collect()
}

/// The `k` keys a query attends to most, largest first: (key position, weight).
pub fn top_keys(map: ArrayView2<f32>, query: usize, k: usize) -> Vec<(usize, f32)> {
    let row = map.row(query).to_vec();
    crate::model::loss::top_k(&row, k).into_iter().map(|(i, w)| (i as usize, w)).collect()
}

/// How much of `query`'s attention goes to keys of the other segment (A ↔ B): the weight
/// that crosses the boundary. `[CLS]` is in segment A, so for it this is the share on B.
pub fn across(map: ArrayView2<f32>, segments: &[u32], query: usize) -> f32 {
    let own = segments[query];
    map.row(query).iter().zip(segments).filter(|(_, s)| **s != own).map(|(w, _)| w).sum()
}

/// For each (layer, head), in that order, the share of `[CLS]`'s attention (query 0) that
/// goes to sentence B, on the first sequence of the batch.
pub fn cls_to_b(maps: &[Array4<f32>], segments: &[u32]) -> Vec<f32> {
    let t = segments.len();
    maps.iter()
        .flat_map(|m| {
            (0..m.dim().1).map(move |h| {
                let map = m.slice(ndarray::s![0, h, ..t, ..t]);
                across(map, segments, 0)
            })
        })
        .collect()
}
