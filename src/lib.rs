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
