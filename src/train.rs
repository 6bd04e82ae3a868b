//! Learning: AdamW and its schedule, the training loop, the trainer thread the TUI talks to,
//! and the linear probes `compare` uses.

pub mod optim;
pub mod probe;
mod trainer;
pub mod worker;

pub use trainer::*;
