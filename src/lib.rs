//! bert-tutor: BERT's pre-training objective, end to end, small enough to watch.
//!
//! ```text
//! text pair ──tokenize──▶ ids, segments, positions ──mask──▶ batch
//!    ──model::forward──▶ MLM logits (masked rows) + NSP logits ──▶ per-head losses, sum
//!    ──model::backward──▶ grads ──optim (AdamW)──▶ params ──snapshot──▶ the TUI
//! ```

pub mod batch;
pub mod corpus;
pub mod masking;
pub mod model;
pub mod tokenize;
pub mod cmd;

/// The pair every BERT course shows: `[CLS] my dog is cute [SEP] he likes play ##ing [SEP]`.
pub const DEFAULT_A: &str = "my dog is cute";
pub const DEFAULT_B: &str = "he likes playing";
pub mod data;
pub mod optim;
pub mod train;
pub mod cli;
