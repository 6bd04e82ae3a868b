//! A real BERT (HF `BertForPreTraining`) in f32 ndarray, with hand-written backprop.
//!
//! Data flows embeddings → L encoder layers → two heads → two losses; [`forward`] keeps
//! every layer's cache and [`backward`] walks the same path in reverse, adding into a
//! [`Grads`] shaped like the [`Params`]. The optimizer lives elsewhere (`train/optim.rs`).

pub mod activation;
pub mod attention;
pub mod checkpoint;
pub mod config;
pub mod embeddings;
pub mod encoder;
pub mod fastmath;
pub mod feed_forward;
pub mod heads;
pub mod inspect;
pub mod layer_norm;
pub mod linear;
pub mod loss;
pub mod params;
pub mod profile;

use anyhow::{Result, bail};
use ndarray::{Array1, Array2};
use rand::Rng;
use rand::rngs::StdRng;

pub use config::{Activation, BertConfig};
pub use params::{Grads, Params};

use crate::text::batch::Batch;
use attention::Shape;
use profile::{Part, time};

/// λ_MLM and λ_NSP: total = λ_MLM · MLM + λ_NSP · NSP. Setting one to 0 switches a head off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossWeights {
    pub mlm: f32,
    pub nsp: f32,
}

impl Default for LossWeights {
    fn default() -> Self {
        Self { mlm: 1.0, nsp: 1.0 }
    }
}

/// What one forward pass computes: both heads' logits, probabilities and losses.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// (M, V) at the masked rows, in `batch.mlm_rows` order.
    pub mlm_logits: Array2<f32>,
    pub mlm_probs: Array2<f32>,
    /// −log p(original) at each masked row.
    pub mlm_token_losses: Array1<f32>,
    /// (B, 2); column 0 is IsNext.
    pub nsp_logits: Array2<f32>,
    pub nsp_probs: Array2<f32>,
    pub mlm_loss: f32,
    pub nsp_loss: f32,
    /// λ_MLM · mlm_loss + λ_NSP · nsp_loss.
    pub total_loss: f32,
}

/// Every layer's cache, for the backward pass.
#[derive(Debug, Clone, Default)]
pub struct ForwardCache {
    pub embeddings: embeddings::EmbeddingsCache,
    pub layers: Vec<encoder::LayerCache>,
    pub nsp: heads::NspCache,
    pub mlm: heads::MlmCache,
}

/// Checks a batch fits the model: ids in the vocabulary, length within the positions.
pub fn check_batch(cfg: &BertConfig, batch: &Batch) -> Result<()> {
    if batch.seq > cfg.max_position_embeddings {
        bail!("the sequence has {} tokens but the model has {} positions", batch.seq, cfg.max_position_embeddings);
    }
    if let Some(id) = batch.ids.iter().find(|&&id| id as usize >= cfg.vocab_size) {
        bail!("token id {id} is outside the model's vocabulary of {}", cfg.vocab_size);
    }
    if let Some(s) = batch.segments.iter().find(|&&s| s as usize >= cfg.type_vocab_size) {
        bail!("segment id {s} is outside the model's {} segments", cfg.type_vocab_size);
    }
    Ok(())
}

fn cls_rows(batch: &Batch) -> Vec<usize> {
    (0..batch.batch).map(|b| b * batch.seq).collect()
}

/// The whole model. `rng` is Some while training (dropout on), None for evaluation.
pub fn forward<R: Rng>(
    p: &Params,
    cfg: &BertConfig,
    batch: &Batch,
    w: LossWeights,
    mut rng: Option<&mut R>,
) -> (Outputs, ForwardCache) {
    let shape = Shape { batch: batch.batch, seq: batch.seq, attention: &batch.attention };
    let (mut x, emb) = time(Part::Embeddings, || embeddings::forward(p, cfg, batch, rng.as_deref_mut()));
    let mut layers = Vec::with_capacity(p.layers.len());
    for l in &p.layers {
        let (y, c) = encoder::forward(l, cfg, shape, x, rng.as_deref_mut());
        x = y;
        layers.push(c);
    }
    let (nsp_logits, nsp) = time(Part::Heads, || heads::nsp_forward(p, &x, &cls_rows(batch)));
    let (mlm_logits, mlm) = time(Part::Heads, || heads::mlm_forward(p, cfg, &x, &batch.mlm_rows));
    let (mlm_token_losses, mlm_probs) = time(Part::Loss, || loss::cross_entropy(&mlm_logits, &batch.mlm_labels));
    let (nsp_losses, nsp_probs) = time(Part::Loss, || loss::cross_entropy(&nsp_logits, &batch.nsp_labels));
    let mlm_loss = loss::mean(&mlm_token_losses);
    let nsp_loss = loss::mean(&nsp_losses);
    let out = Outputs {
        mlm_logits,
        mlm_probs,
        mlm_token_losses,
        nsp_logits,
        nsp_probs,
        mlm_loss,
        nsp_loss,
        total_loss: w.mlm * mlm_loss + w.nsp * nsp_loss,
    };
    (out, ForwardCache { embeddings: emb, layers, nsp, mlm })
}

/// Evaluation: no dropout, no cache kept by the caller.
pub fn evaluate(p: &Params, cfg: &BertConfig, batch: &Batch, w: LossWeights) -> Outputs {
    forward(p, cfg, batch, w, None::<&mut StdRng>).0
}

/// d(total_loss)/d(every parameter), added into `g`. Returns d(total_loss)/d(each token's
/// summed embedding row), (B·T, H): where the loss enters the sequence.
pub fn backward(
    p: &Params,
    cfg: &BertConfig,
    batch: &Batch,
    w: LossWeights,
    out: &Outputs,
    c: &ForwardCache,
    g: &mut Grads,
) -> Array2<f32> {
    let dx = backward_heads(p, cfg, batch, w, out, c, g);
    backward_body(p, cfg, batch, dx, c, g)
}

/// The two heads' part of [`backward`]: their weights' gradients (the decoder's share of the
/// tied token table among them), and d(loss)/d(final hidden states), (B·T, H).
pub fn backward_heads(
    p: &Params,
    cfg: &BertConfig,
    batch: &Batch,
    w: LossWeights,
    out: &Outputs,
    c: &ForwardCache,
    g: &mut Grads,
) -> Array2<f32> {
    let mut dx = Array2::zeros((batch.tokens(), cfg.hidden_size));
    let dmlm = time(Part::Loss, || loss::cross_entropy_backward(&out.mlm_probs, &batch.mlm_labels, w.mlm));
    time(Part::Heads, || heads::mlm_backward(p, &dmlm, &c.mlm, &batch.mlm_rows, g, &mut dx));
    let dnsp = time(Part::Loss, || loss::cross_entropy_backward(&out.nsp_probs, &batch.nsp_labels, w.nsp));
    time(Part::Heads, || heads::nsp_backward(p, &dnsp, &c.nsp, &cls_rows(batch), g, &mut dx));
    dx
}

/// The rest of [`backward`]: from d(final hidden states) through the encoder layers into
/// the embedding tables; returns d(loss)/d(each token's summed embedding row).
pub fn backward_body(
    p: &Params,
    cfg: &BertConfig,
    batch: &Batch,
    dx: Array2<f32>,
    c: &ForwardCache,
    g: &mut Grads,
) -> Array2<f32> {
    let shape = Shape { batch: batch.batch, seq: batch.seq, attention: &batch.attention };
    let mut dx = dx;
    for (i, l) in p.layers.iter().enumerate().rev() {
        dx = encoder::backward(l, cfg, shape, dx, &c.layers[i], &mut g.layers[i]);
    }
    time(Part::Embeddings, || embeddings::backward(p, cfg, batch, dx, &c.embeddings, g))
}
