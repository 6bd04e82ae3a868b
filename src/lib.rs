//! bert-tutor: BERT's pre-training objective, end to end, small enough to watch.
//!
//! ```text
//! text pair ──tokenize──▶ ids, segments, positions ──mask──▶ batch
//!    ──model::forward──▶ MLM logits (masked rows) + NSP logits ──▶ per-head losses, sum
//!    ──model::backward──▶ grads ──optim (AdamW)──▶ params ──snapshot──▶ the TUI
//! ```

pub mod batch;
pub mod cmd;
pub mod corpus;
pub mod masking;
pub mod model;
pub mod tokenize;

/// The pair every BERT course shows: `[CLS] my dog is cute [SEP] he likes play ##ing [SEP]`.
pub const DEFAULT_A: &str = "my dog is cute";
pub const DEFAULT_B: &str = "he likes playing";
pub mod action;
pub mod app;
pub mod cli;
pub mod data;
pub mod event;
pub mod lesson;
pub mod optim;
pub mod probe;
pub mod process;
pub mod train;
pub mod tui;
pub mod ui;
pub mod worker;
