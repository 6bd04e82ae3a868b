//! Every weight of the model, named as HF names them, and a `Grads` of the same shape.
//!
//! As in llm.c, gradients live in a struct identical to the parameters (`Grads = Params`),
//! so an optimizer or a checkpoint walks both with one list of names.

use ndarray::{Array1, Array2, ArrayViewD, ArrayViewMutD};
use rand::Rng;

use super::config::BertConfig;

/// A dense layer `y = x Wᵀ + b`, stored as PyTorch stores it: `w` is `(out, in)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    pub w: Array2<f32>,
    pub b: Array1<f32>,
}

/// LayerNorm's scale γ (HF `weight`) and shift β (HF `bias`).
#[derive(Debug, Clone, PartialEq)]
pub struct Norm {
    pub g: Array1<f32>,
    pub b: Array1<f32>,
}

/// One encoder block's weights.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerParams {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub attn_out: Linear,
    pub attn_norm: Norm,
    pub inter: Linear,
    pub out: Linear,
    pub out_norm: Norm,
}

/// All of `BertForPreTraining`'s parameters; the MLM decoder reuses `word` (tied).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub word: Array2<f32>,
    pub position: Array2<f32>,
    pub token_type: Array2<f32>,
    pub emb_norm: Norm,
    pub layers: Vec<LayerParams>,
    pub pooler: Linear,
    pub nsp: Linear,
    pub mlm_transform: Linear,
    pub mlm_norm: Norm,
    pub mlm_bias: Array1<f32>,
}

/// Gradients have the parameters' shape.
pub type Grads = Params;

/// Lists `(hf_name, view)` for every tensor; `$view`/`$iter` pick shared or mutable access.
macro_rules! named_tensors {
    ($p:expr, $view:ident, $iter:ident) => {{
        let p = $p;
        let mut v = vec![("bert.embeddings.word_embeddings.weight".to_string(), p.word.$view().into_dyn())];
        v.push(("bert.embeddings.position_embeddings.weight".to_string(), p.position.$view().into_dyn()));
        v.push(("bert.embeddings.token_type_embeddings.weight".to_string(), p.token_type.$view().into_dyn()));
        v.push(("bert.embeddings.LayerNorm.weight".to_string(), p.emb_norm.g.$view().into_dyn()));
        v.push(("bert.embeddings.LayerNorm.bias".to_string(), p.emb_norm.b.$view().into_dyn()));
        for (i, l) in p.layers.$iter().enumerate() {
            let pre = format!("bert.encoder.layer.{i}");
            v.push((format!("{pre}.attention.self.query.weight"), l.query.w.$view().into_dyn()));
            v.push((format!("{pre}.attention.self.query.bias"), l.query.b.$view().into_dyn()));
            v.push((format!("{pre}.attention.self.key.weight"), l.key.w.$view().into_dyn()));
            v.push((format!("{pre}.attention.self.key.bias"), l.key.b.$view().into_dyn()));
            v.push((format!("{pre}.attention.self.value.weight"), l.value.w.$view().into_dyn()));
            v.push((format!("{pre}.attention.self.value.bias"), l.value.b.$view().into_dyn()));
            v.push((format!("{pre}.attention.output.dense.weight"), l.attn_out.w.$view().into_dyn()));
            v.push((format!("{pre}.attention.output.dense.bias"), l.attn_out.b.$view().into_dyn()));
            v.push((format!("{pre}.attention.output.LayerNorm.weight"), l.attn_norm.g.$view().into_dyn()));
            v.push((format!("{pre}.attention.output.LayerNorm.bias"), l.attn_norm.b.$view().into_dyn()));
            v.push((format!("{pre}.intermediate.dense.weight"), l.inter.w.$view().into_dyn()));
            v.push((format!("{pre}.intermediate.dense.bias"), l.inter.b.$view().into_dyn()));
            v.push((format!("{pre}.output.dense.weight"), l.out.w.$view().into_dyn()));
            v.push((format!("{pre}.output.dense.bias"), l.out.b.$view().into_dyn()));
            v.push((format!("{pre}.output.LayerNorm.weight"), l.out_norm.g.$view().into_dyn()));
            v.push((format!("{pre}.output.LayerNorm.bias"), l.out_norm.b.$view().into_dyn()));
        }
        v.push(("bert.pooler.dense.weight".to_string(), p.pooler.w.$view().into_dyn()));
        v.push(("bert.pooler.dense.bias".to_string(), p.pooler.b.$view().into_dyn()));
        v.push(("cls.predictions.bias".to_string(), p.mlm_bias.$view().into_dyn()));
        v.push(("cls.predictions.transform.dense.weight".to_string(), p.mlm_transform.w.$view().into_dyn()));
        v.push(("cls.predictions.transform.dense.bias".to_string(), p.mlm_transform.b.$view().into_dyn()));
        v.push(("cls.predictions.transform.LayerNorm.weight".to_string(), p.mlm_norm.g.$view().into_dyn()));
        v.push(("cls.predictions.transform.LayerNorm.bias".to_string(), p.mlm_norm.b.$view().into_dyn()));
        v.push(("cls.seq_relationship.weight".to_string(), p.nsp.w.$view().into_dyn()));
        v.push(("cls.seq_relationship.bias".to_string(), p.nsp.b.$view().into_dyn()));
        v
    }};
}

impl Params {
    /// All zeros, in the shape `cfg` gives: the start of a `Grads` or of AdamW's moments.
    pub fn zeros(cfg: &BertConfig) -> Self {
        let (v, h, f) = (cfg.vocab_size, cfg.hidden_size, cfg.intermediate_size);
        let lin = |o, i| Linear { w: Array2::zeros((o, i)), b: Array1::zeros(o) };
        let norm = |n| Norm { g: Array1::zeros(n), b: Array1::zeros(n) };
        let layer = || LayerParams {
            query: lin(h, h),
            key: lin(h, h),
            value: lin(h, h),
            attn_out: lin(h, h),
            attn_norm: norm(h),
            inter: lin(f, h),
            out: lin(h, f),
            out_norm: norm(h),
        };
        Params {
            word: Array2::zeros((v, h)),
            position: Array2::zeros((cfg.max_position_embeddings, h)),
            token_type: Array2::zeros((cfg.type_vocab_size, h)),
            emb_norm: norm(h),
            layers: (0..cfg.num_hidden_layers).map(|_| layer()).collect(),
            pooler: lin(h, h),
            nsp: lin(2, h),
            mlm_transform: lin(h, h),
            mlm_norm: norm(h),
            mlm_bias: Array1::zeros(v),
        }
    }

    /// HF `BertPreTrainedModel._init_weights`: weights ~ N(0, initializer_range²), biases 0,
    /// LayerNorm γ = 1 and β = 0, and the padding row of the word embeddings 0.
    pub fn init<R: Rng>(cfg: &BertConfig, rng: &mut R) -> Self {
        let mut p = Self::zeros(cfg);
        let std = cfg.initializer_range;
        for (name, mut t) in p.tensors_mut() {
            if name.ends_with("LayerNorm.weight") {
                t.fill(1.0);
            } else if name.ends_with("weight") {
                t.mapv_inplace(|_| std * standard_normal(rng));
            }
        }
        p.word.row_mut(cfg.pad_token_id as usize).fill(0.0);
        p
    }

    /// `(hf_name, tensor)` for every parameter, in a fixed order.
    pub fn tensors(&self) -> Vec<(String, ArrayViewD<'_, f32>)> {
        named_tensors!(self, view, iter)
    }

    /// `(hf_name, tensor)` for every parameter, mutable.
    pub fn tensors_mut(&mut self) -> Vec<(String, ArrayViewMutD<'_, f32>)> {
        named_tensors!(self, view_mut, iter_mut)
    }

    /// Every tensor copied out as `(name, shape, values)`, for safetensors.
    pub fn named_values(&self) -> Vec<super::checkpoint::NamedTensor> {
        self.tensors().into_iter().map(|(n, t)| (n, t.shape().to_vec(), t.iter().copied().collect())).collect()
    }

    pub fn num_parameters(&self) -> usize {
        self.tensors().iter().map(|(_, t)| t.len()).sum()
    }

    /// Sets every entry to zero, keeping the allocation (gradients between steps).
    pub fn zero(&mut self) {
        for (_, mut t) in self.tensors_mut() {
            t.fill(0.0);
        }
    }

    /// √(Σ t²) over every tensor: the global norm that gradient clipping uses.
    pub fn global_norm(&self) -> f32 {
        let sq: f64 = self.tensors().iter().flat_map(|(_, t)| t.iter().map(|&x| f64::from(x) * f64::from(x))).sum();
        sq.sqrt() as f32
    }
}

/// One N(0, 1) draw (`rand_distr`'s ziggurat sampler).
pub fn standard_normal<R: Rng>(rng: &mut R) -> f32 {
    use rand::RngExt;
    rng.sample(rand_distr::StandardNormal)
}
