//! bert-tutor: BERT's pre-training objective, end to end, small enough to watch.
//!
//! The folders follow the data, top to bottom; a module imports only from the ones below it
//! in this list (and `cmd` is imported by nobody):
//!
//! ```text
//! text pair ──text::tokenize──▶ ids, segments, positions ──text::masking──▶ text::batch
//!    ──model::forward──▶ MLM logits (masked rows) + NSP logits ──▶ per-head losses, sum
//!    ──model::backward──▶ grads ──train::optim (AdamW)──▶ params ──train::worker snapshot──▶ tui
//! ```
//!
//! - [`cmd`]: the command line (clap) and one file per subcommand;
//! - [`tui`]: app state and `update`, keys to actions, the event loop, one pure view per stage;
//! - [`export`]: a drawn screen as SVG, HTML or text, and the loss history as CSV and a plot
//!   (a leaf: it knows only ratatui's `Buffer`);
//! - [`demo`]: demo scripts for instructors, read and checked (the app plays them);
//! - [`lesson`]: lesson files, their checker, the runner, saved progress, and the stage names
//!   lessons and screen share;
//! - [`train`]: AdamW and its schedule, the training loop, the trainer thread, linear probes;
//! - [`model`]: BERT as forward/backward pairs, losses, HF-layout checkpoints;
//! - [`text`]: tokenizer, corpus and sentence pairs, masking, padded batches, the example stream;
//! - [`platform`]: what Linux, macOS and Windows do differently (syncing to disk, replacing a
//!   folder, a thread's priority), in one place that any module may use and that uses none.
//!
//! `tests/layout.rs` checks that no module imports one above it.

pub mod cmd;
pub mod demo;
pub mod export;
pub mod lesson;
pub mod model;
pub mod platform;
pub mod text;
pub mod train;
pub mod tui;

/// The pair every BERT course shows: `[CLS] my dog is cute [SEP] he likes play ##ing [SEP]`.
pub const DEFAULT_A: &str = "my dog is cute";
pub const DEFAULT_B: &str = "he likes playing";
