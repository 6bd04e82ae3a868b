//! The model's shape: HF's `BertConfig`, with the same `config.json` keys and defaults.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// The activation in the feed-forward and MLM-transform layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Activation {
    /// The exact erf form, HF's `"gelu"`.
    #[default]
    #[serde(rename = "gelu")]
    Gelu,
    /// The tanh approximation the TF original used, HF's `"gelu_new"`.
    #[serde(rename = "gelu_new", alias = "gelu_pytorch_tanh")]
    GeluNew,
}

/// HF `BertConfig` (`configuration_bert.py`). Keys outside these fields land in `extra`,
/// are written back on save, and must pass [`check_extra`]: a key that would change the math
/// is refused, never ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub hidden_act: Activation,
    pub hidden_dropout_prob: f32,
    pub attention_probs_dropout_prob: f32,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub initializer_range: f32,
    pub layer_norm_eps: f64,
    pub pad_token_id: u32,
    pub model_type: String,
    pub architectures: Vec<String>,
    pub tie_word_embeddings: bool,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Default for BertConfig {
    /// bert-tutor's default: small enough to train live on two cores (see README).
    fn default() -> Self {
        Self {
            vocab_size: 2000,
            hidden_size: 64,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            intermediate_size: 256,
            hidden_act: Activation::Gelu,
            hidden_dropout_prob: 0.1,
            attention_probs_dropout_prob: 0.1,
            max_position_embeddings: 128,
            type_vocab_size: 2,
            initializer_range: 0.02,
            layer_norm_eps: 1e-12,
            pad_token_id: 0,
            model_type: "bert".into(),
            architectures: vec!["BertForPreTraining".into()],
            tie_word_embeddings: true,
            extra: serde_json::Map::new(),
        }
    }
}

/// The largest model bert-tutor will build: above BERT-large (340M), far above anything a
/// CPU can train here, and small enough that a typo in `config.json` fails before allocating.
pub const MAX_PARAMETERS: u128 = 400_000_000;

/// The deepest model bert-tutor builds. The parameter cap alone would let millions of tiny
/// layers through (each one a handful of small allocations); the fuzzer found that.
pub const MAX_LAYERS: usize = 96;

/// Keys HF writes into `config.json` that do not change `BertForPreTraining`'s forward or
/// backward pass (bookkeeping, generation and fine-tuning settings, the TF port's pooler notes).
const HARMLESS_KEYS: &[&str] = &[
    "_name_or_path",
    "transformers_version",
    "torch_dtype",
    "dtype",
    "use_bfloat16",
    "gradient_checkpointing",
    "chunk_size_feed_forward",
    "use_cache",
    "classifier_dropout",
    "output_past",
    "output_attentions",
    "output_hidden_states",
    "return_dict",
    "torchscript",
    "bos_token_id",
    "eos_token_id",
    "sep_token_id",
    "decoder_start_token_id",
    "id2label",
    "label2id",
    "num_labels",
    "problem_type",
    "finetuning_task",
    "task_specific_params",
    "tokenizer_class",
    "prefix",
    "tf_legacy_loss",
    "directionality",
    "pooler_fc_size",
    "pooler_num_attention_heads",
    "pooler_num_fc_layers",
    "pooler_size_per_head",
    "pooler_type",
];

/// Keys that change the math unless they hold HF's default; bert-tutor computes only that.
fn required_value(key: &str) -> Option<serde_json::Value> {
    use serde_json::json;
    match key {
        "position_embedding_type" => Some(json!("absolute")),
        "is_decoder" => Some(json!(false)),
        "add_cross_attention" => Some(json!(false)),
        "pruned_heads" => Some(json!({})),
        _ => None,
    }
}

/// Refuses a key bert-tutor cannot honour, naming it: a math-changing key with a value other
/// than HF's default, or a key it does not know (which might change the math).
pub fn check_extra(extra: &serde_json::Map<String, serde_json::Value>) -> Result<()> {
    for (key, value) in extra {
        if HARMLESS_KEYS.contains(&key.as_str()) {
            continue;
        }
        match required_value(key) {
            Some(want) if *value == want || value.is_null() => {}
            Some(want) => bail!("config: {key} is {value}, but bert-tutor computes only {key} = {want}"),
            None => bail!(
                "config: unknown key \"{key}\": bert-tutor cannot tell whether it changes the model; remove it if it does not"
            ),
        }
    }
    Ok(())
}

impl BertConfig {
    /// Parameters this shape has, counted without allocating (u128: absurd sizes cannot overflow).
    pub fn parameter_count(&self) -> u128 {
        let [v, h, l, f, p, t] = [
            self.vocab_size,
            self.hidden_size,
            self.num_hidden_layers,
            self.intermediate_size,
            self.max_position_embeddings,
            self.type_vocab_size,
        ]
        .map(|x| x as u128);
        let embeddings = (v + p + t) * h + 2 * h;
        let layer = 4 * (h * h + h) + 2 * (h * f) + f + h + 4 * h;
        let heads = (h * h + h) + 2 * h + v + (h * h + h) + 2 * h + 2;
        embeddings + l * layer + heads
    }

    /// The default shape over a given vocabulary.
    pub fn for_vocab(vocab_size: usize) -> Self {
        Self { vocab_size, ..Self::default() }
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// Rejects shapes the model cannot have and settings bert-tutor cannot compute exactly,
    /// with the reason, before anything is allocated.
    pub fn validate(&self) -> Result<()> {
        let h = self.hidden_size;
        let a = self.num_attention_heads;
        if h == 0 || a == 0 || self.vocab_size == 0 || self.intermediate_size == 0 || self.num_hidden_layers == 0 {
            bail!(
                "config: hidden_size, num_attention_heads, intermediate_size, num_hidden_layers and vocab_size must be positive"
            );
        }
        if self.num_hidden_layers > MAX_LAYERS {
            bail!(
                "config: num_hidden_layers {} is more than bert-tutor builds ({MAX_LAYERS}; BERT-large has 24)",
                self.num_hidden_layers
            );
        }
        let params = self.parameter_count();
        if params > MAX_PARAMETERS {
            bail!(
                "config: this shape has {params} parameters, more than bert-tutor handles ({MAX_PARAMETERS}); check hidden_size, num_hidden_layers, intermediate_size and vocab_size"
            );
        }
        if !self.tie_word_embeddings {
            bail!(
                "config: tie_word_embeddings is false (a separate MLM decoder matrix); bert-tutor computes only BERT's tied decoder"
            );
        }
        check_extra(&self.extra)?;
        if !h.is_multiple_of(a) {
            bail!("config: hidden_size {h} is not a multiple of num_attention_heads {a}");
        }
        if self.max_position_embeddings < 8 || self.type_vocab_size < 2 {
            bail!("config: need max_position_embeddings >= 8 and type_vocab_size >= 2");
        }
        if self.pad_token_id as usize >= self.vocab_size {
            bail!("config: pad_token_id {} is outside the vocabulary", self.pad_token_id);
        }
        for p in [self.hidden_dropout_prob, self.attention_probs_dropout_prob] {
            if !(0.0..1.0).contains(&p) {
                bail!("config: dropout probabilities must be in [0, 1), got {p}");
            }
        }
        Ok(())
    }
}
