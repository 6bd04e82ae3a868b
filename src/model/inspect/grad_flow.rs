//! Gradient flow: run backward for the MLM loss alone and for the NSP loss alone (loss
//! weights 1/0 and 0/1), and measure where each one's gradient lands: per parameter group,
//! per position of the sequence, and on the tied token table, split between the input
//! lookup and the MLM decoder that shares it.

use ndarray::Array2;
use rand::rngs::StdRng;

use crate::model::{self, BertConfig, Grads, LossWeights, Params};
use crate::text::batch::Batch;

/// Which losses a backward pass starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadChoice {
    Mlm,
    Nsp,
    Both,
}

impl HeadChoice {
    pub fn weights(self) -> LossWeights {
        match self {
            HeadChoice::Mlm => LossWeights { mlm: 1.0, nsp: 0.0 },
            HeadChoice::Nsp => LossWeights { mlm: 0.0, nsp: 1.0 },
            HeadChoice::Both => LossWeights { mlm: 1.0, nsp: 1.0 },
        }
    }
}

/// One backward pass and what it shows.
#[derive(Debug, Clone)]
pub struct HeadGrads {
    /// d(loss)/d(every parameter), HF names via `tensors()`.
    pub grads: Grads,
    /// The token table's gradient from the MLM decoder alone (its output side).
    pub word_from_decoder: Array2<f32>,
    /// d(loss)/d(each token's summed embedding row), (B·T, H).
    pub rows: Array2<f32>,
}

/// The gradients of the loss `w` weighs, at eval time (no dropout), as HF computes them
/// with only those labels given.
pub fn head_grads(p: &Params, cfg: &BertConfig, batch: &Batch, w: LossWeights) -> HeadGrads {
    let (out, cache) = model::forward(p, cfg, batch, w, None::<&mut StdRng>);
    let mut grads = Grads::zeros(cfg);
    let dx = model::backward_heads(p, cfg, batch, w, &out, &cache, &mut grads);
    let word_from_decoder = grads.word.clone();
    let rows = model::backward_body(p, cfg, batch, dx, &cache, &mut grads);
    HeadGrads { grads, word_from_decoder, rows }
}

/// A parameter group's gradient norm under each loss.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupNorms {
    pub name: String,
    pub mlm: f32,
    pub nsp: f32,
}

/// Everything stage 10 shows, for one sequence.
#[derive(Debug, Clone)]
pub struct GradFlow {
    /// In the model's order: embeddings, each layer's attention and FFN, then the heads.
    pub groups: Vec<GroupNorms>,
    /// The tied token table split by path: [MLM, NSP] norms through the input lookup and
    /// through the decoder.
    pub word_input: [f32; 2],
    pub word_decoder: [f32; 2],
    /// ‖d(loss)/d(summed embedding row)‖ at each position: [MLM, NSP].
    pub tokens: Vec<[f32; 2]>,
}

/// Both heads' gradients for a single-sequence batch, grouped.
pub fn grad_flow(p: &Params, cfg: &BertConfig, batch: &Batch) -> GradFlow {
    let mlm = head_grads(p, cfg, batch, HeadChoice::Mlm.weights());
    let nsp = head_grads(p, cfg, batch, HeadChoice::Nsp.weights());
    let (gm, gn) = (group_norms(&mlm.grads), group_norms(&nsp.grads));
    let groups = gm.into_iter().zip(gn).map(|((name, m), (_, n))| GroupNorms { name, mlm: m, nsp: n }).collect();
    let input = |h: &HeadGrads| norm((&h.grads.word - &h.word_from_decoder).iter());
    let tokens = (0..batch.tokens()).map(|t| [norm(mlm.rows.row(t).iter()), norm(nsp.rows.row(t).iter())]).collect();
    GradFlow {
        groups,
        word_input: [input(&mlm), input(&nsp)],
        word_decoder: [norm(mlm.word_from_decoder.iter()), norm(nsp.word_from_decoder.iter())],
        tokens,
    }
}

/// The group a parameter belongs to, from its HF name.
pub fn group_of(name: &str) -> String {
    let layer = |rest: &str| -> String {
        let (i, rest) = rest.split_once('.').unwrap_or((rest, ""));
        let i: usize = i.parse().unwrap_or(0);
        let part = if rest.starts_with("attention.") { "attention" } else { "FFN" };
        format!("layer {} {part}", i + 1)
    };
    match name {
        n if n.starts_with("bert.embeddings.word_embeddings") => "token table".into(),
        n if n.starts_with("bert.embeddings.token_type_embeddings") => "segment table".into(),
        n if n.starts_with("bert.embeddings.position_embeddings") => "position table".into(),
        n if n.starts_with("bert.embeddings.LayerNorm") => "embedding LayerNorm".into(),
        n if n.starts_with("bert.encoder.layer.") => layer(&n["bert.encoder.layer.".len()..]),
        n if n.starts_with("cls.predictions.transform") => "MLM transform".into(),
        n if n.starts_with("cls.predictions.bias") => "MLM decoder bias".into(),
        n if n.starts_with("bert.pooler") => "pooler".into(),
        n if n.starts_with("cls.seq_relationship") => "NSP classifier".into(),
        n => n.to_string(),
    }
}

/// (group, ‖gradient‖) in the order the groups first appear, then the heads in the order
/// of the flow (MLM transform, decoder bias, pooler, NSP classifier).
fn group_norms(g: &Grads) -> Vec<(String, f32)> {
    let mut order: Vec<(String, f64)> = Vec::new();
    for (name, t) in g.tensors() {
        let group = group_of(&name);
        let sq: f64 = t.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        match order.iter_mut().find(|(n, _)| *n == group) {
            Some((_, s)) => *s += sq,
            None => order.push((group, sq)),
        }
    }
    let rank = |n: &str| match n {
        "MLM transform" => 1,
        "MLM decoder bias" => 2,
        "pooler" => 3,
        "NSP classifier" => 4,
        _ => 0,
    };
    order.sort_by_key(|(n, _)| rank(n)); // stable: the body keeps its own order
    order.into_iter().map(|(n, s)| (n, s.sqrt() as f32)).collect()
}

fn norm<'a>(values: impl Iterator<Item = &'a f32>) -> f32 {
    values.map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt() as f32
}
