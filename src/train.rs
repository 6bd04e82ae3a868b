//! Learning: AdamW and its schedule, the training loop, the trainer thread the TUI talks to,
//! the linear probes `compare` uses, and the held-apart pair set NSP is measured on.

pub mod optim;
pub mod pair_set;
pub mod probe;
mod trainer;
pub mod worker;

pub use trainer::*;
