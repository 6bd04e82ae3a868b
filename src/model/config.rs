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

/// HF `BertConfig` (`configuration_bert.py`); unknown keys are kept and written back.
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

impl BertConfig {
    /// The default shape over a given vocabulary.
    pub fn for_vocab(vocab_size: usize) -> Self {
        Self { vocab_size, ..Self::default() }
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// Rejects shapes the model cannot have, with the reason.
    pub fn validate(&self) -> Result<()> {
        let h = self.hidden_size;
        let a = self.num_attention_heads;
        if h == 0 || a == 0 || self.vocab_size == 0 || self.intermediate_size == 0 {
            bail!("config: hidden_size, num_attention_heads, intermediate_size and vocab_size must be positive");
        }
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
